// `till doctor`: is this machine ready to run Till? One line per check (settings, warehouse,
// schema, whether it is a replica, privileges, each landing zone, each zone's event queue, each
// alert webhook, each port to serve on), each failed one with what to do; exit 0 only when every
// check passes. Nothing is written anywhere: the warehouse is opened read-only, zones are only
// listed, queues are only asked for their attributes (no message is received, so none is hidden
// from the watcher or counted as received), webhooks get a probe that raises no alert
// (monitor/alerts.h), ports are bound and let go.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "cli/output.h"
#include "landing/landing_zone.h"
#include "landing/zone_events.h"
#include "monitor/alerts.h"
#include "warehouse/reads.h"

namespace till {
namespace {

struct DoctorFlags {
  std::vector<std::string> zones;
  std::vector<std::string> queues;  // --events: the SQS queues of the zones' event notifications
  std::vector<std::string> ports;
  bool read_only = false;
  bool json = false;
};

struct Check {
  // config, warehouse, schema, replica, privileges, zone, events, webhook or port
  std::string check;
  std::string target;  // what was checked: a file, a zone, a URL's host, an address
  bool ok = false;
  std::string detail;
  std::string remedy;  // what to do, for a failed check
};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// What to do when the warehouse cannot be opened, from libpq's or SQLite's message.
std::string WarehouseRemedy(std::string_view message, bool postgres) {
  if (!postgres) {
    return "create it with `till init`, or point --warehouse, TILL_WAREHOUSE or till.toml's "
           "warehouse at the right file";
  }
  if (Contains(message, "password authentication failed") || Contains(message, "no password")) {
    return "check the role's password (PGPASSWORD, or the URL) and user name";
  }
  if (Contains(message, "does not exist")) {
    return "create the database (CREATE DATABASE), or correct its name in the warehouse URL";
  }
  if (Contains(message, "SSL") || Contains(message, "certificate")) {
    return "check sslmode and the CA bundle (sslrootcert or PGSSLROOTCERT) for the server";
  }
  return "check the host and port in the warehouse URL, that the server runs, and that this "
         "machine may reach it (firewall, security group, pg_hba.conf)";
}

// What to do when a landing zone cannot be listed, from the S3 error code or the system's.
std::string ZoneRemedy(std::string_view uri, std::string_view message) {
  if (!uri.starts_with("s3://")) {
    return "create the folder, or give this user read access to it and its subfolders";
  }
  if (Contains(message, "no AWS credentials")) {
    return "give credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), "
           "or a profile in the shared credentials file (AWS_PROFILE), or an EC2 instance or ECS "
           "task "
           "role (docs/aws.md)";
  }
  if (Contains(message, "NoSuchBucket")) {
    return "create the bucket, or correct the bucket name in the zone";
  }
  if (Contains(message, "InvalidAccessKeyId") || Contains(message, "SignatureDoesNotMatch") ||
      Contains(message, "ExpiredToken") || Contains(message, "InvalidToken")) {
    return "check the AWS access key, secret and session token (or the role that gives them)";
  }
  // The status as the S3 zone words it ("HTTP 301 …"): a bare "301" is also in a port or a key.
  if (Contains(message, "AuthorizationHeaderMalformed") || Contains(message, "PermanentRedirect") ||
      Contains(message, "IllegalLocationConstraint") || Contains(message, "HTTP 301")) {
    return "set AWS_REGION to the bucket's region";
  }
  if (Contains(message, "AccessDenied") || Contains(message, "HTTP 403")) {
    return "allow s3:ListBucket on the bucket (for the prefix) and s3:GetObject on its objects to "
           "this identity (docs/aws.md has the policy)";
  }
  return "check AWS_ENDPOINT_URL (for a store other than AWS), the network path to the store, "
         "and AWS_REGION";
}

// What to do when a zone's event queue cannot be read, from the error or what SQS said.
std::string QueueRemedy(const Error& error) {
  std::string_view message = error.message();
  if (Contains(message, "no AWS credentials")) {
    return "give credentials as for the zone: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a "
           "profile (AWS_PROFILE), or an EC2 instance or ECS task role (docs/aws.md)";
  }
  if (error.code() == ErrorCode::kInvalidArgument) {
    return "give --events the queue's URL as `aws sqs get-queue-url` prints it "
           "(https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), or sqs://HOST/ACCOUNT/NAME";
  }
  if (error.code() == ErrorCode::kNotFound) {
    return "create the queue and the bucket's notification to it (docs/aws.md), or correct the "
           "queue URL given to --events";
  }
  if (Contains(message, "AccessDenied") || Contains(message, "HTTP 403")) {
    return "allow sqs:GetQueueAttributes, sqs:ReceiveMessage and sqs:DeleteMessage on the queue "
           "to this identity (docs/aws.md has the policy), and kms:Decrypt on its key if it is "
           "encrypted with one of yours";
  }
  if (Contains(message, "InvalidClientTokenId") || Contains(message, "SignatureDoesNotMatch") ||
      Contains(message, "ExpiredToken") || Contains(message, "UnrecognizedClient")) {
    return "check the AWS access key, secret and session token (or the role that gives them)";
  }
  return "check AWS_ENDPOINT_URL_SQS (for a queue service other than AWS), the network path to "
         "the queue, and AWS_REGION";
}

// A webhook URL without its path, which for Slack-style hooks is the secret.
std::string WebhookHost(std::string_view url) {
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return std::string(url.substr(0, path)) + (path == std::string_view::npos ? "" : "/…");
}

class Doctor {
 public:
  Doctor(const Config& config, const DoctorFlags& flags) : config_(config), flags_(flags) {}

  std::vector<Check> Run() {
    CheckConfig();
    std::vector<std::string> zones = flags_.zones;
    if (CheckWarehouse() && zones.empty()) {
      // Without zones named, those the warehouse has loaded from.
      if (auto known = ReadLedgerZones(*warehouse_)) zones = *known;
    }
    for (const std::string& zone : zones) CheckZone(zone);
    for (const std::string& queue : flags_.queues) CheckEvents(queue);
    for (const std::string& url : config_.alerts.webhooks) CheckWebhook(url);
    for (const std::string& port : flags_.ports) CheckPort(port);
    return std::move(checks_);
  }

 private:
  void Pass(std::string check, std::string target, std::string detail) {
    checks_.push_back({std::move(check), std::move(target), true, std::move(detail), ""});
  }
  void Fail(std::string check, std::string target, std::string detail, std::string remedy) {
    checks_.push_back(
        {std::move(check), std::move(target), false, std::move(detail), std::move(remedy)});
  }

  void CheckConfig() {
    auto file = InspectConfigFile();
    if (!file) {
      Fail("config", "", file.error().message(), "correct TILL_CONFIG or the file it names");
      return;
    }
    if (file->path.empty()) {
      Pass("config", "", "no till.toml here: defaults, TILL_WAREHOUSE and flags");
      return;
    }
    if (!file->unknown_keys.empty()) {
      std::string keys;
      for (const std::string& key : file->unknown_keys) keys += (keys.empty() ? "" : ", ") + key;
      Fail("config", file->path, "keys Till does not know, and ignores: " + keys,
           "correct their spelling or remove them (docs/configuration.md lists every key)");
      return;
    }
    Pass("config", file->path, "read; every key known");
  }

  // True when the warehouse opened and holds this Till's schema.
  bool CheckWarehouse() {
    const std::string& location = config_.warehouse;
    auto opened = OpenWarehouse(location, Access::kReadOnly);
    bool postgres = location.starts_with("postgres") || Contains(location, "dbname=") ||
                    Contains(location, "host=");
    if (!opened) {
      Fail("warehouse", "", opened.error().message(),
           WarehouseRemedy(opened.error().message(), postgres));
      return false;
    }
    warehouse_ = std::move(*opened);
    const std::string where = warehouse_->Describe();
    Pass("warehouse", where, "reachable");

    auto version = warehouse_->SchemaVersion();
    const int newest = warehouse_->NewestSchemaVersion();
    if (!version) {
      Fail("schema", where, version.error().message(),
           "check that this role may read the warehouse's tables");
      return false;
    }
    if (*version == 0) {
      Fail("schema", where, "holds no Till warehouse yet",
           "run `till init` (a watcher also creates it when it starts)");
      return false;
    }
    if (*version < newest) {
      Fail("schema", where,
           fmt::format("schema version {}; this till {} uses version {}", *version, TILL_VERSION,
                       newest),
           "run `till init` as the owner of the warehouse to migrate it (a watcher also does when "
           "it starts)");
      return false;
    }
    if (*version > newest) {
      Fail("schema", where,
           fmt::format("schema version {}, written by a newer Till; this till {} knows up to {}",
                       *version, TILL_VERSION, newest),
           "upgrade till on this machine");
      return false;
    }
    Pass("schema", where, fmt::format("version {}, this till's", *version));

    auto standby = warehouse_->Standby();
    if (!standby) {
      Fail("replica", where, standby.error().message(),
           "check that this role may read the server's replication state");
      return false;
    }
    if (*standby) {
      const StandbyStatus& replica = **standby;
      std::string lag = replica.lag_seconds ? fmt::format("{:.1f} s", *replica.lag_seconds)
                                            : std::string("an unknown time");
      if (replica.receiving) {
        Pass("replica", where,
             fmt::format("a read-only replica, {} behind its primary: `till serve` reads it", lag));
      } else {
        Fail("replica", where,
             fmt::format("a read-only replica that receives nothing from its primary now (the "
                         "last commit it replayed is {} old)",
                         lag),
             "check the replica's primary_conninfo and the primary's pg_hba.conf replication "
             "line; the replica's server log says why it stopped");
      }
    }

    if (flags_.read_only) {
      Pass("privileges", where, "reading is enough (--read-only), and reading works");
      return true;
    }
    auto problem = warehouse_->LoadPrivilegeProblem();
    if (!problem) {
      Fail("privileges", where, problem.error().message(),
           "check that this role may read the system catalogues");
    } else if (*standby) {
      Fail("privileges", where, *problem,
           "point loaders (ingest, watch, stream) at the primary; for `till serve` on this "
           "replica, check with `till doctor --read-only`");
    } else if (!problem->empty()) {
      Fail("privileges", where, *problem,
           postgres ? "load as the role that owns the warehouse (till_loader, from `till init "
                      "--create-roles`); a role that only reads serves (`till doctor --read-only`)"
                    : "run till as the user that owns the file (the services run as till), or "
                      "give this user write access to the file and its folder");
    } else {
      Pass("privileges", where, "this role can load files");
    }
    return true;
  }

  void CheckZone(const std::string& uri) {
    auto zone = OpenLandingZone(uri);
    if (!zone) {
      Fail("zone", uri, zone.error().message(), ZoneRemedy(uri, zone.error().message()));
      return;
    }
    auto listed = (*zone)->List();
    if (!listed) {
      Fail("zone", uri, listed.error().message(), ZoneRemedy(uri, listed.error().message()));
      return;
    }
    Pass("zone", uri,
         fmt::format("listed: {} raw file{}", listed->size(), listed->size() == 1 ? "" : "s"));
  }

  // The queue exists and this identity may ask it of itself; see QueueRemedy for the rest.
  void CheckEvents(const std::string& queue) {
    auto state = InspectSqsQueue(queue);
    if (!state) {
      Fail("events", queue, state.error().message(), QueueRemedy(state.error()));
      return;
    }
    Pass("events", state->url,
         fmt::format("readable: {} message{} waiting, {} in flight; visibility timeout {} s",
                     state->messages_waiting, state->messages_waiting == 1 ? "" : "s",
                     state->messages_in_flight, state->visibility_timeout_s));
  }

  void CheckWebhook(const std::string& url) {
    const std::string host = WebhookHost(url);
    auto status = ProbeWebhook(url);
    if (!status) {
      Fail("webhook", host, "no answer: " + status.error().message(),
           "check the URL in till.toml's alerts.webhooks, and that this machine reaches it "
           "(DNS, proxy, firewall)");
      return;
    }
    // The probe is an empty JSON object: a receiver that refuses it as a bad payload (400,
    // 422) still answers; one that does not know the URL or the caller does not.
    int code = *status;
    if ((code >= 200 && code < 300) || code == 400 || code == 422) {
      Pass("webhook", host, fmt::format("answers (HTTP {} to an empty probe)", code));
    } else if (code == 401 || code == 403 || code == 404 || code == 410) {
      Fail("webhook", host, fmt::format("HTTP {}: the receiver does not know this hook", code),
           "the hook was revoked or its URL is wrong: create a new one and put it in "
           "alerts.webhooks");
    } else {
      Fail("webhook", host, fmt::format("HTTP {}", code),
           "the receiver is failing: check it, or its status page, and try again");
    }
  }

  // `spec` is PORT or ADDRESS:PORT (IPv4); the address defaults to 127.0.0.1, as till serve's.
  void CheckPort(const std::string& spec) {
    std::string address = "127.0.0.1";
    std::string port_text = spec;
    if (size_t colon = spec.rfind(':'); colon != std::string::npos) {
      address = spec.substr(0, colon);
      port_text = spec.substr(colon + 1);
    }
    int port = 0;
    try {
      size_t used = 0;
      port = std::stoi(port_text, &used);
      if (used != port_text.size()) port = 0;
    } catch (const std::exception&) {
      port = 0;
    }
    sockaddr_in socket_address{};
    socket_address.sin_family = AF_INET;
    if (port < 1 || port > 65535 ||
        ::inet_pton(AF_INET, address.c_str(), &socket_address.sin_addr) != 1) {
      Fail("port", spec, "not a port, or an IPv4 address and port",
           "give --port as PORT or ADDRESS:PORT, e.g. 8080 or 0.0.0.0:9464");
      return;
    }
    socket_address.sin_port = htons(static_cast<uint16_t>(port));
    const std::string target = fmt::format("{}:{}", address, port);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    bool bound =
        fd >= 0 &&
        ::bind(fd, reinterpret_cast<sockaddr*>(&socket_address), sizeof socket_address) == 0 &&
        ::listen(fd, 1) == 0;
    int error = errno;
    if (fd >= 0) ::close(fd);
    if (bound) {
      Pass("port", target, "free");
    } else if (error == EADDRINUSE) {
      Fail("port", target, "taken by another process",
           fmt::format("stop what listens there (`ss -ltnp 'sport = :{}'` names it), or choose "
                       "another port",
                       port));
    } else {
      Fail("port", target, std::strerror(error),
           port < 1024 ? "ports below 1024 need privileges: choose a port of 1024 or more"
                       : "choose an address of this machine");
    }
  }

  const Config& config_;
  const DoctorFlags& flags_;
  std::unique_ptr<Warehouse> warehouse_;
  std::vector<Check> checks_;
};

int RunDoctor(const Config& config, const DoctorFlags& flags) {
  std::vector<Check> checks = Doctor(config, flags).Run();
  bool all_ok = true;
  for (const Check& check : checks) all_ok = all_ok && check.ok;
  if (flags.json) {
    nlohmann::json report{{"ok", all_ok}, {"checks", nlohmann::json::array()}};
    for (const Check& check : checks) {
      report["checks"].push_back(
          {{"check", check.check},
           {"target", check.target},
           {"ok", check.ok},
           {"detail", check.detail},
           {"remedy", check.ok ? nlohmann::json() : nlohmann::json(check.remedy)}});
    }
    std::cout << report.dump() << std::endl;
  } else {
    for (const Check& check : checks) {
      std::string what = check.target.empty() ? check.check : check.check + " " + check.target;
      if (check.ok) {
        fmt::print("ok    {}: {}\n", what, check.detail);
      } else {
        fmt::print("FAIL  {}: {}; to fix: {}\n", what, check.detail, check.remedy);
      }
    }
  }
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace

Command AddDoctorCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<DoctorFlags>();
  auto* doctor = app.add_subcommand(
      "doctor",
      "Check settings, warehouse, landing zones, alert webhooks and ports; exit 0 when all pass");
  AddWarehouseOption(*doctor, config);
  doctor->add_option("zones", flags->zones,
                     "Landing zones to list (default: every zone the warehouse has loaded from)");
  doctor
      ->add_option("--events", flags->queues,
                   "The SQS queue a zone's bucket sends its event notifications to, as given to "
                   "till watch --events (repeatable): it must exist and be readable")
      ->allow_extra_args(false);
  doctor
      ->add_option("--port", flags->ports,
                   "A port that must be free, PORT or ADDRESS:PORT (repeatable), e.g. 8080 for "
                   "till serve")
      ->allow_extra_args(false);
  doctor->add_flag("--read-only", flags->read_only,
                   "The warehouse only needs to be readable (for till serve)");
  doctor->add_flag("--json", flags->json, "Print one JSON object");
  return {doctor, [flags, &config] { return RunDoctor(config, *flags); }};
}

}  // namespace till
