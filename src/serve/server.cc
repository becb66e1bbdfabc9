#include "serve/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/clock.h"
#include "base/log.h"
#include "base/sha256.h"
#include "serve/api.h"
#include "serve/assets.h"

namespace till {
namespace {

using Steady = std::chrono::steady_clock;

// Sent with every response. Scripts and styles come from Till only; ECharts sets inline styles
// on its tooltips, which 'unsafe-inline' for styles (never for scripts) allows.
const httplib::Headers& SecurityHeaders() {
  static const httplib::Headers headers = {
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

thread_local Steady::time_point request_started;

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

// Whether the client takes gzip: "gzip" (or "*") among Accept-Encoding's codings, not at q=0.
bool AcceptsGzip(const httplib::Request& request) {
  const std::string value = request.get_header_value("Accept-Encoding");
  std::string_view header = value;
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

// Sends `body`, or `gzip` (its gzip form, when there is one) to a client that takes gzip. Bodies
// go out through a content provider because httplib compresses whatever it is given as content
// itself, on every request, with brotli at its slowest setting when the client offers it: a
// second and more for ECharts' megabyte. `keep` holds the bytes alive until they are sent.
void Send(const httplib::Request& request, httplib::Response& response, std::string_view body,
          std::string_view gzip, std::string_view content_type, std::shared_ptr<const void> keep) {
  response.set_header("Vary", "Accept-Encoding");
  std::string_view chosen = body;
  if (!gzip.empty() && AcceptsGzip(request)) {
    response.set_header("Content-Encoding", "gzip");
    chosen = gzip;
  }
  if (chosen.empty()) {
    response.set_content("", std::string(content_type));
    return;
  }
  response.set_content_provider(
      chosen.size(), std::string(content_type),
      [chosen, keep = std::move(keep)](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(chosen.data() + offset, length);
      });
}

}  // namespace

struct DashboardServer::State {
  ServeOptions options;
  httplib::Server http;
  int port = 0;
  int listen_socket = -1;

  std::unique_ptr<SnapshotReader> reader;
  mutable std::mutex snapshot_mutex;
  std::shared_ptr<const Snapshot> snapshot;
  std::string refresh_error;  // the last refresh's failure, empty when it worked

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

  std::unordered_map<std::string_view, const Asset*> assets;
  std::unordered_map<std::string_view, std::string> etags;
  std::unordered_map<std::string_view, std::string> gzipped;  // compressed once, at start

  std::thread refresher;
  std::thread listener;
  std::mutex stop_mutex;
  std::condition_variable stop_signal;
  bool stopping = false;

  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* durations = nullptr;
  prometheus::Family<prometheus::Gauge>* warehouse_rows = nullptr;
  prometheus::Family<prometheus::Gauge>* warehouse_files = nullptr;
  prometheus::Gauge* sales = nullptr;
  prometheus::Gauge* data_version = nullptr;
  prometheus::Gauge* last_success = nullptr;
  prometheus::Gauge* last_refresh = nullptr;
  prometheus::Counter* refresh_failures = nullptr;

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
    std::lock_guard lock(snapshot_mutex);
    snapshot = std::move(next);
  }

  // Reads the warehouse again when it changed; keeps the last good snapshot when it fails.
  void RefreshLoop() {
    std::unique_lock lock(stop_mutex);
    auto period = std::chrono::duration<double>(options.refresh_seconds);
    while (!stop_signal.wait_for(lock, period, [&] { return stopping; })) {
      lock.unlock();
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
          Publish(std::move(*next));
        }
      }
      lock.lock();
    }
  }

  // The answer to /api/v1/<endpoint>, from the cache when this snapshot already gave it.
  std::shared_ptr<const Answered> Answer(const std::string& endpoint,
                                         const httplib::Params& params) {
    auto current = Current();
    // Freshness counts seconds: never cached.
    bool cacheable = options.cache && endpoint != "pipeline/freshness";
    std::string key = endpoint;
    for (const auto& [name, value] : params) key += fmt::format("\n{}={}", name, value);
    if (cacheable) {
      std::lock_guard lock(cache_mutex);
      if (cache_of == current) {
        auto it = cache.find(key);
        if (it != cache.end()) return it->second;
      }
    }
    Answered answered{
        AnswerApi(*current, endpoint, params, std::chrono::system_clock::now(), options.version),
        {}};
    if (answered.response.body.size() >= 1024) answered.gzip = Gzip(answered.response.body, 1);
    auto response = std::make_shared<const Answered>(std::move(answered));
    if (cacheable && response->response.status == 200) {
      std::lock_guard lock(cache_mutex);
      if (cache_of != current || cache_bytes > kCacheBytes) {
        cache.clear();
        cache_bytes = 0;
        cache_of = current;
      }
      cache_bytes += key.size() + response->response.body.size() + response->gzip.size();
      cache.emplace(std::move(key), response);
    }
    return response;
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
    data_version = &prometheus::BuildGauge()
                        .Name("till_serve_data_version")
                        .Help("Grows each time the warehouse changed and was read again")
                        .Register(r)
                        .Add({});
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

  void Record(const httplib::Request& request, const httplib::Response& response) {
    double seconds = std::chrono::duration<double>(Steady::now() - request_started).count();
    bool asset = assets.contains(request.path) || request.path == "/";
    std::string endpoint = EndpointLabel(request.path, asset);
    requests->Add({{"endpoint", endpoint}, {"code", std::to_string(response.status)}}).Increment();
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    durations->Add({{"endpoint", endpoint}}, kBuckets).Observe(seconds);
    if (LogEnabled(LogLevel::kDebug)) {
      Log(LogLevel::kDebug, "request",
          {{"method", request.method},
           {"path", request.path},
           {"status", response.status},
           {"seconds", seconds},
           {"client", request.remote_addr}});
    }
  }

  void SetUpRoutes() {
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
    http.set_default_headers(SecurityHeaders());
    http.set_pre_routing_handler([this](const httplib::Request& request,
                                        httplib::Response& response) {
      request_started = Steady::now();
      if (request.method != "GET" && request.method != "HEAD") {
        response.status = 405;
        response.set_header("Allow", "GET, HEAD");
        response.set_content(ErrorBody(405, "only GET and HEAD are answered"), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
      bool guarded = request.path.starts_with("/api/") || request.path == "/metrics";
      if (guarded && !options.token.empty() &&
          (options.loopback_needs_token || !IsLoopback(request.remote_addr))) {
        std::string given = request.get_header_value("Authorization");
        if (!given.starts_with("Bearer ") || !SameSecret(given.substr(7), options.token)) {
          response.status = 401;
          response.set_header("WWW-Authenticate", "Bearer");
          response.set_content(ErrorBody(401, "a valid bearer token is required"),
                               "application/json");
          return httplib::Server::HandlerResponse::Handled;
        }
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&,
           httplib::Response& response) -> httplib::Server::HandlerResponse {
          // A handler's own answer (a body, or one sent through a content provider) stays.
          if (!response.body.empty() || response.has_header("Content-Type")) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          std::string message =
              response.status == 404 ? "not found" : fmt::format("HTTP {}", response.status);
          response.set_content(ErrorBody(response.status, message), "application/json");
          return httplib::Server::HandlerResponse::Handled;
        }));
    http.set_exception_handler(
        [](const httplib::Request& request, httplib::Response& response, std::exception_ptr e) {
          std::string what = "unknown";
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& error) {
            what = error.what();
          } catch (...) {
          }
          Log(LogLevel::kError, "request failed", {{"path", request.path}, {"error", what}});
          response.status = 500;
          response.set_content(ErrorBody(500, "internal error"), "application/json");
        });
    http.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
      Record(request, response);
    });

    http.Get(R"(/api/v1/(.+))",
             [this](const httplib::Request& request, httplib::Response& response) {
               auto answered = Answer(request.matches[1], request.params);
               const ApiResponse& answer = answered->response;
               response.status = answer.status;
               response.set_header("Cache-Control", "no-store");
               if (!answer.filename.empty()) {
                 response.set_header("Content-Disposition",
                                     fmt::format("attachment; filename=\"{}\"", answer.filename));
               }
               Send(request, response, answer.body, answered->gzip, answer.content_type, answered);
             });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      response.set_header("Cache-Control", "no-store");
      response.set_content(prometheus::TextSerializer().Serialize(registry->Collect()),
                           "text/plain; version=0.0.4; charset=utf-8");
    });
    http.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
      std::lock_guard lock(snapshot_mutex);
      response.set_header("Cache-Control", "no-store");
      if (refresh_error.empty()) {
        response.set_content("ok\n", "text/plain; charset=utf-8");
      } else {
        response.status = 503;
        response.set_content(ErrorBody(503, refresh_error), "application/json");
      }
    });
    // The dashboard's files: only the paths built in are answered, so no request reaches the
    // file system, whatever its dots and encodings.
    http.Get(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::string_view path = request.path;
      if (path == "/") path = "/index.html";
      auto it = assets.find(path);
      if (it == assets.end()) {
        response.status = 404;
        response.set_content(ErrorBody(404, "not found"), "application/json");
        return;
      }
      const std::string& etag = etags.at(it->first);
      response.set_header("ETag", etag);
      response.set_header("Cache-Control", "no-cache");
      if (request.get_header_value("If-None-Match") == etag) {
        response.status = 304;
        return;
      }
      Send(request, response, it->second->data, gzipped.at(it->first), it->second->content_type,
           nullptr);
    });
  }
};

DashboardServer::DashboardServer(ServeOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}

DashboardServer::~DashboardServer() {
  Stop();
  if (state_->listener.joinable()) state_->listener.join();
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
  s.reader = std::make_unique<SnapshotReader>(std::move(*warehouse));
  s.SetUpMetrics();
  auto first = s.reader->Refresh(nullptr);
  TILL_RETURN_IF_ERROR(first);
  s.Publish(std::move(*first));

  s.SetUpRoutes();
  const int threads = std::max(1, s.options.threads);
  s.http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  s.http.set_read_timeout(5, 0);
  s.http.set_write_timeout(5, 0);
  s.http.set_keep_alive_timeout(5);
  s.http.set_keep_alive_max_count(10000);
  s.http.set_payload_max_length(16 << 10);
  s.http.set_tcp_nodelay(true);
  // httplib's own options add SO_REUSEPORT, which would let a second server take the same port
  // and split the requests with this one; SO_REUSEADDR alone only allows a quick restart.
  s.http.set_socket_options([&s](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    s.listen_socket = socket;
  });
  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(s.options.address);
  } else {
    s.port = s.http.bind_to_port(s.options.address, s.options.port) ? s.options.port : -1;
  }
  if (s.port <= 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("cannot listen on {}:{}: {}", s.options.address, s.options.port,
                                 std::strerror(errno)));
  }
  // httplib listens with a backlog of 5: more clients connecting at once than that would wait
  // for a SYN retransmission. Listening again on the socket only raises the backlog.
  if (s.listen_socket >= 0) ::listen(s.listen_socket, SOMAXCONN);
  s.listener = std::thread([&s] { s.http.listen_after_bind(); });
  // Until the listener runs, httplib's stop() would do nothing: a Stop() right after Start()
  // would be lost.
  for (int waited = 0; !s.http.is_running() && waited < 10'000; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!s.http.is_running()) {
    s.http.stop();
    s.listener.join();
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("cannot listen on {}:{}", s.options.address, s.port));
  }
  s.refresher = std::thread([&s] { s.RefreshLoop(); });
  // listen_after_bind accepts connections queued since the bind, so none is lost meanwhile.
  return {};
}

int DashboardServer::port() const { return state_->port; }

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
  }
  s.stop_signal.notify_all();
  s.http.stop();
}

}  // namespace till
