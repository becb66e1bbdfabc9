// The HTTP side of `till serve`, on Boost.Beast over Asio.
//
// Why not a thread per connection (cpp-httplib, as before): a blocking thread is held by each
// open connection for as long as it stays open, so as many slow or busy keep-alive clients as
// there are threads stalled every other client, and a read timeout per read let a client that
// sends a byte a second hold its thread for good. Here an event loop multiplexes every
// connection (thousands cost a socket and a small buffer each; a thread a core runs it, each
// connection on a strand of its own), and:
//  - a request must arrive whole within kRequestTime of the connection being ready for it (one
//    deadline for the idle wait plus the head and body, not one per read): slow clients are
//    closed, never waited for;
//  - a request head is at most kHeadBytes (431 at once beyond, 414 for a long request line), a
//    body at most kBodyBytes (413);
//  - pipelined requests are read from the same buffer and answered in order, at once; the next
//    one is read only once the answer before it is sent, and the kernel holds at most
//    kSendBufferBytes of a connection's unsent answers: a client that asks and never reads
//    holds the server to that budget (and one answer), then is closed after kWriteTime;
//  - clients of /api/v1/events (server-sent events: the dashboard told of each new snapshot at
//    once) hold a connection each but no thread: each is written to on its strand when a
//    snapshot is published, with a comment every `event_heartbeat_seconds` for proxies. At most
//    `max_event_streams` are open (503 beyond); each counts as a connection in kMaxConnections;
//    one whose client takes no event within kEventWriteTime is closed, and every one ends after
//    kEventStreamTime (EventSource opens another `retry` later);
//  - what is cheap (a cached answer, the dashboard's files, /healthz, /metrics) is answered on
//    the I/O threads; an answer not in the cache is computed on `threads` worker threads. That
//    bounds both the CPU and the memory that questions in flight take, whatever the number of
//    clients asking: the memory budget of answers being computed is `threads` answers.
#include "serve/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <malloc.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/clock.h"
#include "base/log.h"
#include "base/sha256.h"
#include "serve/api.h"
#include "serve/assets.h"
#include "serve/cube_file.h"
#include "serve/customer_analytics.h"
#include "serve/snapshot.h"

namespace till {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;

// A request (the idle wait before it included) must arrive whole within this.
constexpr auto kRequestTime = std::chrono::seconds(5);
// An answer must be taken by the client within this (ECharts' megabyte on a slow link).
constexpr auto kWriteTime = std::chrono::seconds(30);
// After refusing a request, how long its remaining bytes are read and dropped before closing, so
// that the client reads the refusal instead of a connection reset.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerBytes = 1 << 20;
constexpr size_t kHeadBytes = 16 << 10;   // request line and headers
constexpr size_t kTargetBytes = 8 << 10;  // request line's target
constexpr size_t kBodyBytes = 16 << 10;
constexpr size_t kMaxConnections = 10'000;  // beyond, a new connection is closed at once
// The budget of answer bytes a connection may leave unsent in the kernel (SO_SNDBUF; Linux
// counts its own overhead in it too). Without it the kernel grows a connection's send buffer up
// to net.ipv4.tcp_wmem's maximum (4 MiB by default), so that each client that asks and never
// reads could hold that much memory. With it, an answer that does not fit waits in the server
// (one answer a connection: the next request is not read until it is sent) and the connection
// is closed when the client takes none of it for kWriteTime. 256 KiB still fills a 20 Mbit/s
// link 100 ms away.
constexpr int kSendBufferBytes = 256 << 10;
// Answers from this size up are counted while clients have not taken them whole (HeldAnswers);
// smaller ones fit in a connection's send buffer at once.
constexpr size_t kCountedAnswerBytes = 64 << 10;
// An event stream's client must take each event (or heartbeat) within this, or it is closed.
constexpr auto kEventWriteTime = std::chrono::seconds(10);
// An event stream ends after this; the client's EventSource opens a new one kEventRetry later.
constexpr auto kEventStreamTime = std::chrono::minutes(30);
constexpr int kEventRetryMs = 2000;
constexpr std::string_view kEventsPath = "/api/v1/events";
// Freed memory that glibc keeps in its arenas beyond this is given back after a computed answer.
constexpr size_t kSlackBytes = 32 << 20;
// Blocks from this size up are mapped when allocated and unmapped when freed (see Start()).
constexpr int kMmapThreshold = 8 << 20;

// Sent with every response. Scripts and styles come from Till only; ECharts sets inline styles
// on its tooltips, which 'unsafe-inline' for styles (never for scripts) allows.
const std::vector<std::pair<std::string_view, std::string_view>>& SecurityHeaders() {
  static const std::vector<std::pair<std::string_view, std::string_view>> headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
  return headers;
}

bool IsLoopback(const std::string& address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

// Compares without leaking, through timing, how much of a guess was right.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  }
  return difference == 0;
}

// The metric label of a request: one of a fixed few, never the raw path.
std::string EndpointLabel(const std::string& path, bool asset) {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (path.starts_with(kPrefix)) {
    std::string_view name = std::string_view(path).substr(kPrefix.size());
    if (name == "events") return "events";
    if (IsApiEndpoint(name)) {
      std::string label(name);
      std::replace(label.begin(), label.end(), '/', '_');
      return label;
    }
    return "api_unknown";
  }
  if (path == "/metrics") return "metrics";
  if (path == "/healthz") return "healthz";
  return asset ? "static" : "not_found";
}

// `text` in gzip form, at zlib's `level`.
std::string Gzip(std::string_view text, int level) {
  z_stream stream{};
  // 15 + 16: the largest window, with a gzip header and trailer instead of zlib's.
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

// Whether a client that sent `header` as Accept-Encoding takes gzip: "gzip" (or "*") among its
// codings, not at q=0.
bool AcceptsGzip(std::string_view header) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view coding = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    size_t name = coding.starts_with("gzip") ? 4 : coding.starts_with("*") ? 1 : 0;
    if (name == 0) continue;
    std::string_view rest = coding.substr(name);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) return true;
    if (rest.front() != ';') continue;
    size_t q = rest.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view weight = rest.substr(q + 2);
    return weight.find_first_not_of("0. ") != std::string_view::npos;
  }
  return false;
}

// A request as the routes see it: the path and parameters decoded.
struct Request {
  std::string method;
  std::string path;
  Params params;
  std::string remote_address;
  std::string accept_encoding;
  std::string authorization;
  std::string if_none_match;
  bool head = false;
  Steady::time_point started;
};

// An answer to send. `body` stays valid while `keep` is held (or for ever: the built-in files).
struct Reply {
  unsigned status = 200;
  std::string content_type;
  std::vector<std::pair<std::string_view, std::string>> headers;
  std::string_view body;
  std::shared_ptr<const void> keep;
  bool close = false;         // close the connection once sent
  bool event_stream = false;  // instead of all this: the connection becomes an event stream
};

// The JSON error body for `status`, as every failure carries it.
Reply ErrorReply(unsigned status, std::string_view message) {
  auto body = std::make_shared<const std::string>(ErrorBody(static_cast<int>(status), message));
  Reply reply;
  reply.status = status;
  reply.content_type = "application/json";
  reply.body = *body;
  reply.keep = std::move(body);
  return reply;
}

// `body`, or `gzip` (its gzip form, when there is one) to a client that takes gzip. Compressed
// once (files at start, answers when computed), never per request.
void SetBody(const Request& request, Reply& reply, std::string_view body, std::string_view gzip,
             std::string_view content_type, std::shared_ptr<const void> keep) {
  reply.headers.emplace_back("Vary", "Accept-Encoding");
  reply.body = body;
  if (!gzip.empty() && AcceptsGzip(request.accept_encoding)) {
    reply.headers.emplace_back("Content-Encoding", "gzip");
    reply.body = gzip;
  }
  reply.content_type = content_type;
  reply.keep = std::move(keep);
}

// The answers written to clients that have not taken them whole yet. One such answer a
// connection is bounded already (the next request is not read until it is sent), but many
// connections that each ask a distinct heavy question and never read would hold an answer each
// after the cache has let them go. Each answer is counted once, however many connections send
// it; a new one that would take the total past the budget is refused (503, Retry-After) rather
// than held, and a client that takes its answer frees its share.
class HeldAnswers {
 public:
  // Counts `answer` (its address: the owner that keeps its bytes) as sent to one more
  // connection. False, counting nothing, when it is held by none yet and would take the answers
  // held past `budget` (one answer alone always fits).
  bool Hold(const void* answer, size_t bytes, size_t budget) {
    std::lock_guard lock(mutex_);
    auto it = held_.find(answer);
    if (it == held_.end()) {
      if (total_ > 0 && total_ + bytes > budget) return false;
      it = held_.emplace(answer, Held{bytes, 0}).first;
      total_ += bytes;
    }
    ++it->second.connections;
    return true;
  }

  void Release(const void* answer) {
    std::lock_guard lock(mutex_);
    auto it = held_.find(answer);
    if (it == held_.end() || --it->second.connections > 0) return;
    total_ -= it->second.bytes;
    held_.erase(it);
  }

 private:
  struct Held {
    size_t bytes = 0;
    int connections = 0;
  };
  std::mutex mutex_;
  std::unordered_map<const void*, Held> held_;
  size_t total_ = 0;
};

}  // namespace

struct DashboardServer::State {
  ServeOptions options;
  int port = 0;

  std::unique_ptr<SnapshotReader> reader;
  mutable std::mutex snapshot_mutex;
  std::shared_ptr<const Snapshot> snapshot;
  std::string refresh_error;  // the last refresh's failure, empty when it worked
  std::string watch_error;    // the last WaitForCommit's failure (refreshing thread only)
  // The snapshot published last, until its default question is segmented (refreshing thread).
  std::shared_ptr<const Snapshot> unsegmented;
  Steady::time_point segment_after;
  static constexpr auto kSegmentQuiet = std::chrono::seconds(1);

  // Answers of the current snapshot, by endpoint and parameters; emptied when it changes.
  std::mutex cache_mutex;
  std::shared_ptr<const Snapshot> cache_of;  // held, so no later snapshot takes its address
  // An answer with its gzip form (for bodies of a kilobyte or more).
  struct Answered {
    ApiResponse response;
    std::string gzip;
  };
  std::unordered_map<std::string, std::shared_ptr<const Answered>> cache;
  size_t cache_bytes = 0;
  static constexpr size_t kCacheBytes = 64 << 20;

  HeldAnswers held_answers;

  std::unordered_map<std::string_view, const Asset*> assets;
  std::unordered_map<std::string_view, std::string> etags;
  std::unordered_map<std::string_view, std::string> gzipped;  // compressed once, at start

  // Open connections, to close them on Stop(). Declared before `io`, whose pending operations
  // hold sessions until it is destroyed.
  class Session;
  std::mutex sessions_mutex;
  std::unordered_set<Session*> sessions;
  // The event streams open (a place taken in Route, before the session registers below).
  std::atomic<int> event_places{0};
  std::mutex events_mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> event_streams;

  // The network: every connection on `io`, run by `io_threads`; answers computed on `workers`.
  asio::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_pause;  // after running out of file descriptors
  std::vector<std::thread> io_threads;
  std::unique_ptr<asio::thread_pool> workers;
  size_t worker_threads = 0;

  std::thread refresher;
  std::mutex stop_mutex;
  std::condition_variable stop_signal;
  bool stopping = false;
  bool stopped = false;  // the network is shut down

  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* durations = nullptr;
  prometheus::Family<prometheus::Gauge>* warehouse_rows = nullptr;
  prometheus::Family<prometheus::Gauge>* warehouse_files = nullptr;
  prometheus::Gauge* sales = nullptr;
  prometheus::Gauge* data_version = nullptr;
  // Only a replica has the series, made at the first refresh that finds one.
  prometheus::Family<prometheus::Gauge>* replica_lag_family = nullptr;
  prometheus::Gauge* replica_lag = nullptr;
  prometheus::Gauge* last_success = nullptr;
  prometheus::Gauge* last_refresh = nullptr;
  prometheus::Counter* refresh_failures = nullptr;
  prometheus::Gauge* event_streams_open = nullptr;
  std::mutex series_mutex;
  std::map<std::pair<std::string, unsigned>,
           std::pair<prometheus::Counter*, prometheus::Histogram*>>
      request_series;

  std::shared_ptr<const Snapshot> Current() const {
    std::lock_guard lock(snapshot_mutex);
    return snapshot;
  }

  void Publish(std::shared_ptr<const Snapshot> next) {
    sales->Set(static_cast<double>(next->cube->rows()));
    data_version->Set(static_cast<double>(next->data_version));
    const auto& f = next->freshness;
    warehouse_rows->Add({{"outcome", "loaded"}}).Set(static_cast<double>(f.rows_loaded));
    warehouse_rows->Add({{"outcome", "rejected"}}).Set(static_cast<double>(f.rows_rejected));
    warehouse_rows->Add({{"outcome", "duplicate"}}).Set(static_cast<double>(f.rows_duplicate));
    warehouse_files->Add({{"status", "loaded"}}).Set(static_cast<double>(f.files_loaded));
    warehouse_files->Add({{"status", "failed"}}).Set(static_cast<double>(f.files_failed));
    warehouse_files->Add({{"status", "skipped"}}).Set(static_cast<double>(f.files_skipped));
    if (f.last_success_epoch) last_success->Set(*f.last_success_epoch);
    SetReplicaLag(*next);
    std::lock_guard lock(snapshot_mutex);
    snapshot = std::move(next);
  }

  // Runs where Publish does: in Start, then on the refreshing thread alone.
  void SetReplicaLag(const Snapshot& read) {
    auto replica = read.replica ? read.replica->Get() : std::nullopt;
    if (!replica || !replica->lag_seconds) return;
    if (!replica_lag) replica_lag = &replica_lag_family->Add({});
    replica_lag->Set(*replica->lag_seconds);
  }

  // Segments the Customers tab's default question of `current` (customer_analytics.h) on a
  // worker, so that the tab's first click finds it computed instead of waiting a second or more
  // for it. Only with two workers or more (the job holds one for that second while the others
  // answer), and only when answers are cached (without, every request is computed: measuring).
  void SegmentDefaultLater(const std::shared_ptr<const Snapshot>& current) {
    if (!options.cache || worker_threads < 2) return;
    auto selection = DefaultCustomersSelection(*current->cube);
    if (!selection) return;
    SegmentSalesLater(current->cube, *selection,
                      [this](std::function<void()> job) { asio::post(*workers, std::move(job)); });
  }

  // Waits for a commit to the warehouse (kWatchSlice at most at a time, to notice Stop), for
  // the refresh period, or for Stop; true to stop. After the watch failed (the warehouse is
  // unreachable) only the period is waited for, and the watch is tried again after it.
  bool WaitForChange(Steady::time_point last_read, bool& watch_failed) {
    constexpr auto kWatchSlice = std::chrono::milliseconds(250);
    const auto period = std::chrono::duration_cast<Steady::duration>(
        std::chrono::duration<double>(options.refresh_seconds));
    for (;;) {
      {
        std::lock_guard lock(stop_mutex);
        if (stopping) return true;
      }
      if (unsegmented && Steady::now() >= segment_after) {
        SegmentDefaultLater(unsegmented);
        unsegmented.reset();
      }
      auto left = last_read + period - Steady::now();
      if (left <= Steady::duration::zero()) {
        watch_failed = false;
        return false;
      }
      if (watch_failed || !options.watch_commits) {
        std::unique_lock lock(stop_mutex);
        if (stop_signal.wait_for(lock, left, [&] { return stopping; })) return true;
        continue;
      }
      auto slice = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(left) +
                                std::chrono::milliseconds(1),
                            kWatchSlice);
      auto committed = reader->WaitForCommit(slice);
      if (!committed) {
        std::string message = committed.error().message();
        if (message != watch_error) {
          Log(LogLevel::kWarn, "cannot watch the warehouse for commits; checking it every period",
              {{"error", message}});
        }
        watch_error = std::move(message);
        watch_failed = true;
      } else {
        if (!watch_error.empty()) Log(LogLevel::kInfo, "watching the warehouse for commits again");
        watch_error.clear();
        if (*committed) return false;
      }
    }
  }

  // Reads the warehouse again when it changed: at once when a commit is noticed, else every
  // refresh period; keeps the last good snapshot when it fails.
  void RefreshLoop() {
    bool watch_failed = false;
    auto last_read = Steady::now();
    std::string save_error;
    for (;;) {
      // The cube file is written here, on this thread, so that neither the first answer nor a
      // refresh waits for the disk.
      if (Status saved = reader->SaveCube(); !saved) {
        if (saved.error().message() != save_error) {
          Log(LogLevel::kWarn,
              "cannot keep the sales cube in its file; the next start reads the "
              "warehouse",
              {{"error", saved.error().message()}});
        }
        save_error = saved.error().message();
      } else {
        save_error.clear();
      }
      if (WaitForChange(last_read, watch_failed)) return;
      last_read = Steady::now();
      auto current = Current();
      auto next = reader->Refresh(current);
      last_refresh->SetToCurrentTime();
      if (!next) {
        refresh_failures->Increment();
        std::string message = next.error().message();
        if (message != refresh_error) {
          Log(LogLevel::kWarn, "cannot read the warehouse; serving the last data read",
              {{"error", message}});
        }
        std::lock_guard snapshot_lock(snapshot_mutex);
        refresh_error = message;
      } else {
        {
          std::lock_guard snapshot_lock(snapshot_mutex);
          if (!refresh_error.empty()) Log(LogLevel::kInfo, "the warehouse can be read again");
          refresh_error.clear();
        }
        if (*next != current) {
          Log(LogLevel::kInfo, "warehouse changed",
              {{"data_version", (*next)->data_version}, {"sales", (*next)->cube->rows()}});
          Publish(*next);
          GiveBackSlack();
          TellEventStreams();
          // Segmented once the data has been quiet for kSegmentQuiet: while a stream commits
          // every fraction of a second, a segmentation of each snapshot would keep a worker
          // busy with answers no one asks for.
          unsegmented = *next;
          segment_after = Steady::now() + kSegmentQuiet;
        } else {
          SetReplicaLag(**next);
        }
      }
    }
  }

  void TellEventStreams();

  static std::string CacheKey(const std::string& endpoint, const Params& params) {
    std::string key = endpoint;
    for (const auto& [name, value] : params) key += fmt::format("\n{}={}", name, value);
    return key;
  }

  // Freshness and the streams' rates and lags count seconds: never cached.
  bool Cacheable(const std::string& endpoint) const {
    return options.cache && endpoint != "pipeline/freshness" && endpoint != "pipeline/streams";
  }

  // The answer to /api/v1/<endpoint> when the current snapshot already gave it; null otherwise.
  std::shared_ptr<const Answered> Cached(const std::string& endpoint, const Params& params) {
    if (!Cacheable(endpoint)) return nullptr;
    auto current = Current();
    std::lock_guard lock(cache_mutex);
    if (cache_of != current) return nullptr;
    auto it = cache.find(CacheKey(endpoint, params));
    return it == cache.end() ? nullptr : it->second;
  }

  // Computes the answer to /api/v1/<endpoint> and caches it. Runs on a worker.
  std::shared_ptr<const Answered> Compute(const std::string& endpoint, const Params& params) {
    auto current = Current();
    Answered answered{
        AnswerApi(*current, endpoint, params, std::chrono::system_clock::now(), options.version),
        {}};
    if (answered.response.body.size() >= 1024) answered.gzip = Gzip(answered.response.body, 1);
    auto response = std::make_shared<const Answered>(std::move(answered));
    if (Cacheable(endpoint) && response->response.status == 200) {
      std::string key = CacheKey(endpoint, params);
      std::lock_guard lock(cache_mutex);
      if (cache_of != current || cache_bytes > kCacheBytes) {
        cache.clear();
        cache_bytes = 0;
        cache_of = current;
      }
      cache_bytes += key.size() + response->response.body.size() + response->gzip.size();
      cache.emplace(std::move(key), response);
    }
    GiveBackSlack();
    return response;
  }

  // A heavy question frees tens of megabytes when answered; glibc keeps freed memory in the
  // arena of the thread that freed it, so without this the peak of every worker stays resident.
  static void GiveBackSlack() {
    if (mallinfo2().fordblks > kSlackBytes) malloc_trim(0);
  }

  static Reply AnswerReply(const Request& request, std::shared_ptr<const Answered> answered) {
    const ApiResponse& answer = answered->response;
    Reply reply;
    reply.status = static_cast<unsigned>(answer.status);
    reply.headers.emplace_back("Cache-Control", "no-store");
    if (!answer.filename.empty()) {
      reply.headers.emplace_back("Content-Disposition",
                                 fmt::format("attachment; filename=\"{}\"", answer.filename));
    }
    std::string_view body = answer.body;
    std::string_view gzip = answered->gzip;
    std::string_view type = answer.content_type;
    SetBody(request, reply, body, gzip, type, std::move(answered));
    return reply;
  }

  void SetUpMetrics() {
    auto& r = *registry;
    requests = &prometheus::BuildCounter()
                    .Name("till_http_requests_total")
                    .Help("HTTP requests answered, by endpoint and status code")
                    .Register(r);
    durations = &prometheus::BuildHistogram()
                     .Name("till_http_request_duration_seconds")
                     .Help("Time to answer an HTTP request, by endpoint")
                     .Register(r);
    sales = &prometheus::BuildGauge()
                 .Name("till_serve_sales")
                 .Help("Sales rows the dashboard serves")
                 .Register(r)
                 .Add({});
    event_streams_open = &prometheus::BuildGauge()
                              .Name("till_serve_event_streams")
                              .Help("Clients of /api/v1/events connected now")
                              .Register(r)
                              .Add({});
    data_version = &prometheus::BuildGauge()
                        .Name("till_serve_data_version")
                        .Help("Grows each time the warehouse changed and was read again")
                        .Register(r)
                        .Add({});
    replica_lag_family = &prometheus::BuildGauge()
                              .Name("till_serve_replica_lag_seconds")
                              .Help(
                                  "How far the replica warehouse is behind its primary (only "
                                  "when serving from a replica)")
                              .Register(r);
    last_refresh = &prometheus::BuildGauge()
                        .Name("till_serve_last_refresh_timestamp_seconds")
                        .Help("When the warehouse was last checked for changes")
                        .Register(r)
                        .Add({});
    refresh_failures = &prometheus::BuildCounter()
                            .Name("till_serve_refresh_failures_total")
                            .Help("Checks of the warehouse that failed")
                            .Register(r)
                            .Add({});
    warehouse_rows = &prometheus::BuildGauge()
                          .Name("till_warehouse_rows")
                          .Help("Raw rows of the loaded files, by what became of them")
                          .Register(r);
    warehouse_files = &prometheus::BuildGauge()
                           .Name("till_warehouse_files")
                           .Help("Files recorded in the warehouse, by status")
                           .Register(r);
    last_success = &prometheus::BuildGauge()
                        .Name("till_warehouse_last_success_timestamp_seconds")
                        .Help("When a file last loaded into the warehouse")
                        .Register(r)
                        .Add({});
    prometheus::BuildGauge()
        .Name("till_build_info")
        .Help("The running Till's version")
        .Register(r)
        .Add({{"version", options.version}})
        .Set(1);
  }

  void Record(const Request& request, unsigned status) {
    double seconds = std::chrono::duration<double>(Steady::now() - request.started).count();
    bool asset = assets.contains(request.path) || request.path == "/";
    std::string endpoint = EndpointLabel(request.path, asset);
    // The series of each endpoint and status, looked up once: a family's Add() builds a new
    // histogram each call, a cost every request would pay.
    std::pair<prometheus::Counter*, prometheus::Histogram*> series;
    {
      std::lock_guard lock(series_mutex);
      auto [it, added] = request_series.try_emplace({endpoint, status});
      if (added) {
        static const prometheus::Histogram::BucketBoundaries kBuckets = {
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
        it->second = {&requests->Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}),
                      &durations->Add({{"endpoint", endpoint}}, kBuckets)};
      }
      series = it->second;
    }
    series.first->Increment();
    series.second->Observe(seconds);
    if (LogEnabled(LogLevel::kDebug)) {
      Log(LogLevel::kDebug, "request",
          {{"method", request.method},
           {"path", request.path},
           {"status", static_cast<int>(status)},
           {"seconds", seconds},
           {"client", request.remote_address}});
    }
  }

  void SetUpAssets() {
    for (const auto& asset : Assets()) {
      assets.emplace(asset.path, &asset);
      Sha256 digest;
      digest.Update(asset.data);
      etags.emplace(asset.path, fmt::format("\"{}\"", digest.HexDigest().substr(0, 32)));
      bool text = asset.content_type.starts_with("text/") ||
                  asset.content_type.starts_with("image/svg") ||
                  asset.content_type.starts_with("application/json");
      gzipped.emplace(asset.path, text && asset.data.size() >= 1024 ? Gzip(asset.data, 9) : "");
    }
  }

  // The answer to `request` when it can be given at once (on an I/O thread); nullopt when it
  // is an API answer to compute (on a worker, with Compute()).
  std::optional<Reply> Route(const Request& request) {
    if (request.method != "GET" && request.method != "HEAD") {
      Reply reply = ErrorReply(405, "only GET and HEAD are answered");
      reply.headers.emplace_back("Allow", "GET, HEAD");
      return reply;
    }
    const std::string& path = request.path;
    bool guarded = path.starts_with("/api/") || path == "/metrics";
    if (guarded && !options.token.empty() &&
        (options.loopback_needs_token || !IsLoopback(request.remote_address))) {
      const std::string& given = request.authorization;
      if (!given.starts_with("Bearer ") ||
          !SameSecret(std::string_view(given).substr(7), options.token)) {
        Reply reply = ErrorReply(401, "a valid bearer token is required");
        reply.headers.emplace_back("WWW-Authenticate", "Bearer");
        return reply;
      }
    }
    if (path == kEventsPath) {
      Reply reply;
      reply.headers.emplace_back("Cache-Control", "no-store");
      if (request.head) {
        reply.content_type = "text/event-stream; charset=utf-8";
        return reply;
      }
      if (event_places.fetch_add(1) >= options.max_event_streams) {
        event_places.fetch_sub(1);
        reply = ErrorReply(503, "too many event streams are open: poll /api/v1/meta instead");
        reply.headers.emplace_back("Retry-After", "30");
        return reply;
      }
      reply.event_stream = true;
      return reply;
    }
    constexpr std::string_view kApi = "/api/v1/";
    if (path.starts_with(kApi) && path.size() > kApi.size()) {
      auto cached = Cached(path.substr(kApi.size()), request.params);
      if (!cached) return std::nullopt;
      return AnswerReply(request, std::move(cached));
    }
    if (path == "/metrics") {
      {
        std::lock_guard lock(events_mutex);
        event_streams_open->Set(static_cast<double>(event_streams.size()));
      }
      auto text = std::make_shared<const std::string>(
          prometheus::TextSerializer().Serialize(registry->Collect()));
      Reply reply;
      reply.headers.emplace_back("Cache-Control", "no-store");
      reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
      reply.body = *text;
      reply.keep = std::move(text);
      return reply;
    }
    if (path == "/healthz") {
      std::lock_guard lock(snapshot_mutex);
      Reply reply = refresh_error.empty() ? Reply{} : ErrorReply(503, refresh_error);
      if (refresh_error.empty()) {
        reply.content_type = "text/plain; charset=utf-8";
        reply.body = "ok\n";
      }
      reply.headers.emplace_back("Cache-Control", "no-store");
      return reply;
    }
    // The dashboard's files: only the paths built in are answered, so no request reaches the
    // file system, whatever its dots and encodings.
    std::string_view file = path;
    if (file == "/") file = "/index.html";
    auto it = assets.find(file);
    if (it == assets.end()) return ErrorReply(404, "not found");
    const std::string& etag = etags.at(it->first);
    Reply reply;
    reply.headers.emplace_back("ETag", etag);
    reply.headers.emplace_back("Cache-Control", "no-cache");
    if (request.if_none_match == etag) {
      reply.status = 304;
      return reply;
    }
    SetBody(request, reply, it->second->data, gzipped.at(it->first), it->second->content_type,
            nullptr);
    return reply;
  }

  void Accept();
  void Open(tcp::socket socket);
};

// One client connection: requests read one after the other (pipelined ones included), each
// answered before the next is read. Runs on its strand; kept alive by the operation in
// flight (or the worker computing its answer).
class DashboardServer::State::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(State& state, tcp::socket socket) : state_(state), stream_(std::move(socket)) {
    beast::error_code error;
    auto remote = stream_.socket().remote_endpoint(error);
    if (!error) remote_address_ = remote.address().to_string();
    std::lock_guard lock(state_.sessions_mutex);
    state_.sessions.insert(this);
  }

  ~Session() {
    if (events_) LeaveEvents();
    std::lock_guard lock(state_.sessions_mutex);
    state_.sessions.erase(this);
  }

  // Tells an event stream's client of the snapshot published now. On the session's strand.
  void Tell() {
    if (!events_ || ended_) return;
    tell_ = true;
    SendEvents();
  }

  void Start() { ReadRequest(); }

  auto executor() { return stream_.get_executor(); }

  // Closes the socket; any operation in flight ends with an error. Only once the I/O threads
  // have ended.
  void Close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kHeadBytes));
    parser_->body_limit(kBodyBytes);
    stream_.expires_after(kRequestTime);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    if (error == http::error::header_limit) {
      // The parser has taken the request line when it was whole within the limit: a request
      // line it has not taken, or a long one, is a long URL; otherwise the headers are too big.
      size_t target = parser_->get().target().size();
      bool long_url = target == 0 || target > kTargetBytes;
      return Refuse(long_url ? 414 : 431,
                    long_url ? "the URL is too long" : "the request's headers are too large");
    }
    if (error == http::error::body_limit) return Refuse(413, "the request's body is too large");
    if (error && error.category() == http::make_error_code(http::error::end_of_stream).category() &&
        error != http::error::end_of_stream && error != http::error::partial_message &&
        error != http::error::buffer_overflow) {
      return Refuse(400, "malformed request");
    }
    if (error) return Close();  // closed, timed out, reset
    stream_.expires_never();
    const auto& message = parser_->get();
    Request& request = request_;
    request = {};
    request.started = Steady::now();
    auto method = message.method_string();
    request.method = std::string(method.data(), method.size());
    request.head = message.method() == http::verb::head;
    request.remote_address = remote_address_;
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    std::string_view target(message.target().data(), message.target().size());
    if (target.size() > kTargetBytes) return Refuse(414, "the URL is too long");
    auto header = [&](http::field field) {
      auto it = message.find(field);
      return it == message.end() ? std::string()
                                 : std::string(it->value().data(), it->value().size());
    };
    request.accept_encoding = header(http::field::accept_encoding);
    request.authorization = header(http::field::authorization);
    request.if_none_match = header(http::field::if_none_match);
    // The path and the parameters are decoded by cpp-httplib's own functions, as they were when
    // it served these requests: the same URL finds the same answer.
    size_t question = target.find('?');
    request.path = httplib::detail::decode_url(std::string(target.substr(0, question)), false);
    if (question != std::string_view::npos) {
      httplib::detail::parse_query_text(std::string(target.substr(question + 1)), request.params);
    }
    std::optional<Reply> reply;
    try {
      reply = state_.Route(request);
    } catch (const std::exception& e) {
      reply = Failed(e.what());
    }
    if (reply && reply->event_stream) return StartEvents();
    if (reply) return Write(std::move(*reply));
    // An answer to compute: on a worker, then back here to be sent.
    asio::post(*state_.workers, [self = shared_from_this()] {
      State& state = self->state_;
      const Request& asked = self->request_;
      Reply computed;
      try {
        computed = state.AnswerReply(
            asked,
            state.Compute(asked.path.substr(std::string_view("/api/v1/").size()), asked.params));
      } catch (const std::exception& e) {
        computed = self->Failed(e.what());
      }
      asio::post(self->stream_.get_executor(),
                 [self, reply = std::move(computed)]() mutable { self->Write(std::move(reply)); });
    });
  }

  Reply Failed(const std::string& what) {
    Log(LogLevel::kError, "request failed", {{"path", request_.path}, {"error", what}});
    return ErrorReply(500, "internal error");
  }

  // Answers a request that cannot be read, then closes.
  void Refuse(unsigned status, std::string_view message) {
    request_ = {};
    request_.started = Steady::now();
    version_ = 11;
    keep_alive_ = false;
    refused_ = true;
    Reply reply = ErrorReply(status, message);
    reply.close = true;
    Write(std::move(reply));
  }

  void Write(Reply reply) {
    if (reply.keep && !request_.head && reply.body.size() >= kCountedAnswerBytes) {
      if (state_.held_answers.Hold(reply.keep.get(), reply.body.size(),
                                   state_.options.held_answer_bytes)) {
        held_ = reply.keep.get();
      } else {
        reply = ErrorReply(503,
                           "the server holds as many answers as it may for clients that "
                           "have not taken them yet; try again shortly");
        reply.headers.emplace_back("Retry-After", "1");
      }
    }
    response_ = {};
    response_.version(version_);
    response_.result(reply.status);
    for (const auto& [name, value] : SecurityHeaders()) {
      response_.set(beast::string_view(name.data(), name.size()),
                    beast::string_view(value.data(), value.size()));
    }
    for (const auto& [name, value] : reply.headers) {
      response_.set(beast::string_view(name.data(), name.size()), value);
    }
    if (!reply.content_type.empty()) response_.set(http::field::content_type, reply.content_type);
    if (reply.status != 304 && reply.status != 204) response_.content_length(reply.body.size());
    if (!request_.head) response_.body() = {reply.body.data(), reply.body.size()};
    response_.keep_alive(keep_alive_ && !reply.close);
    keep_ = std::move(reply.keep);
    status_ = reply.status;
    stream_.expires_after(kWriteTime);
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnWrite(error); });
  }

  void OnWrite(beast::error_code error) {
    if (held_) state_.held_answers.Release(std::exchange(held_, nullptr));  // before keep_ goes
    keep_.reset();
    if (!refused_) state_.Record(request_, status_);
    if (error) return Close();
    if (!response_.keep_alive()) return refused_ ? Linger() : Shutdown();
    ReadRequest();
  }

  // Reads and drops what the client still sends after a refusal (for a while), so that it reads
  // the refusal rather than a reset, then closes.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code error, size_t read) {
                              self->drained_ += read;
                              if (error || self->drained_ > kLingerBytes) return self->Close();
                              self->Drain();
                            });
  }

  void Shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    Close();
  }

  // The connection becomes an event stream: the response's head, then an event with the current
  // snapshot's version, then one at each snapshot published, comments between them. Read and
  // written on the socket itself (the stream's deadlines are for requests): the client sends
  // nothing more, so a read that ends means it has gone.
  void StartEvents() {
    events_ = true;
    state_.Record(request_, 200);
    {
      std::lock_guard lock(state_.events_mutex);
      state_.event_streams.emplace(this, weak_from_this());
    }
    stream_.expires_never();
    std::string head = fmt::format("HTTP/1.{} 200 OK\r\n", version_ == 10 ? 0 : 1);
    for (const auto& [name, value] : SecurityHeaders())
      head += fmt::format("{}: {}\r\n", name, value);
    head +=
        "Content-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
    head += fmt::format("retry: {}\n\n", kEventRetryMs);
    pending_ = std::move(head);
    tell_ = true;
    ends_at_ = Steady::now() + kEventStreamTime;
    events_timer_.emplace(stream_.get_executor());
    write_deadline_.emplace(stream_.get_executor());
    stream_.socket().async_read_some(
        asio::buffer(drain_),
        [self = shared_from_this()](beast::error_code, size_t) { self->EndEvents(); });
    Heartbeat();
    SendEvents();
  }

  // The event of the current snapshot: what the dashboard compares with meta's.
  std::string EventText() const {
    auto current = state_.Current();
    nlohmann::json data = {{"data_version", current->data_version},
                           {"refreshed_at", current->refreshed_at},
                           {"sales", current->cube->rows()}};
    return fmt::format("event: change\ndata: {}\n\n", data.dump());
  }

  // Sends what waits, one write at a time; a change told meanwhile is sent after it, once.
  void SendEvents() {
    if (ended_ || writing_) return;
    if (tell_) {
      pending_ += EventText();
      tell_ = false;
    }
    if (pending_.empty()) return;
    writing_ = true;
    sending_ = std::move(pending_);
    pending_.clear();
    write_deadline_->expires_after(kEventWriteTime);
    write_deadline_->async_wait([self = shared_from_this()](beast::error_code error) {
      if (!error) self->EndEvents();  // the client took nothing for kEventWriteTime
    });
    asio::async_write(stream_.socket(), asio::buffer(sending_),
                      [self = shared_from_this()](beast::error_code error, size_t) {
                        self->writing_ = false;
                        self->write_deadline_->cancel();
                        if (error) return self->EndEvents();
                        self->SendEvents();
                      });
  }

  // A comment when the stream has been quiet, so that proxies keep it open; the stream's end.
  void Heartbeat() {
    events_timer_->expires_after(std::chrono::duration_cast<Steady::duration>(
        std::chrono::duration<double>(state_.options.event_heartbeat_seconds)));
    events_timer_->async_wait([self = shared_from_this()](beast::error_code error) {
      if (error || self->ended_) return;
      if (Steady::now() >= self->ends_at_) return self->EndEvents();
      if (!self->writing_ && self->pending_.empty()) self->pending_ = ":\n\n";
      self->SendEvents();
      self->Heartbeat();
    });
  }

  void EndEvents() {
    if (ended_) return;
    ended_ = true;
    if (events_timer_) events_timer_->cancel();
    if (write_deadline_) write_deadline_->cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    LeaveEvents();
  }

  // Gives back the stream's place, once. (Also from the destructor, which may run as `io` is
  // destroyed, after the metrics: nothing here touches them.)
  void LeaveEvents() {
    if (left_events_) return;
    left_events_ = true;
    state_.event_places.fetch_sub(1);
    std::lock_guard lock(state_.events_mutex);
    state_.event_streams.erase(this);
  }

  State& state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kHeadBytes + kBodyBytes + (64 << 10)};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_address_;
  Request request_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool refused_ = false;
  http::response<http::span_body<const char>> response_;
  std::shared_ptr<const void> keep_;  // holds response_'s body
  const void* held_ = nullptr;        // keep_ counted in HeldAnswers while it is sent
  unsigned status_ = 0;
  std::array<char, 4096> drain_{};
  size_t drained_ = 0;
  // An event stream's state (StartEvents).
  bool events_ = false;
  bool ended_ = false;
  bool left_events_ = false;
  bool writing_ = false;
  bool tell_ = false;  // the current snapshot's event is still to send
  std::string pending_, sending_;
  Steady::time_point ends_at_;
  std::optional<asio::steady_timer> events_timer_, write_deadline_;
};

void DashboardServer::State::TellEventStreams() {
  std::vector<std::shared_ptr<Session>> told;
  {
    std::lock_guard lock(events_mutex);
    for (const auto& [session, weak] : event_streams) {
      if (auto held = weak.lock()) told.push_back(std::move(held));
    }
  }
  for (auto& session : told) {
    auto executor = session->executor();
    asio::post(executor, [session = std::move(session)] { session->Tell(); });
  }
}

void DashboardServer::State::Open(tcp::socket socket) {
  size_t open = 0;
  {
    std::lock_guard lock(sessions_mutex);
    open = sessions.size();
  }
  if (open >= kMaxConnections) return;
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  socket.set_option(asio::socket_base::send_buffer_size(kSendBufferBytes), ignored);
  std::make_shared<Session>(*this, std::move(socket))->Start();
}

void DashboardServer::State::Accept() {
  acceptor->async_accept(
      asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !acceptor->is_open()) return;
        if (error == asio::error::no_descriptors || error.value() == ENFILE ||
            error == asio::error::no_buffer_space) {
          // Out of file descriptors: the connection waits in the backlog until some close.
          accept_pause->expires_after(std::chrono::milliseconds(50));
          accept_pause->async_wait([this](beast::error_code wait_error) {
            if (!wait_error) Accept();
          });
          return;
        }
        if (!error) Open(std::move(socket));
        // Every connection waiting now is taken: one a turn of the event loop would keep a new
        // client waiting behind a turn over all the busy connections for each client before it.
        for (int taken = 0; taken < 1024; ++taken) {
          tcp::socket next(asio::make_strand(io));
          beast::error_code more;
          acceptor->accept(next, more);  // non-blocking: fails once none is waiting
          if (more) break;
          Open(std::move(next));
        }
        Accept();
      });
}

DashboardServer::DashboardServer(ServeOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}

DashboardServer::~DashboardServer() {
  Stop();
  if (state_->refresher.joinable()) state_->refresher.join();
}

Status DashboardServer::Start() {
  State& s = *state_;
  auto warehouse = OpenWarehouse(s.options.warehouse, Access::kReadOnly);
  TILL_RETURN_IF_ERROR(warehouse);
  auto version = (*warehouse)->SchemaVersion();
  TILL_RETURN_IF_ERROR(version);
  if (*version == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{} holds no Till warehouse yet: load a file with `till ingest` "
                                 "or create it with `till init`",
                                 (*warehouse)->Describe()));
  }
  // glibc raises its threshold for serving a block by mmap up to 32 MiB each time such a block
  // is freed; past that, the large arrays a heavy question allocates come from the arenas and
  // stay resident when freed. A fixed threshold keeps them mapped and given back on free. Not
  // lower than kMmapThreshold: every block at or above it is mapped afresh, page by page,
  // which at 1 MiB took a third more CPU a heavy question (GiveBackSlack returns the rest).
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  // Each connection takes a file descriptor: allow as many as the system lets this process.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  std::string cube_file;
  if (s.options.keep_cube) {
    cube_file = s.options.cube_file.empty() ? DefaultCubeFile((*warehouse)->Describe())
                                            : s.options.cube_file;
  }
  s.reader = std::make_unique<SnapshotReader>(std::move(*warehouse), cube_file);
  s.SetUpMetrics();
  const auto reading = std::chrono::steady_clock::now();
  auto first = s.reader->Refresh(nullptr);
  TILL_RETURN_IF_ERROR(first);
  // A read of every sale frees its builder, several times the cube, into the arenas.
  State::GiveBackSlack();
  if (!s.reader->cube_file_problem().empty()) {
    Log(LogLevel::kWarn, "the cube file cannot be used; the sales were read from the warehouse",
        {{"error", s.reader->cube_file_problem()}});
  }
  Log(LogLevel::kInfo, "sales cube read",
      {{"from", CubeOriginName(s.reader->cube_origin())},
       {"sales", (*first)->cube->rows()},
       {"seconds",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - reading).count()},
       {"cube_file", cube_file}});
  s.Publish(std::move(*first));
  s.SetUpAssets();

  auto fail = [&](std::string_view what, const beast::error_code& error) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("cannot listen on {}:{}: {}: {}", s.options.address,
                                 s.options.port, what, error.message()));
  };
  beast::error_code error;
  tcp::resolver resolver(s.io);
  auto endpoints = resolver.resolve(s.options.address, std::to_string(s.options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, error);
  if (error || endpoints.empty()) return fail("address", error);
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  s.acceptor.emplace(s.io);
  s.acceptor->open(endpoint.protocol(), error);
  if (error) return fail("socket", error);
  // SO_REUSEADDR allows a quick restart; never SO_REUSEPORT, which would let a second server
  // take the same port and split the requests with this one.
  s.acceptor->set_option(asio::socket_base::reuse_address(true), error);
  s.acceptor->bind(endpoint, error);
  if (error) return fail("bind", error);
  s.acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) return fail("listen", error);
  s.acceptor->non_blocking(true, error);
  if (error) return fail("listen", error);
  s.port = s.acceptor->local_endpoint().port();
  s.accept_pause.emplace(s.io);

  const int threads = s.options.threads > 0
                          ? s.options.threads
                          : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  s.worker_threads = static_cast<size_t>(threads);
  s.workers = std::make_unique<asio::thread_pool>(s.worker_threads);
  // The default Customers question is segmented by the refreshing thread once the start has
  // been quiet for kSegmentQuiet, as after a refresh: segmenting millions of sales now would
  // take a core from the first requests, which a start is timed by.
  s.unsegmented = s.Current();
  s.segment_after = Steady::now() + State::kSegmentQuiet;
  s.Accept();
  // Connections are served on a strand each, by a thread a core (at most 4).
  const unsigned io_threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  for (unsigned i = 0; i < io_threads; ++i) s.io_threads.emplace_back([&s] { s.io.run(); });
  s.refresher = std::thread([&s] { s.RefreshLoop(); });
  return {};
}

int DashboardServer::port() const { return state_->port; }

std::shared_ptr<const Snapshot> DashboardServer::snapshot() const { return state_->Current(); }

void DashboardServer::Wait() {
  State& s = *state_;
  std::unique_lock lock(s.stop_mutex);
  s.stop_signal.wait(lock, [&] { return s.stopping; });
}

void DashboardServer::Stop() {
  State& s = *state_;
  {
    std::lock_guard lock(s.stop_mutex);
    s.stopping = true;
    if (s.stopped) return;
    s.stopped = true;
  }
  s.stop_signal.notify_all();
  s.io.stop();
  for (auto& thread : s.io_threads) thread.join();
  s.io_threads.clear();
  // The I/O threads have ended: what they owned can be touched here.
  if (s.acceptor) {
    beast::error_code ignored;
    s.acceptor->close(ignored);
  }
  {
    std::lock_guard lock(s.sessions_mutex);
    for (State::Session* session : s.sessions) session->Close();
  }
  if (s.workers) {
    s.workers->stop();
    s.workers->join();
  }
}

}  // namespace till
