// `till serve` on a PostgreSQL streaming replica (a hot standby made with pg_basebackup from a
// throwaway primary, support/pg_cluster.h): it answers the same as a server on the primary, shows
// a file loaded on the primary within seconds, reports how far behind it is, and the replica
// refuses every write with a message that names the primary.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "serve/serve_support.h"
#include "serve/server.h"
#include "support/generated.h"
#include "support/pg_cluster.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::HttpClient;
using testing::Json;
using testing::OpenOrFail;
using testing::PgCluster;
using testing::TempDir;

std::unique_ptr<DashboardServer> StartServer(const std::string& warehouse) {
  ServeOptions options;
  options.warehouse = warehouse;
  options.port = 0;
  options.version = "test";
  options.refresh_seconds = 0.2;
  auto server = std::make_unique<DashboardServer>(options);
  Status started = server->Start();
  EXPECT_TRUE(started) << started.error().message();
  return started ? std::move(server) : nullptr;
}

std::string Base(const DashboardServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

Json GetJson(HttpClient& client, const std::string& url) {
  auto reply = client.Get(url);
  EXPECT_EQ(reply.status, 200) << url << ": " << reply.curl_error << " " << reply.body;
  return Json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
}

class ReplicaServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    primary_ = PgCluster::Start(&error);
    ASSERT_NE(primary_, nullptr) << error;
    ASSERT_TRUE(primary_->CreateDatabase("retail", &error)) << error;
    writer_ = OpenOrFail(primary_->Url("retail"));
    ASSERT_NE(writer_, nullptr);
    testing::IngestOrFail(*writer_, {testing::Generate(dir_, "first.csv", 3'000, 17)});
    replica_ = primary_->StartStandby(&error);
    ASSERT_NE(replica_, nullptr) << error;
  }

  TempDir dir_;
  std::unique_ptr<PgCluster> primary_;
  std::unique_ptr<PgCluster> replica_;
  std::unique_ptr<Warehouse> writer_;
};

TEST_F(ReplicaServeTest, AnswersAsThePrimaryDoesAndFollowsItsLoads) {
  auto on_primary = StartServer(primary_->Url("retail"));
  auto on_replica = StartServer(replica_->Url("retail"));
  ASSERT_NE(on_primary, nullptr);
  ASSERT_NE(on_replica, nullptr);
  HttpClient client;
  const std::vector<std::string> questions = {
      "/api/v1/kpis",
      "/api/v1/timeseries?grain=week",
      "/api/v1/breakdown?by=category&by=payment_method",
      "/api/v1/dimensions",
      "/api/v1/pipeline/files",
  };
  for (const std::string& question : questions) {
    EXPECT_EQ(client.Get(Base(*on_replica) + question).body,
              client.Get(Base(*on_primary) + question).body)
        << question;
  }

  Json primary_freshness = GetJson(client, Base(*on_primary) + "/api/v1/pipeline/freshness");
  EXPECT_EQ(primary_freshness["replica"], false) << primary_freshness.dump();
  EXPECT_TRUE(primary_freshness["replica_lag_seconds"].is_null()) << primary_freshness.dump();
  Json freshness = GetJson(client, Base(*on_replica) + "/api/v1/pipeline/freshness");
  EXPECT_EQ(freshness["replica"], true) << freshness.dump();
  EXPECT_EQ(freshness["replica_receiving"], true) << freshness.dump();

  // A file loaded on the primary shows on the replica's dashboard within seconds.
  testing::IngestOrFail(*writer_, {testing::Generate(dir_, "second.csv", 2'000, 18)});
  auto loaded = std::chrono::steady_clock::now();
  auto shows_all_rows = [&](const DashboardServer& server) {
    while (std::chrono::steady_clock::now() - loaded < std::chrono::seconds(10)) {
      if (GetJson(client, Base(server) + "/api/v1/meta")["rows"] == 5'000) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  ASSERT_TRUE(shows_all_rows(*on_replica)) << "the replica's server did not show the new file";
  ASSERT_TRUE(shows_all_rows(*on_primary));
  // Before the replica replayed a commit of its own time the lag may be unknown; now it did.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  freshness = GetJson(client, Base(*on_replica) + "/api/v1/pipeline/freshness");
  ASSERT_TRUE(freshness["replica_lag_seconds"].is_number()) << freshness.dump();
  EXPECT_GE(freshness["replica_lag_seconds"].get<double>(), 0.0);
  EXPECT_LT(freshness["replica_lag_seconds"].get<double>(), 10.0);
  EXPECT_NE(client.Get(Base(*on_replica) + "/metrics").body.find("till_serve_replica_lag_seconds "),
            std::string::npos);
  EXPECT_EQ(client.Get(Base(*on_primary) + "/metrics").body.find("till_serve_replica_lag_seconds "),
            std::string::npos);
  for (const std::string& question : questions) {
    EXPECT_EQ(client.Get(Base(*on_replica) + question).body,
              client.Get(Base(*on_primary) + question).body)
        << question;
  }
}

TEST_F(ReplicaServeTest, TheReplicaRefusesWritesAndNamesThePrimary) {
  auto replica = OpenWarehouse(replica_->Url("retail"));
  ASSERT_TRUE(replica) << replica.error().message();
  auto standby = (*replica)->Standby();
  ASSERT_TRUE(standby) << standby.error().message();
  EXPECT_TRUE(standby->has_value());
  auto primary_standby = writer_->Standby();
  ASSERT_TRUE(primary_standby) << primary_standby.error().message();
  EXPECT_FALSE(primary_standby->has_value());

  Status migrated = (*replica)->Migrate();
  ASSERT_FALSE(migrated);
  EXPECT_NE(migrated.error().message().find("read-only replica"), std::string::npos)
      << migrated.error().message();
  EXPECT_NE(migrated.error().message().find("primary"), std::string::npos);

  const std::vector<std::string> files = {testing::Generate(dir_, "refused.csv", 100, 19)};
  auto ingested = IngestFiles(**replica, files, IngestOptions{});
  ASSERT_FALSE(ingested);
  EXPECT_NE(ingested.error().message().find("read-only replica"), std::string::npos)
      << ingested.error().message();
  auto problem = (*replica)->LoadPrivilegeProblem();
  ASSERT_TRUE(problem) << problem.error().message();
  EXPECT_NE(problem->find("read-only replica"), std::string::npos) << *problem;
}

}  // namespace
}  // namespace till
