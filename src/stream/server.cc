#include "stream/server.h"

#include <fmt/format.h>
#include <malloc.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/sha256.h"

namespace till {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;

constexpr size_t kHeadBytes = 16 << 10;
// What one read asks of the socket. Beast reads at most what the buffer holds free (512 bytes at
// least), and a buffer emptied by the parser after each read stays small: a 350 KB body then
// came in a few hundred reads, each through the event loop, which cost more than its parse.
constexpr size_t kReadBytes = 64 << 10;
constexpr auto kWriteTime = std::chrono::seconds(30);

bool IsLoopbackAddress(const std::string& address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.") ||
         address == "localhost";
}

// Compares without leaking, through timing, how much of a guess was right.
std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }
beast::string_view View(std::string_view text) { return {text.data(), text.size()}; }

bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  }
  return difference == 0;
}

std::string ErrorBody(std::string_view message) {
  return nlohmann::json{{"error", message}}.dump();
}

}  // namespace

struct StreamServer::State {
  StreamOptions options;
  StreamMetrics metrics;
  StreamWriter writer;
  asio::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::thread_pool> readers;  // bodies are parsed here, off the event loop
  std::vector<std::thread> threads;
  int port = 0;

  explicit State(StreamOptions o)
      : options(std::move(o)), metrics(options.version), writer(options.writer, metrics) {}

  class Session;
  void Accept();
};

// One connection: requests one after the other, each answered before the next is read.
class StreamServer::State::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(State& state, tcp::socket socket) : state_(state), stream_(std::move(socket)) {
    beast::error_code error;
    auto remote = stream_.socket().remote_endpoint(error);
    if (!error) peer_ = remote.address().to_string();
    buffer_.reserve(kReadBytes);
  }

  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kHeadBytes));
    parser_->body_limit(state_.options.max_body_bytes);
    stream_.expires_after(std::chrono::duration_cast<Steady::duration>(
        std::chrono::duration<double>(state_.options.request_seconds)));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

 private:
  void OnRead(beast::error_code error) {
    if (error == http::error::body_limit) {
      return Answer(
          413,
          ErrorBody(fmt::format("the body is larger than {} bytes", state_.options.max_body_bytes)),
          true);
    }
    if (error == http::error::header_limit) {
      return Answer(431, ErrorBody("the request's headers are too large"), true);
    }
    if (error && error.category() == http::make_error_code(http::error::end_of_stream).category() &&
        error != http::error::end_of_stream && error != http::error::partial_message) {
      return Answer(400, ErrorBody("malformed request"), true);
    }
    if (error) return Close();  // closed, timed out, reset
    stream_.expires_never();
    received_ = Steady::now();
    auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    std::string target(View(message.target()));
    std::string path = target.substr(0, target.find('?'));
    std::string query =
        target.find('?') == std::string::npos ? "" : target.substr(target.find('?'));
    if (path == "/healthz") return Answer(200, R"({"status":"ok"})");
    if (path == "/metrics" && message.method() == http::verb::get) {
      return Answer(200, state_.metrics.Text(), false, "text/plain; version=0.0.4");
    }
    if (path != "/v1/transactions") return Answer(404, ErrorBody("no such endpoint"));
    if (message.method() != http::verb::post) {
      return Answer(405, ErrorBody("POST rows to /v1/transactions"));
    }
    if (!state_.options.token.empty() && !IsLoopbackAddress(peer_)) {
      std::string_view authorization = View(message[http::field::authorization]);
      if (!authorization.starts_with("Bearer ") ||
          !SameSecret(authorization.substr(7), state_.options.token)) {
        return Answer(401, ErrorBody("a bearer token is required from this address"));
      }
    }
    std::optional<BodyFormat> format = BodyFormatOf(View(message[http::field::content_type]));
    if (!format) {
      return Answer(415, ErrorBody("send application/x-ndjson, application/json or text/csv"));
    }
    bool wait = query.find("wait=false") == std::string::npos;
    std::string key(View(message["Idempotency-Key"]));
    if (key.size() > 255) return Answer(400, ErrorBody("the Idempotency-Key is too long"));
    // Parsed on a reader thread: a large body takes a while, and the event loop serves others.
    asio::post(*state_.readers, [self = shared_from_this(), body = std::move(message.body()),
                                 given = *format, wait, key = std::move(key)]() mutable {
      self->Submit(std::move(body), given, wait, std::move(key));
    });
  }

  void Submit(std::string body, BodyFormat format, bool wait, std::string key) {
    Submission submission;
    submission.peer = peer_;
    submission.idempotency_key = std::move(key);
    // The body's hash tells a retry from a misuse of its key: without a key it is not needed
    // (a group's etl_file is new by its process and number), and hashing took about 5% of the
    // process's CPU time under load.
    if (!submission.idempotency_key.empty()) {
      Sha256 hash;
      hash.Update(body);
      submission.body_sha256 = hash.HexDigest();
    }
    BodyError error;
    submission.body = ReadRequestBody(std::move(body), format, &error);
    if (!submission.body) {
      nlohmann::json reply = {{"error", error.message}, {"reason", error.reason}};
      if (error.line) reply["line"] = error.line;
      if (!error.column.empty()) reply["column"] = error.column;
      return Post(400, reply.dump());
    }
    int64_t rows = submission.body->rows();
    if (wait) {
      submission.answer = [self = shared_from_this()](WriterAnswer answer) {
        self->Post(answer.status, std::move(answer.body));
      };
    }
    switch (state_.writer.Submit(submission)) {
      case StreamWriter::Admission::kQueued:
        if (!wait) Post(202, nlohmann::json{{"queued", rows}}.dump());
        return;
      case StreamWriter::Admission::kQueueFull:
        return Post(429, ErrorBody("the queue is full; send it again later"), "1");
      case StreamWriter::Admission::kWarehouseDown:
        return Post(503, ErrorBody("the warehouse is unreachable; send it again later"), "5");
    }
  }

  // Answers from another thread.
  void Post(unsigned status, std::string body, std::string retry_after = "") {
    asio::post(stream_.get_executor(), [self = shared_from_this(), status, body = std::move(body),
                                        retry_after = std::move(retry_after)]() mutable {
      self->Answer(status, std::move(body), false, "application/json", retry_after);
    });
  }

  void Answer(unsigned status, std::string body, bool close = false,
              std::string_view type = "application/json", std::string_view retry_after = "") {
    state_.metrics.OnRequest(status);
    response_ = {};
    response_.version(version_);
    response_.result(status);
    response_.set(http::field::content_type, View(type));
    if (!retry_after.empty()) response_.set(http::field::retry_after, View(retry_after));
    response_.body() = std::move(body);
    response_.keep_alive(keep_alive_ && !close);
    response_.prepare_payload();
    stream_.expires_after(kWriteTime);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), close](beast::error_code error, size_t) {
                        if (error || close || !self->response_.keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return self->Close();
                        }
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  State& state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::string peer_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  Steady::time_point received_;
};

void StreamServer::State::Accept() {
  acceptor->async_accept(asio::make_strand(io),
                         [this](beast::error_code error, tcp::socket socket) {
                           if (error == asio::error::operation_aborted || !acceptor->is_open())
                             return;
                           if (!error) {
                             beast::error_code ignored;
                             socket.set_option(tcp::no_delay(true), ignored);
                             std::make_shared<Session>(*this, std::move(socket))->Read();
                           }
                           Accept();
                         });
}

StreamServer::StreamServer(StreamOptions options)
    : state_(std::make_unique<State>(std::move(options))) {}

StreamServer::~StreamServer() { Stop(); }

Status StreamServer::Start() {
  State& s = *state_;
  if (!IsLoopbackAddress(s.options.address) && s.options.token.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("listening on {} needs a token (--token or TILL_STREAM_TOKEN): "
                                 "anyone who reaches it could load rows",
                                 s.options.address));
  }
  TILL_RETURN_IF_ERROR(s.writer.Start());
  // Request bodies are large (hundreds of KB), allocated on a reader thread and freed on the
  // writer's: by default glibc maps each anew past 128 KiB, or returns the freed top of an
  // arena at once, and every request then paid its pages' faults and zeroing again. The
  // queue's bound (--queue-rows) bounds what is kept.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  try {
    auto address =
        asio::ip::make_address(s.options.address == "localhost" ? "127.0.0.1" : s.options.address);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(s.options.port));
    s.acceptor.emplace(s.io);
    s.acceptor->open(endpoint.protocol());
    s.acceptor->set_option(asio::socket_base::reuse_address(true));
    s.acceptor->bind(endpoint);
    s.acceptor->listen(asio::socket_base::max_listen_connections);
    s.port = s.acceptor->local_endpoint().port();
  } catch (const std::exception& e) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("cannot listen on {}:{}: {}", s.options.address, s.options.port, e.what()));
  }
  s.readers.emplace(2);
  s.Accept();
  for (int i = 0; i < 2; ++i) s.threads.emplace_back([&s] { s.io.run(); });
  return {};
}

int StreamServer::port() const { return state_->port; }

void StreamServer::Wait() {
  for (auto& thread : state_->threads) {
    if (thread.joinable()) thread.join();
  }
}

void StreamServer::Stop() {
  State& s = *state_;
  if (s.acceptor) {
    asio::post(s.io, [&s] {
      beast::error_code ignored;
      s.acceptor->close(ignored);
    });
  }
  if (s.readers) s.readers->join();
  s.writer.Stop();  // answers what is queued
  s.io.stop();
  Wait();
}

}  // namespace till
