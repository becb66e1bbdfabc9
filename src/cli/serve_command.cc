// `till serve`: the dashboard and its JSON API, read-only, until SIGINT or SIGTERM.
#include <fmt/format.h>
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/digest_poster.h"
#include "cli/output.h"
#include "serve/api.h"
#include "serve/server.h"

namespace till {
namespace {

struct ServeFlags {
  ServeOptions options;
  bool no_cache = false;
  bool no_cube_file = false;
  bool no_watch = false;
  bool token_on_loopback = false;
};

int RunServe(ServeOptions options, const Config& config) {
  // The signals are taken by sigwait below; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (options.token.empty()) {
    if (const char* token = std::getenv("TILL_SERVE_TOKEN")) options.token = token;
  }
  if (options.loopback_needs_token && options.token.empty()) {
    fmt::print(stderr,
               "till: --token-on-loopback (serve.token_on_loopback) needs a token: set --token "
               "or TILL_SERVE_TOKEN\n");
    return kExitUsage;
  }
  bool loopback =
      options.address == "127.0.0.1" || options.address == "localhost" || options.address == "::1";
  if (!loopback && options.token.empty()) {
    fmt::print(stderr,
               "till: warning: serving on {} without a token: anyone who reaches this address "
               "reads the dashboard (set --token or TILL_SERVE_TOKEN)\n",
               options.address);
  }
  auto started = std::chrono::steady_clock::now();
  DashboardServer server(options);
  if (auto status = server.Start(); !status) return Fail(status.error());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string host = options.address.find(':') != std::string::npos
                         ? fmt::format("[{}]", options.address)
                         : options.address;
  fmt::print("till serve: dashboard at http://{}:{}/ (warehouse read in {:.2f} s; Ctrl-C stops)\n",
             host, server.port(), seconds);
  std::fflush(stdout);
  std::optional<DigestPoster> digest;
  if (config.digest.every.count() > 0) {
    digest.emplace(config.digest, config.alerts.webhooks, [&server] { return server.snapshot(); });
  }
  int signal = 0;
  sigwait(&signals, &signal);
  digest.reset();
  server.Stop();
  return kExitOk;
}

}  // namespace

Command AddServeCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<ServeFlags>();
  ServeOptions& options = flags->options;
  auto* serve =
      app.add_subcommand("serve", "Serve the dashboard and its JSON API (read-only) until stopped");
  AddWarehouseOption(*serve, config);
  serve->add_option("--port,-p", options.port, "Port to listen on (0: any free one)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--address", options.address,
                    "Address to listen on (default 127.0.0.1; 0.0.0.0 for every one)");
  serve->add_option("--token", options.token,
                    "Bearer token required from clients beyond this machine (also "
                    "TILL_SERVE_TOKEN)");
  serve
      ->add_option("--refresh", options.refresh_seconds,
                   "Seconds between checks of the warehouse for new data (default 2; a "
                   "commit is noticed at once besides)")
      ->check(CLI::Range(0.1, 3600.0));
  serve->add_flag("--token-on-loopback", flags->token_on_loopback,
                  "Ask clients on this machine for the token too (behind a reverse proxy; also "
                  "[serve] token_on_loopback in till.toml)");
  serve
      ->add_option("--threads", options.threads,
                   "Threads computing answers not in the cache (default: one a core); any "
                   "number of connections are served")
      ->check(CLI::Range(1, 1024));
  serve
      ->add_option("--event-streams", options.max_event_streams,
                   "Clients of /api/v1/events (the dashboard's live updates) at once (default "
                   "256); more are answered 503 and poll")
      ->check(CLI::Range(0, 100000));
  serve->add_option("--cube-file", options.cube_file,
                    "File keeping the sales in memory between starts, so that a start reads only "
                    "what was loaded since (default: beside a SQLite warehouse, WAREHOUSE.cube; "
                    "for PostgreSQL under $XDG_CACHE_HOME/till or ~/.cache/till)");
  serve->add_flag("--no-cube-file", flags->no_cube_file,
                  "Read every sale from the warehouse at each start, and keep no cube file");
  serve->add_flag("--no-cache", flags->no_cache, "Compute every answer, even a repeated one");
  serve->add_flag("--no-watch", flags->no_watch,
                  "Notice new data at the --refresh checks only, not at each commit (for "
                  "measuring)");
  return {serve, [flags, &config] {
            ServeOptions given = flags->options;
            given.warehouse = config.warehouse;
            given.cache = !flags->no_cache;
            given.keep_cube = !flags->no_cube_file;
            given.watch_commits = !flags->no_watch;
            given.loopback_needs_token = flags->token_on_loopback || config.serve_token_on_loopback;
            given.version = TILL_VERSION;
            SetApiCurrency(config.currency);
            return RunServe(given, config);
          }};
}

}  // namespace till
