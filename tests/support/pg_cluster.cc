// Server commands run as child processes with fork/exec and an argument vector, never as a shell
// command line, so no path or option is ever reinterpreted. Between fork and exec a child only
// calls async-signal-safe functions, since a test binary may have other threads. Every child closes
// the descriptors it inherits beyond stdin/stdout/stderr: a postmaster that kept CTest's output
// pipe open would make CTest wait for it, and one that kept the watchdog's pipe open would keep the
// watchdog from noticing the test process is gone.
#include "support/pg_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <thread>

namespace till::testing {
namespace {

constexpr int kPortAttempts = 5;  // another process may take a free port before the server
constexpr int kLogTailLines = 30;
// initdb takes a second or two and pg_ctl gives up by itself after 60 s; past this a command
// hangs, and a test should fail rather than wait forever.
constexpr auto kCommandTimeout = std::chrono::seconds(120);
constexpr char kPostgresUser[] = "postgres";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string TrimRight(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

bool IsExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// The folder of initdb, pg_ctl and postgres: TILL_PG_BINDIR when set, else what
// `pg_config --bindir` says, else Debian's place for PostgreSQL 15.
std::string FindBinDir() {
  if (const char* configured = std::getenv("TILL_PG_BINDIR"); configured && *configured) {
    return configured;
  }
  if (FILE* pipe = ::popen("pg_config --bindir 2>/dev/null", "r")) {
    std::string out;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
    ::pclose(pipe);
    out = TrimRight(out);
    if (!out.empty() && IsExecutable(out + "/initdb")) return out;
  }
  return "/usr/lib/postgresql/15/bin";
}

std::string FindRunuser() {
  for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
    if (IsExecutable(path)) return path;
  }
  return "";
}

std::string RandomPassword() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string password;
  for (int i = 0; i < 32; ++i) password += kAlphabet[pick(device)];
  return password;
}

// A TCP port of 127.0.0.1 that nothing listens on at this moment, or 0 with *error set.
int FreePort(std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return 0;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    *error = std::string("finding a free port: ") + std::strerror(errno);
  } else {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// In a freshly forked child: makes `in` stdin and `out` stdout and stderr, closes every other
// descriptor. Async-signal-safe.
void RedirectAndCloseOthers(int in, int out) {
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  if (::close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
  }
}

std::vector<char*> ArgvPointers(std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  for (std::string& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Runs argv[0] (an absolute path) in `folder`, with stdin from /dev/null and stdout and stderr
// into `output_path`, and waits for it. Returns the exit status, or -1 with *error set.
int RunAndWait(std::vector<std::string> argv, const std::string& folder,
               const std::string& output_path, std::string* error) {
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (in < 0 || out < 0) {
    *error = "opening " + output_path + ": " + std::strerror(errno);
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
    return -1;
  }
  std::vector<char*> pointers = ArgvPointers(argv);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // a group of its own, so that a timeout can end all it started
    RedirectAndCloseOthers(in, out);
    if (::chdir(folder.c_str()) != 0) ::_exit(126);
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(in);
  ::close(out);
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(fork_errno);
    return -1;
  }
  // SIGTERM to the whole group first, so that runuser can end its session cleanly.
  auto deadline = std::chrono::steady_clock::now() + kCommandTimeout;
  bool timed_out = false;
  int status = 0;
  for (int signal = SIGTERM;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      ::kill(-pid, signal);
      signal = SIGKILL;
      deadline += std::chrono::seconds(5);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (timed_out) {
    *error = argv[0] + " did not finish within " + std::to_string(kCommandTimeout.count()) +
             " s and was killed";
    return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  *error = argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
  return -1;
}

}  // namespace

std::unique_ptr<PgCluster> PgCluster::Start(std::string* error) {
  std::unique_ptr<PgCluster> cluster(new PgCluster());
  if (!cluster->Init(error)) return nullptr;  // the destructor cleans up what Init began
  return cluster;
}

bool PgCluster::MakeFolder(std::string* error) {
  bindir_ = FindBinDir();
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    if (!IsExecutable(Bin(tool))) {
      *error = "PostgreSQL server binaries not found: no " + Bin(tool) +
               " (install postgresql-15, or set TILL_PG_BINDIR)";
      return false;
    }
  }

  as_postgres_user_ = ::geteuid() == 0;
  if (as_postgres_user_) {
    const passwd* user = ::getpwnam(kPostgresUser);
    if (user == nullptr) {
      *error = "running as root, but there is no 'postgres' user to run the server as";
      return false;
    }
    postgres_uid_ = user->pw_uid;
    postgres_gid_ = user->pw_gid;
    runuser_ = FindRunuser();
    if (runuser_.empty()) {
      *error = "running as root, but runuser (util-linux) is not installed";
      return false;
    }
  }

  // Under /tmp rather than $TMPDIR: the postgres user must reach it, and the socket path it
  // holds must stay shorter than 108 bytes.
  std::string pattern = "/tmp/till-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    *error = std::string("mkdtemp /tmp/till-pg-XXXXXX: ") + std::strerror(errno);
    return false;
  }
  folder_ = pattern;
  if (::chmod(folder_.c_str(), 0700) != 0 ||
      (as_postgres_user_ && ::chown(folder_.c_str(), postgres_uid_, postgres_gid_) != 0)) {
    *error = "preparing " + folder_ + ": " + std::strerror(errno);
    return false;
  }
  StartWatchdog();
  return true;
}

bool PgCluster::Init(std::string* error) {
  if (!MakeFolder(error)) return false;
  password_ = RandomPassword();
  std::string pwfile = folder_ + "/pwfile";
  {
    int fd = ::open(pwfile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool written =
        fd >= 0 &&
        ::write(fd, password_.data(), password_.size()) == static_cast<ssize_t>(password_.size()) &&
        (!as_postgres_user_ || ::fchown(fd, postgres_uid_, postgres_gid_) == 0);
    int saved_errno = errno;
    if (fd >= 0) ::close(fd);
    if (!written) {
      *error = "writing the password file: " + std::string(std::strerror(saved_errno));
      return false;
    }
  }
  // --no-sync only skips flushing the freshly created files once; the server itself runs with
  // fsync on.
  bool initialised =
      RunServerCommand({Bin("initdb"), "-D", DataDir(), "-U", kPostgresUser, "--auth-local=trust",
                        "--auth-host=scram-sha-256", "--pwfile=" + pwfile, "-E", "UTF8",
                        "--locale=C.UTF-8", "--no-sync", "--no-instructions"},
                       "initdb", error);
  std::filesystem::remove(pwfile);
  if (!initialised) return false;

  return Configure(error) && StartOnFreePort(error);
}

std::unique_ptr<PgCluster> PgCluster::StartStandby(std::string* error) const {
  std::unique_ptr<PgCluster> standby(new PgCluster());
  if (!standby->MakeFolder(error)) return nullptr;
  standby->password_ = password_;
  // -R writes the primary's address and the password into the copy's postgresql.auto.conf
  // and makes it a standby; -X stream copies the WAL of the backup's own time alongside; -c fast
  // starts the backup at once instead of at the next checkpoint (minutes away).
  std::string primary = "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + kPostgresUser +
                        " password=" + password_ + " sslmode=disable";
  if (!standby->RunServerCommand({Bin("pg_basebackup"), "-d", primary, "-D", standby->DataDir(),
                                  "-R", "-X", "stream", "-c", "fast", "--no-sync"},
                                 "pg_basebackup", error) ||
      !standby->Configure(error) || !standby->StartOnFreePort(error)) {
    return nullptr;
  }
  return standby;
}

// Appended to the copy of a primary's postgresql.conf too, where the later lines win.
bool PgCluster::Configure(std::string* error) {
  std::ofstream conf(DataDir() + "/postgresql.conf", std::ios::app);
  conf << "\n# Till test cluster\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "unix_socket_directories = '" << folder_ << "'\n"
       << "max_connections = 50\n"
       << "fsync = on\n";
  conf.close();
  if (!conf) {
    *error = "appending to " + DataDir() + "/postgresql.conf failed";
    return false;
  }
  return true;
}

bool PgCluster::StartOnFreePort(std::string* error) {
  for (int attempt = 1;; ++attempt) {
    port_ = FreePort(error);
    if (port_ == 0) return false;
    size_t log_size_before = ReadText(folder_ + "/server.log").size();
    if (StartServer(error)) return true;
    std::string log = ReadText(folder_ + "/server.log");
    bool port_taken = log.find("Address already in use", log_size_before) != std::string::npos;
    if (!port_taken || attempt == kPortAttempts) return false;
  }
}

PgCluster::~PgCluster() {
  std::string ignored;
  if (running_ && !Stop(StopMode::kImmediate, &ignored)) {
    // pg_ctl failed; stop the postmaster directly so that it does not outlive the folder.
    std::ifstream pidfile(DataDir() + "/postmaster.pid");
    pid_t pid = 0;
    if (pidfile >> pid && pid > 0 && ::kill(pid, SIGQUIT) == 0) {
      for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  if (!folder_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(folder_, ec);
  }
  if (watchdog_fd_ >= 0) ::close(watchdog_fd_);
  if (watchdog_pid_ > 0) {
    while (::waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string PgCluster::Url(std::string_view database) const {
  return Url(database, kPostgresUser, password_);
}

std::string PgCluster::Url(std::string_view database, std::string_view user,
                           std::string_view password) const {
  return "postgres://" + PercentEncode(user) + ":" + PercentEncode(password) +
         "@127.0.0.1:" + std::to_string(port_) + "/" + PercentEncode(database);
}

bool PgCluster::CreateDatabase(std::string_view name, std::string* error) {
  return Exec("postgres", "CREATE DATABASE " + QuoteIdentifier(name), nullptr, error);
}

bool PgCluster::Exec(std::string_view database, std::string_view sql, PgRows* rows,
                     std::string* error) {
  // Explicit settings after the URL override anything the environment (PGSSLMODE, ...) says.
  std::string url = Url(database);
  const char* keys[] = {"dbname", "sslmode", "connect_timeout", nullptr};
  const char* values[] = {url.c_str(), "disable", "10", nullptr};
  PGconn* connection = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  bool ok = false;
  if (PQstatus(connection) != CONNECTION_OK) {
    *error =
        "connecting to " + std::string(database) + ": " + TrimRight(PQerrorMessage(connection));
  } else {
    PGresult* result = PQexec(connection, std::string(sql).c_str());
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      ok = true;
      if (rows != nullptr) {
        rows->clear();
        for (int row = 0; row < PQntuples(result); ++row) {
          std::vector<std::optional<std::string>>& values_out = rows->emplace_back();
          for (int column = 0; column < PQnfields(result); ++column) {
            if (PQgetisnull(result, row, column)) {
              values_out.emplace_back(std::nullopt);
            } else {
              values_out.emplace_back(
                  std::string(PQgetvalue(result, row, column), PQgetlength(result, row, column)));
            }
          }
        }
      }
    } else {
      *error = TrimRight(result ? PQresultErrorMessage(result) : PQerrorMessage(connection));
    }
    PQclear(result);
  }
  PQfinish(connection);
  return ok;
}

bool PgCluster::Stop(StopMode mode, std::string* error) {
  const char* mode_name = mode == StopMode::kImmediate ? "immediate" : "fast";
  if (!RunServerCommand({Bin("pg_ctl"), "-D", DataDir(), "-m", mode_name, "-w", "-t", "60", "stop"},
                        "pg_ctl stop", error)) {
    return false;
  }
  running_ = false;
  return true;
}

bool PgCluster::Restart(std::string* error) {
  if (running_ && !Stop(StopMode::kFast, error)) return false;
  return StartServer(error);
}

bool PgCluster::StartServer(std::string* error) {
  if (!RunServerCommand({Bin("pg_ctl"), "-D", DataDir(), "-l", folder_ + "/server.log", "-w", "-t",
                         "60", "-o", "-p " + std::to_string(port_), "start"},
                        "pg_ctl start", error)) {
    return false;
  }
  running_ = true;
  // pg_ctl -w returns once the server says it is ready; make sure TCP connections get through.
  std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres connect_timeout=5";
  for (int i = 0; i < 100; ++i) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *error = "the server started but does not answer on 127.0.0.1:" + std::to_string(port_) +
           "\nserver log:\n" + LogTail();
  return false;
}

bool PgCluster::RunServerCommand(const std::vector<std::string>& argv, std::string_view what,
                                 std::string* error) {
  std::vector<std::string> command;
  if (as_postgres_user_) command = {runuser_, "-u", kPostgresUser, "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  std::string output_path = folder_ + "/command.log";
  std::string run_error;
  int exit_status = RunAndWait(command, folder_, output_path, &run_error);
  if (exit_status == 0) return true;
  *error = std::string(what) + " failed";
  if (exit_status > 0) *error += " with exit status " + std::to_string(exit_status);
  if (!run_error.empty()) *error += ": " + run_error;
  *error += "\noutput:\n" + TrimRight(ReadText(output_path)) + "\nserver log:\n" + LogTail();
  return false;
}

std::string PgCluster::Bin(std::string_view tool) const {
  return bindir_ + "/" + std::string(tool);
}

std::string PgCluster::DataDir() const { return folder_ + "/data"; }

std::string PgCluster::LogTail() const {
  std::string log = TrimRight(ReadText(folder_ + "/server.log"));
  size_t start = log.size();
  for (int lines = 0; lines < kLogTailLines && start > 0; ++lines) {
    start = log.rfind('\n', start - 1);
    if (start == std::string::npos) {
      start = 0;
      break;
    }
  }
  return log.empty() ? "(empty)" : log.substr(start);
}

// The watchdog is a shell, in a session of its own so that a Ctrl-C meant for the test does
// not reach it, reading from a pipe whose only writer is this process. When the pipe closes,
// however this process ended, it stops the server if one runs and removes the folder.
void PgCluster::StartWatchdog() {
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ::close(devnull);
    return;
  }
  std::vector<std::string> argv = {
      "/bin/sh", "-c",
      "folder=$1; shift; cat >/dev/null; "
      "if [ -f \"$folder/data/postmaster.pid\" ]; then \"$@\"; fi; rm -rf \"$folder\"",
      "till-pg-watchdog", folder_};
  if (as_postgres_user_) argv.insert(argv.end(), {runuser_, "-u", kPostgresUser, "--"});
  argv.insert(argv.end(), {Bin("pg_ctl"), "-D", DataDir(), "-m", "immediate", "stop"});
  std::vector<char*> pointers = ArgvPointers(argv);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    RedirectAndCloseOthers(fds[0], devnull);
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  ::close(devnull);
  if (pid < 0) {
    ::close(fds[1]);
    return;
  }
  watchdog_pid_ = pid;
  watchdog_fd_ = fds[1];
}

PgCluster& SharedPgCluster() {
  static std::string failure;
  static std::unique_ptr<PgCluster> cluster = [] {
    std::unique_ptr<PgCluster> started = PgCluster::Start(&failure);
    if (started) failure.clear();
    return started;
  }();
  if (!cluster) throw std::runtime_error("the shared PostgreSQL cluster did not start: " + failure);
  return *cluster;
}

std::string UniqueDatabaseName() {
  static std::atomic<int> counter{0};
  return "t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

}  // namespace till::testing
