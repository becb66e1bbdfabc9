// `till stream`: sales posted over HTTP (docs/stream.md), loaded until SIGINT or SIGTERM.
#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/output.h"
#include "stream/server.h"

namespace till {
namespace {

struct StreamFlags {
  StreamOptions options;
  std::string listen = "127.0.0.1:8090";
};

int RunStream(StreamOptions options, const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    fmt::print(stderr, "till: --listen takes HOST:PORT, not {}\n", listen);
    return kExitUsage;
  }
  options.address = listen.substr(0, colon);
  if (options.address.starts_with('[') && options.address.ends_with(']')) {
    options.address = options.address.substr(1, options.address.size() - 2);
  }
  try {
    options.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    fmt::print(stderr, "till: --listen takes HOST:PORT, not {}\n", listen);
    return kExitUsage;
  }
  if (options.token.empty()) {
    if (const char* token = std::getenv("TILL_STREAM_TOKEN")) options.token = token;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  StreamServer server(options);
  if (auto status = server.Start(); !status) return Fail(status.error());
  std::string host = options.address.find(':') != std::string::npos
                         ? fmt::format("[{}]", options.address)
                         : options.address;
  fmt::print("till stream: POST rows to http://{}:{}/v1/transactions (Ctrl-C stops)\n", host,
             server.port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  server.Stop();
  return kExitOk;
}

}  // namespace

Command AddStreamCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<StreamFlags>();
  StreamOptions& options = flags->options;
  auto* stream = app.add_subcommand(
      "stream", "Load sales posted over HTTP (NDJSON or CSV), each row once, until stopped");
  AddWarehouseOption(*stream, config);
  stream->add_option("--listen", flags->listen,
                     "HOST:PORT to listen on (default 127.0.0.1:8090; port 0: any free one)");
  stream->add_option("--token", options.token,
                     "Bearer token required from clients beyond this machine, and to listen "
                     "beyond loopback (also TILL_STREAM_TOKEN)");
  stream
      ->add_option("--max-body", options.max_body_bytes,
                   "Largest request body in bytes (default 10 MiB); beyond, 413")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  stream
      ->add_option("--group-ms", options.writer.group_seconds,
                   "Milliseconds requests wait to be grouped into one commit (default 150)")
      ->transform([](std::string ms) { return std::to_string(std::stod(ms) / 1000); })
      ->check(CLI::Range(0.0, 10.0));
  stream
      ->add_option("--group-rows", options.writer.group_rows,
                   "Rows that close a group at once (default 50000)")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
  stream
      ->add_option("--queue-rows", options.writer.queue_rows,
                   "Rows waiting beyond which requests get 429 (default 500000)")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  stream
      ->add_option("--request-timeout", options.request_seconds,
                   "Seconds a request has to arrive whole (default 30)")
      ->check(CLI::Range(0.1, 3600.0));
  return {stream, [flags, &config] {
            StreamOptions given = flags->options;
            given.writer.warehouse = config.warehouse;
            given.version = TILL_VERSION;
            return RunStream(given, flags->listen);
          }};
}

}  // namespace till
