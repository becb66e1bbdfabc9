// Fails the warehouse at its 1st, 2nd, … Nth call during a load and checks that nothing partial
// is ever visible and that a rerun completes with the same result as an undisturbed load; on
// SQLite and on PostgreSQL (a throwaway cluster, a fresh database for every failure point).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "generate/generator.h"
#include "pipeline/failing_warehouse.h"
#include "pipeline/ingest.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::Backend;
using testing::FailingWarehouse;
using testing::NewWarehouseLocation;
using testing::TempDir;

int64_t Count(Warehouse& warehouse, const std::string& sql) {
  auto result = warehouse.Query(sql, {});
  EXPECT_TRUE(result) << result.error().message();
  return std::stoll(result->rows.at(0).at(0).value_or("0"));
}

class FaultSweep : public ::testing::TestWithParam<Backend> {};

TEST_P(FaultSweep, NothingPartialAtAnyFailurePoint) {
  const Backend backend = GetParam();
  TempDir dir;
  std::string raw = dir.Path("raw.csv");
  std::FILE* out = std::fopen(raw.c_str(), "wb");
  GenerateOptions generate;
  generate.rows = 3000;
  generate.seed = 7;
  ASSERT_TRUE(GenerateRawFile(generate, out));
  std::fclose(out);
  // A few broken rows so that rejects are written too.
  {
    std::FILE* append = std::fopen(raw.c_str(), "ab");
    std::fputs("not,a,row\n", append);
    std::fclose(append);
  }

  IngestOptions options;
  options.batch_rows = 500;  // many warehouse calls per load
  std::vector<std::string> paths = {raw};

  // The undisturbed load, and how many warehouse calls it makes.
  auto baseline_db = OpenWarehouse(NewWarehouseLocation(backend, dir, "baseline"));
  ASSERT_TRUE(baseline_db) << baseline_db.error().message();
  FailingWarehouse counter(**baseline_db, 0);
  auto baseline = IngestFiles(counter, paths, options);
  ASSERT_TRUE(baseline);
  ASSERT_EQ(baseline->files[0].status, FileStatus::kLoaded) << baseline->files[0].error;
  const int calls = counter.calls();
  const int64_t facts = Count(**baseline_db, "SELECT count(*) FROM fact_sales");
  const int64_t customers = Count(**baseline_db, "SELECT count(*) FROM dim_customer");
  ASSERT_GT(calls, 10);

  for (int fail_at = 1; fail_at <= calls; ++fail_at) {
    SCOPED_TRACE("failing call " + std::to_string(fail_at));
    auto inner =
        OpenWarehouse(NewWarehouseLocation(backend, dir, "sweep" + std::to_string(fail_at)));
    ASSERT_TRUE(inner) << inner.error().message();
    {
      FailingWarehouse failing(**inner, fail_at);
      auto report = IngestFiles(failing, paths, options);
      (void)report;  // a failure before the run starts fails the whole call; that is fine
    }
    (void)(*inner)->Migrate();
    int64_t loaded_files = Count(**inner, "SELECT count(*) FROM etl_file WHERE status = 'loaded'");
    int64_t visible = Count(**inner, "SELECT count(*) FROM fact_sales");
    if (loaded_files == 0) {
      EXPECT_EQ(visible, 0);
      EXPECT_EQ(Count(**inner, "SELECT count(*) FROM dim_customer"), 1);  // only Unknown
      EXPECT_EQ(Count(**inner,
                      "SELECT count(*) FROM etl_reject r JOIN etl_file f USING (file_id) "
                      "WHERE f.status = 'loaded'"),
                0);
    } else {
      EXPECT_EQ(visible, facts);  // the fault came after the commit
    }
    auto rerun = IngestFiles(**inner, paths, options);
    ASSERT_TRUE(rerun);
    EXPECT_NE(rerun->files[0].status, FileStatus::kFailed) << rerun->files[0].error;
    EXPECT_EQ(Count(**inner, "SELECT count(*) FROM fact_sales"), facts);
    EXPECT_EQ(Count(**inner, "SELECT count(*) FROM dim_customer"), customers);
    EXPECT_EQ(Count(**inner, "SELECT count(*) FROM etl_file WHERE status = 'loaded'"), 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FaultSweep, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& instance) { return testing::BackendName(instance.param); });

}  // namespace
}  // namespace till
