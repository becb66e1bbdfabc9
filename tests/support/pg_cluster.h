// A throwaway PostgreSQL cluster for integration tests: a real server from the installed
// PostgreSQL (`pg_config --bindir`), in a fresh folder under /tmp, on a free TCP port of
// 127.0.0.1 only, gone with everything in it when the PgCluster is destroyed.
//
// The superuser is "postgres" with a random password; TCP connections must present it
// (scram-sha-256), so tests exercise the same authentication a real deployment does. When the
// test runs as root, every server command runs as the unprivileged `postgres` user (PostgreSQL
// refuses to run as root) and the folder belongs to that user.
//
// No server outlives its test binary: the destructor stops it, the shared cluster is destroyed
// at exit, and a small watchdog process stops the server and removes the folder when the test
// process ends any other way (a crash, a signal, a CTest timeout).
//
// Not thread-safe: one thread at a time may call a PgCluster. Each Exec() opens its own
// connection, so servers under test may be used from any number of threads.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace till::testing {

// Rows of a result as text, one inner vector per row; SQL NULL is std::nullopt.
using PgRows = std::vector<std::vector<std::optional<std::string>>>;

class PgCluster {
 public:
  enum class StopMode {
    kFast,       // pg_ctl stop -m fast: sessions are ended, a clean shutdown checkpoint
    kImmediate,  // pg_ctl stop -m immediate: as if the server crashed; WAL recovery on start
  };

  // Creates and starts a cluster. On failure returns nullptr and stores in *error what failed,
  // with the command's output and the tail of the server log; nothing is left behind.
  static std::unique_ptr<PgCluster> Start(std::string* error);

  // Creates and starts a streaming replica of this cluster (a hot standby, read-only, from
  // pg_basebackup): a cluster of its own, on its own port, with the same password. On failure
  // returns nullptr and stores in *error what failed.
  std::unique_ptr<PgCluster> StartStandby(std::string* error) const;

  // Stops the server (immediate mode) if it runs, then removes the folder.
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  int port() const { return port_; }
  const std::string& password() const { return password_; }
  bool running() const { return running_; }
  // The cluster's folder: the data directory is "data" in it, the server log "server.log".
  const std::string& folder() const { return folder_; }

  // "postgres://postgres:PASSWORD@127.0.0.1:PORT/DATABASE", for the superuser.
  std::string Url(std::string_view database) const;
  // The same for another role; user, password and database are percent-encoded.
  std::string Url(std::string_view database, std::string_view user,
                  std::string_view password) const;

  // CREATE DATABASE `name`. Choosing a name no other test uses is the caller's job (see
  // UniqueDatabaseName()). On failure returns false and stores the reason in *error.
  bool CreateDatabase(std::string_view name, std::string* error);

  // Runs `sql` (one or more statements, in one implicit transaction unless it says otherwise)
  // as the superuser on `database`, over TCP with the password. Stores the rows of the last
  // statement in *rows when `rows` is not null. On failure returns false and stores the
  // server's message in *error.
  bool Exec(std::string_view database, std::string_view sql, PgRows* rows, std::string* error);

  // Stops the server. On failure returns false and stores the reason in *error.
  bool Stop(StopMode mode, std::string* error);
  // Starts the server again on the same port (stopping it first, fast, if it runs). Fails if
  // something else took the port meanwhile.
  bool Restart(std::string* error);

 private:
  PgCluster() = default;

  bool Init(std::string* error);
  // Finds the server's programs, makes the folder (owned by the user the server runs as) and
  // starts the watchdog.
  bool MakeFolder(std::string* error);
  bool Configure(std::string* error);
  bool StartOnFreePort(std::string* error);
  bool StartServer(std::string* error);
  // Runs `argv` (as the postgres user when root) with its output captured in the folder;
  // on failure stores `what`, the output and the server log tail in *error.
  bool RunServerCommand(const std::vector<std::string>& argv, std::string_view what,
                        std::string* error);
  std::string Bin(std::string_view tool) const;
  std::string DataDir() const;
  std::string LogTail() const;
  void StartWatchdog();

  std::string bindir_;
  std::string runuser_;  // its path, when as_postgres_user_
  std::string folder_;
  std::string password_;
  int port_ = 0;
  bool running_ = false;
  bool as_postgres_user_ = false;  // the process is root: commands run through runuser
  uid_t postgres_uid_ = 0;         // that user's ids, when as_postgres_user_
  gid_t postgres_gid_ = 0;
  pid_t watchdog_pid_ = -1;
  int watchdog_fd_ = -1;  // the write end of the watchdog's stdin; closing it ends the watchdog
};

// One cluster shared by all tests of a test binary, started on first use and destroyed at
// exit. (CTest runs each discovered test in a process of its own, so there each test that
// calls this starts a cluster; running the binary directly shares one among all its tests.) Tests
// that need isolation create their own database with UniqueDatabaseName(). Throws
// std::runtime_error (which GoogleTest reports as the test's failure) when the cluster cannot
// start; later calls throw the same error without trying again.
PgCluster& SharedPgCluster();

// A database name no other call in this process returns: "t_<pid>_<counter>".
std::string UniqueDatabaseName();

}  // namespace till::testing
