// The throwaway PostgreSQL cluster itself: it starts, authenticates by password, keeps
// committed data through a crash, listens on 127.0.0.1 only, and leaves nothing behind.
#include "support/pg_cluster.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

namespace till::testing {
namespace {

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;

Connection Connect(const std::string& url) {
  const char* keys[] = {"dbname", "sslmode", "connect_timeout", nullptr};
  const char* values[] = {url.c_str(), "disable", "10", nullptr};
  return Connection(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
}

std::optional<std::string> Cell(const PgRows& rows, size_t row, size_t column) {
  if (row >= rows.size() || column >= rows[row].size()) return "(missing)";
  return rows[row][column];
}

// Whether a process with this pid still runs; a zombie nobody reaps (PID 1 in a container
// need not) counts as gone.
bool ProcessRuns(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno != ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, name, state;
  stat >> pid_field >> name >> state;
  return state != "Z";
}

pid_t PostmasterPid(const PgCluster& cluster) {
  std::ifstream pidfile(cluster.folder() + "/data/postmaster.pid");
  pid_t pid = 0;
  pidfile >> pid;
  return pid;
}

// Local addresses ("0100007F" is 127.0.0.1) of the sockets listening on `port` in a
// /proc/net/tcp-style table.
std::vector<std::string> Listeners(const std::string& table, int port) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // the header
  std::vector<std::string> addresses;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    size_t colon = local.rfind(':');
    if (state == "0A" && std::stoi(local.substr(colon + 1), nullptr, 16) == port) {
      addresses.push_back(local.substr(0, colon));
    }
  }
  return addresses;
}

bool TcpConnects(const char* address, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, address, &target.sin_addr);
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
  ::close(fd);
  return connected;
}

TEST(PgClusterTest, AcceptsTheSuperuserWithItsPassword) {
  PgCluster& cluster = SharedPgCluster();
  ASSERT_TRUE(cluster.running());
  EXPECT_GT(cluster.port(), 0);
  EXPECT_EQ(cluster.password().size(), 32u);
  EXPECT_EQ(cluster.Url("shop"), "postgres://postgres:" + cluster.password() +
                                     "@127.0.0.1:" + std::to_string(cluster.port()) + "/shop");

  Connection connection = Connect(cluster.Url("postgres"));
  ASSERT_EQ(PQstatus(connection.get()), CONNECTION_OK) << PQerrorMessage(connection.get());
  EXPECT_GE(PQserverVersion(connection.get()), 150000);
  EXPECT_STREQ(PQuser(connection.get()), "postgres");
}

TEST(PgClusterTest, RefusesAWrongPassword) {
  PgCluster& cluster = SharedPgCluster();
  Connection connection = Connect(cluster.Url("postgres", "postgres", "not-the-password"));
  EXPECT_EQ(PQstatus(connection.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(connection.get())).find("password authentication failed"),
            std::string::npos)
      << PQerrorMessage(connection.get());
}

TEST(PgClusterTest, UrlEncodesOtherRolesAndPasswords) {
  PgCluster& cluster = SharedPgCluster();
  std::string error;
  ASSERT_TRUE(cluster.Exec("postgres", "CREATE ROLE \"shop clerk\" LOGIN PASSWORD 'p@ss:w/rd %?#'",
                           nullptr, &error))
      << error;
  Connection connection = Connect(cluster.Url("postgres", "shop clerk", "p@ss:w/rd %?#"));
  ASSERT_EQ(PQstatus(connection.get()), CONNECTION_OK) << PQerrorMessage(connection.get());
  EXPECT_STREQ(PQuser(connection.get()), "shop clerk");
}

TEST(PgClusterTest, CreatesDatabasesAndRunsSql) {
  PgCluster& cluster = SharedPgCluster();
  std::string name = UniqueDatabaseName();
  EXPECT_NE(name, UniqueDatabaseName());
  std::string error;
  ASSERT_TRUE(cluster.CreateDatabase(name, &error)) << error;
  EXPECT_FALSE(cluster.CreateDatabase(name, &error));
  EXPECT_NE(error.find("already exists"), std::string::npos) << error;

  PgRows rows;
  ASSERT_TRUE(cluster.Exec(name,
                           "CREATE TABLE store (id int PRIMARY KEY, city text);"
                           "INSERT INTO store VALUES (1, 'Leeds'), (2, NULL);"
                           "SELECT id, city FROM store ORDER BY id",
                           &rows, &error))
      << error;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Cell(rows, 0, 0), "1");
  EXPECT_EQ(Cell(rows, 0, 1), "Leeds");
  EXPECT_EQ(Cell(rows, 1, 1), std::nullopt);

  ASSERT_TRUE(cluster.Exec(name,
                           "SELECT current_database(), pg_encoding_to_char(encoding) "
                           "FROM pg_database WHERE datname = current_database()",
                           &rows, &error))
      << error;
  EXPECT_EQ(Cell(rows, 0, 0), name);
  EXPECT_EQ(Cell(rows, 0, 1), "UTF8");

  EXPECT_FALSE(cluster.Exec(name, "SELECT * FROM no_such_table", &rows, &error));
  EXPECT_NE(error.find("no_such_table"), std::string::npos) << error;
  EXPECT_FALSE(cluster.Exec(UniqueDatabaseName(), "SELECT 1", &rows, &error));
}

TEST(PgClusterTest, ListensOnlyOn127001) {
  PgCluster& cluster = SharedPgCluster();
  PgRows rows;
  std::string error;
  ASSERT_TRUE(cluster.Exec("postgres", "SHOW listen_addresses", &rows, &error)) << error;
  EXPECT_EQ(Cell(rows, 0, 0), "127.0.0.1");
  ASSERT_TRUE(cluster.Exec("postgres", "SHOW fsync", &rows, &error)) << error;
  EXPECT_EQ(Cell(rows, 0, 0), "on");

  EXPECT_EQ(Listeners("/proc/net/tcp", cluster.port()), std::vector<std::string>{"0100007F"});
  EXPECT_TRUE(Listeners("/proc/net/tcp6", cluster.port()).empty());
  EXPECT_TRUE(TcpConnects("127.0.0.1", cluster.port()));
  EXPECT_FALSE(TcpConnects("127.0.0.2", cluster.port()));
}

TEST(PgClusterTest, KeepsCommittedDataThroughAnImmediateStop) {
  std::string error;
  std::unique_ptr<PgCluster> cluster = PgCluster::Start(&error);
  ASSERT_NE(cluster, nullptr) << error;
  int port = cluster->port();
  ASSERT_TRUE(cluster->Exec(
      "postgres", "CREATE TABLE sale (id int); INSERT INTO sale SELECT generate_series(1, 1000)",
      nullptr, &error))
      << error;

  ASSERT_TRUE(cluster->Stop(PgCluster::StopMode::kImmediate, &error)) << error;
  EXPECT_FALSE(cluster->running());
  EXPECT_FALSE(cluster->Exec("postgres", "SELECT 1", nullptr, &error));

  ASSERT_TRUE(cluster->Restart(&error)) << error;
  EXPECT_TRUE(cluster->running());
  EXPECT_EQ(cluster->port(), port);
  PgRows rows;
  ASSERT_TRUE(cluster->Exec("postgres", "SELECT count(*) FROM sale", &rows, &error)) << error;
  EXPECT_EQ(Cell(rows, 0, 0), "1000");

  // Restarting a running server stops it cleanly first.
  ASSERT_TRUE(cluster->Restart(&error)) << error;
  ASSERT_TRUE(cluster->Exec("postgres", "SELECT count(*) FROM sale", &rows, &error)) << error;
  EXPECT_EQ(Cell(rows, 0, 0), "1000");
}

TEST(PgClusterTest, DestructionStopsTheServerAndRemovesTheFolder) {
  std::string error;
  std::unique_ptr<PgCluster> cluster = PgCluster::Start(&error);
  ASSERT_NE(cluster, nullptr) << error;
  std::string folder = cluster->folder();
  pid_t postmaster = PostmasterPid(*cluster);
  ASSERT_GT(postmaster, 0);
  ASSERT_TRUE(ProcessRuns(postmaster));

  cluster.reset();
  EXPECT_FALSE(ProcessRuns(postmaster));
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST(PgClusterTest, NothingOutlivesAKilledTestProcess) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    std::string error;
    std::unique_ptr<PgCluster> cluster = PgCluster::Start(&error);
    std::string report =
        cluster ? std::to_string(PostmasterPid(*cluster)) + " " + cluster->folder() : "";
    (void)!::write(fds[1], report.data(), report.size());
    ::raise(SIGKILL);  // no destructor, no atexit: only the watchdog can clean up
  }
  ::close(fds[1]);
  std::string report;
  char buffer[256];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) report.append(buffer, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  std::istringstream fields(report);
  pid_t postmaster = 0;
  std::string folder;
  fields >> postmaster >> folder;
  ASSERT_GT(postmaster, 0) << "the cluster in the child did not start";

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((ProcessRuns(postmaster) || std::filesystem::exists(folder)) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(ProcessRuns(postmaster));
  EXPECT_FALSE(std::filesystem::exists(folder));
}

}  // namespace
}  // namespace till::testing
