// The typed reads against a SQLite warehouse holding loaded, skipped, failed and unloaded files:
// each answers what the run records say, in its order and within its limit. (The PostgreSQL
// serve test reads the same through the other back end.)
#include "warehouse/reads.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/ingest.h"
#include "support/generated.h"
#include "support/temp_dir.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using testing::Generate;
using testing::TempDir;

constexpr char kZone[] = "file:///zone/";

class ReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto warehouse = OpenWarehouse(dir_.Path("till.db"));
    ASSERT_TRUE(warehouse) << warehouse.error().message();
    warehouse_ = std::move(*warehouse);
    ASSERT_TRUE(warehouse_->Migrate());
  }

  FileOutcome Ingest(const std::string& path, double max_reject_ratio = 0.05) {
    IngestOptions options;
    options.max_reject_ratio = max_reject_ratio;
    auto report = IngestFiles(*warehouse_, std::vector<std::string>{path}, options);
    EXPECT_TRUE(report) << report.error().message();
    EXPECT_EQ(report->files.size(), 1u);
    return report->files.at(0);
  }

  // A generated file whose every `every`-th row has a date that does not parse.
  std::string WithBadDates(const std::string& name, int64_t rows, uint64_t seed, int every) {
    std::istringstream in(testing::ReadFile(Generate(dir_, name + ".raw", rows, seed)));
    std::string out;
    std::string line;
    const std::regex date(",[0-9]{1,2}[-/][0-9]{1,2}[-/][0-9]{2,4},");
    for (int n = 0; std::getline(in, line); ++n) {
      if (n > 0 && n % every == 0) line = std::regex_replace(line, date, ",notadate,");
      out += line + "\n";
    }
    return dir_.Write(name, out);
  }

  // Makes key `key` of kZone hold loaded file `file_id`.
  void Hold(const std::string& key, int64_t file_id) {
    LandingEntry entry;
    entry.zone = kZone;
    entry.key = key;
    entry.version = "v1";
    entry.size_bytes = 1;
    entry.file_id = file_id;
    entry.loaded = true;
    Status recorded = warehouse_->RecordLandingEntry(entry, std::nullopt);
    ASSERT_TRUE(recorded) << recorded.error().message();
  }

  int64_t Count(const std::string& sql) {
    auto result = warehouse_->Query(sql);
    EXPECT_TRUE(result) << result.error().message();
    return std::stoll(result->rows.at(0).at(0).value_or("0"));
  }

  TempDir dir_;
  std::unique_ptr<Warehouse> warehouse_;
};

// Statements name their parameters $1, $2 … on both back ends (PostgreSQL's own way); SQLite
// binds them by name and refuses any other kind, or a value left unused.
TEST_F(ReadsTest, QueriesBindDollarNumberedParametersByNumber) {
  auto row = [&](std::string_view sql, const std::vector<std::string>& params) {
    auto result = warehouse_->Query(sql, params);
    EXPECT_TRUE(result) << sql << ": " << result.error().message();
    std::string shown;
    if (!result || result->rows.empty()) return shown;
    for (const auto& value : result->rows[0]) shown += (shown.empty() ? "" : "|") + *value;
    return shown;
  };
  EXPECT_EQ(row("SELECT $1 || '-' || $2", {"a", "b"}), "a-b");
  EXPECT_EQ(row("SELECT $2 || $1 || $2", {"x", "y"}), "yxy");
  EXPECT_EQ(row("SELECT '$1', $1", {"v"}), "$1|v");
  EXPECT_EQ(row("SELECT count(*) FROM etl_file WHERE status = $1", {"loaded"}), "0");

  auto refused = [&](std::string_view sql, const std::vector<std::string>& params) {
    auto result = warehouse_->Query(sql, params);
    EXPECT_FALSE(result) << sql;
    return result ? std::string() : result.error().message();
  };
  EXPECT_NE(refused("SELECT ?", {"v"}).find("write parameters as $1"), std::string::npos);
  EXPECT_NE(refused("SELECT :name", {"v"}).find("':name'"), std::string::npos);
  EXPECT_NE(refused("SELECT $2", {"a"}).find("names $2 but was given 1"), std::string::npos);
  EXPECT_NE(refused("SELECT $2", {"a", "b"}).find("no parameter $1"), std::string::npos);
  EXPECT_NE(refused("SELECT $0", {"a"}).find("'$0'"), std::string::npos);
}

TEST_F(ReadsTest, AnEmptyWarehouseReadsAsNothing) {
  auto runs = ReadRuns(*warehouse_, 10);
  ASSERT_TRUE(runs) << runs.error().message();
  EXPECT_TRUE(runs->empty());
  auto loaded = ReadLoadedFileIds(*warehouse_);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->empty());
  auto freshness = ReadFreshness(*warehouse_);
  ASSERT_TRUE(freshness);
  EXPECT_EQ(freshness->files_loaded, 0);
  EXPECT_EQ(freshness->rows_read, 0);
  EXPECT_FALSE(freshness->last_load_at);
  auto last = ReadLastLoad(*warehouse_);
  ASSERT_TRUE(last);
  EXPECT_FALSE(*last);
  auto zones = ReadLedgerZones(*warehouse_);
  ASSERT_TRUE(zones);
  EXPECT_TRUE(zones->empty());
  auto zone = ReadZoneFreshness(*warehouse_, kZone);
  ASSERT_TRUE(zone);
  EXPECT_EQ(zone->keys_loaded, 0);
  EXPECT_FALSE(zone->last_load_at);
  auto revenue = ReadRevenueBy(*warehouse_, ProductAttribute::kCategory, 10);
  ASSERT_TRUE(revenue);
  EXPECT_TRUE(revenue->empty());
}

TEST_F(ReadsTest, RunsAndFilesSayWhatEachFileDid) {
  FileOutcome first = Ingest(Generate(dir_, "a.csv", 400, 1));
  FileOutcome again = Ingest(dir_.Path("a.csv"));
  FileOutcome failed = Ingest(WithBadDates("bad.csv", 200, 2, 5), 0.01);
  FileOutcome rejects = Ingest(WithBadDates("some.csv", 300, 3, 50));
  ASSERT_EQ(first.status, FileStatus::kLoaded) << first.error;
  ASSERT_EQ(again.status, FileStatus::kSkipped);
  ASSERT_EQ(failed.status, FileStatus::kFailed);
  ASSERT_EQ(rejects.status, FileStatus::kLoaded) << rejects.error;
  ASSERT_GT(rejects.rows_rejected, 0);

  auto runs = ReadRuns(*warehouse_, 10);
  ASSERT_TRUE(runs) << runs.error().message();
  ASSERT_EQ(runs->size(), 4u);
  for (size_t i = 1; i < runs->size(); ++i) EXPECT_GT((*runs)[i - 1].run_id, (*runs)[i].run_id);
  const RunRecord& newest = runs->front();
  EXPECT_EQ(newest.trigger, "cli");
  EXPECT_EQ(newest.status, "succeeded");
  EXPECT_TRUE(newest.finished_at);
  EXPECT_FALSE(newest.error);
  EXPECT_EQ(newest.files, 1);
  EXPECT_EQ(newest.files_loaded, 1);
  EXPECT_EQ(newest.rows_loaded, rejects.rows_loaded);
  EXPECT_EQ(newest.rows_rejected, rejects.rows_rejected);
  const RunRecord& failing = (*runs)[1];
  EXPECT_EQ(failing.status, "failed");
  EXPECT_TRUE(failing.error);
  EXPECT_EQ(failing.files_failed, 1);
  EXPECT_EQ(failing.rows_loaded, 0);
  EXPECT_EQ(failing.rows_rejected, failed.rows_rejected);
  EXPECT_EQ((*runs)[2].files_skipped, 1);
  EXPECT_EQ((*runs)[3].rows_loaded, 400);

  auto two = ReadRuns(*warehouse_, 2);
  ASSERT_TRUE(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].run_id, newest.run_id);

  auto files = ReadFiles(*warehouse_, 10);
  ASSERT_TRUE(files) << files.error().message();
  ASSERT_EQ(files->size(), 4u);
  EXPECT_EQ((*files)[0].file_id, rejects.file_id);
  EXPECT_EQ((*files)[1].status, "failed");
  EXPECT_EQ((*files)[2].status, "skipped");
  EXPECT_TRUE((*files)[2].error);
  EXPECT_EQ((*files)[3].file_id, first.file_id);
  EXPECT_EQ((*files)[3].rows_read, 400);
  EXPECT_FALSE((*files)[3].unloaded);
  EXPECT_TRUE((*files)[3].started_at && (*files)[3].finished_at);

  auto last = ReadLastLoad(*warehouse_);
  ASSERT_TRUE(last);
  ASSERT_TRUE(*last);
  EXPECT_EQ((*last)->run_id, newest.run_id);
  EXPECT_EQ((*last)->rows_loaded, rejects.rows_loaded);
}

TEST_F(ReadsTest, RejectsAreCountedByReasonAndListedNewestFirstOrSelected) {
  FileOutcome failed = Ingest(WithBadDates("bad.csv", 200, 2, 5), 0.01);
  FileOutcome loaded = Ingest(WithBadDates("some.csv", 300, 3, 50));
  int64_t stored = Count("SELECT count(*) FROM etl_reject");
  ASSERT_GT(stored, 0);

  auto reasons = ReadRejectReasons(*warehouse_);
  ASSERT_TRUE(reasons) << reasons.error().message();
  ASSERT_FALSE(reasons->empty());
  int64_t counted = 0;
  for (const RejectReasonCount& reason : *reasons) {
    counted += reason.rows_rejected + reason.values_nulled;
  }
  EXPECT_EQ(counted, stored);
  EXPECT_EQ(reasons->front().reason, "bad_date");
  EXPECT_EQ(reasons->front().column, "Date");

  auto recent = ReadRecentRejects(*warehouse_, 3);
  ASSERT_TRUE(recent) << recent.error().message();
  ASSERT_EQ(recent->size(), 3u);
  EXPECT_EQ(recent->front().reject_id, Count("SELECT max(reject_id) FROM etl_reject"));
  EXPECT_GT((*recent)[0].reject_id, (*recent)[1].reject_id);
  EXPECT_EQ(recent->front().file_id, loaded.file_id);
  EXPECT_TRUE(recent->front().row_rejected);
  EXPECT_TRUE(recent->front().raw_line.empty());

  RejectSelection of_failed;
  of_failed.file_id = failed.file_id;
  of_failed.limit = 1000;
  auto selected = ReadRejects(*warehouse_, of_failed);
  ASSERT_TRUE(selected) << selected.error().message();
  EXPECT_EQ(static_cast<int64_t>(selected->size()), failed.rows_rejected);
  EXPECT_TRUE(std::is_sorted(selected->begin(), selected->end(),
                             [](const auto& a, const auto& b) { return a.line < b.line; }));

  RejectSelection all;
  all.limit = 1000;
  auto everything = ReadRejects(*warehouse_, all);
  ASSERT_TRUE(everything);
  ASSERT_EQ(static_cast<int64_t>(everything->size()), stored);
  EXPECT_EQ(everything->front().file_id, loaded.file_id);  // the latest file first
  EXPECT_NE(everything->front().raw_line.find("notadate"), std::string::npos);

  RejectSelection none;
  none.reason = "no_such_reason";
  auto nothing = ReadRejects(*warehouse_, none);
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
}

TEST_F(ReadsTest, FreshnessAndTheLedgerFollowUnloads) {
  FileOutcome kept = Ingest(Generate(dir_, "kept.csv", 300, 11));
  FileOutcome gone = Ingest(Generate(dir_, "gone.csv", 200, 12));
  Ingest(WithBadDates("bad.csv", 200, 2, 5), 0.01);
  Hold("kept.csv", kept.file_id);
  Hold("gone.csv", gone.file_id);

  auto before = ReadFreshness(*warehouse_);
  ASSERT_TRUE(before) << before.error().message();
  EXPECT_EQ(before->files_loaded, 2);
  EXPECT_EQ(before->files_failed, 1);
  EXPECT_EQ(before->rows_loaded, 500);
  EXPECT_EQ(before->rows_read, 500);
  ASSERT_TRUE(before->last_load_at);
  EXPECT_EQ(*before->last_load_at, gone.finished_at);
  auto zone = ReadZoneFreshness(*warehouse_, kZone);
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(zone->keys_loaded, 2);
  EXPECT_EQ(zone->rows_read, 500);
  EXPECT_EQ(zone->last_load_at, before->last_load_at);
  auto zones = ReadLedgerZones(*warehouse_);
  ASSERT_TRUE(zones);
  EXPECT_EQ(*zones, std::vector<std::string>{kZone});
  auto signature = ReadChangeSignature(*warehouse_);
  ASSERT_TRUE(signature);
  EXPECT_EQ(*ReadChangeSignature(*warehouse_), *signature);

  Status forgotten = warehouse_->ForgetLandingKey(kZone, "gone.csv", gone.file_id);
  ASSERT_TRUE(forgotten) << forgotten.error().message();
  auto changed = ReadChangeSignature(*warehouse_);
  ASSERT_TRUE(changed);
  EXPECT_NE(*changed, *signature);
  auto loaded = ReadLoadedFileIds(*warehouse_);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, std::set<int64_t>{kept.file_id});
  auto files = ReadFiles(*warehouse_, 10);
  ASSERT_TRUE(files);
  auto unloaded = std::find_if(files->begin(), files->end(),
                               [&](const FileRecord& f) { return f.file_id == gone.file_id; });
  ASSERT_NE(unloaded, files->end());
  EXPECT_TRUE(unloaded->unloaded);
  EXPECT_EQ(unloaded->status, "loaded");

  auto after = ReadFreshness(*warehouse_);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->files_loaded, 1);
  EXPECT_EQ(after->rows_loaded, 300);
  // The newest file the warehouse holds is now the older one: the last load is its.
  ASSERT_TRUE(after->last_load_at);
  EXPECT_EQ(*after->last_load_at, kept.finished_at);
  EXPECT_LE(*after->last_load_at, *before->last_load_at);
  zone = ReadZoneFreshness(*warehouse_, kZone);
  ASSERT_TRUE(zone);
  EXPECT_EQ(zone->keys_loaded, 1);
  EXPECT_EQ(zone->last_load_at, after->last_load_at);
}

TEST_F(ReadsTest, SalesStreamThroughTheVisitorAndMatchTheDimensions) {
  FileOutcome first = Ingest(Generate(dir_, "a.csv", 500, 21));
  FileOutcome second = Ingest(Generate(dir_, "b.csv", 300, 22));

  auto products = ReadProducts(*warehouse_);
  ASSERT_TRUE(products) << products.error().message();
  EXPECT_EQ(static_cast<int64_t>(products->size()), Count("SELECT count(*) FROM dim_product"));
  auto locations = ReadLocations(*warehouse_);
  ASSERT_TRUE(locations);
  EXPECT_EQ(static_cast<int64_t>(locations->size()), Count("SELECT count(*) FROM dim_location"));
  std::array<std::set<int64_t>, kSaleAttributes> members;
  for (SaleAttribute attribute :
       {SaleAttribute::kGender, SaleAttribute::kIncome, SaleAttribute::kPaymentMethod,
        SaleAttribute::kShippingMethod, SaleAttribute::kOrderStatus, SaleAttribute::kFeedback}) {
    auto read = ReadAttributeMembers(*warehouse_, attribute);
    ASSERT_TRUE(read) << read.error().message();
    EXPECT_FALSE(read->empty());
    for (const AttributeMember& m : *read) members[static_cast<size_t>(attribute)].insert(m.key);
  }

  int64_t sales = 0;
  double amount = 0;
  Status scanned = ScanSales(*warehouse_, first.file_id, [&](const SaleRow& sale) -> Status {
    ++sales;
    amount += sale.amount;
    EXPECT_TRUE(sale.customer_id);
    for (size_t a = 0; a < kSaleAttributes; ++a) {
      EXPECT_TRUE(members[a].contains(sale.attribute_keys[a])) << "attribute " << a;
    }
    return {};
  });
  ASSERT_TRUE(scanned) << scanned.error().message();
  EXPECT_EQ(sales, first.rows_loaded);
  auto stored = warehouse_->Query("SELECT sum(total_amount) FROM fact_sales WHERE file_id = $1",
                                  std::vector<std::string>{std::to_string(first.file_id)});
  ASSERT_TRUE(stored);
  EXPECT_NEAR(amount, std::stod(stored->rows.at(0).at(0).value_or("0")), 1e-6);

  // Several files in one scan (a thousand to a statement): each sale once, with its file.
  std::map<int64_t, int64_t> by_file;
  std::vector<int64_t> both = {first.file_id, second.file_id, 999999};  // the last holds none
  Status together = ScanSales(*warehouse_, both, [&](const SaleRow& sale) -> Status {
    ++by_file[sale.file_id];
    return {};
  });
  ASSERT_TRUE(together) << together.error().message();
  EXPECT_EQ(by_file, (std::map<int64_t, int64_t>{{first.file_id, first.rows_loaded},
                                                 {second.file_id, second.rows_loaded}}));
  std::vector<int64_t> many(2500);
  for (size_t i = 0; i < many.size(); ++i) many[i] = 100000 + static_cast<int64_t>(i);
  many[1700] = second.file_id;
  int64_t in_many = 0;
  Status chunked = ScanSales(*warehouse_, many, [&](const SaleRow& sale) -> Status {
    EXPECT_EQ(sale.file_id, second.file_id);
    ++in_many;
    return {};
  });
  ASSERT_TRUE(chunked) << chunked.error().message();
  EXPECT_EQ(in_many, second.rows_loaded);

  int64_t visited = 0;
  Status stopped = ScanSales(*warehouse_, second.file_id, [&](const SaleRow&) -> Status {
    if (++visited == 3) return MakeError(ErrorCode::kInvalidArgument, "enough");
    return {};
  });
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(visited, 3);

  auto categories = ReadRevenueBy(*warehouse_, ProductAttribute::kCategory, 100);
  ASSERT_TRUE(categories) << categories.error().message();
  ASSERT_FALSE(categories->empty());
  int64_t counted = 0;
  for (size_t i = 0; i < categories->size(); ++i) {
    counted += (*categories)[i].sales;
    if (i > 0) {
      EXPECT_TRUE((*categories)[i - 1].revenue >= (*categories)[i].revenue);
    }
    // Exact sums round to SQL's sums to the cent.
    auto sql = warehouse_->Query(
        "SELECT printf('%.2f', sum(f.total_amount)) FROM fact_sales f JOIN dim_product p "
        "ON p.product_key = f.product_key WHERE coalesce(p.category, '(unknown)') = $1",
        std::vector<std::string>{(*categories)[i].member});
    ASSERT_TRUE(sql);
    EXPECT_EQ((*categories)[i].revenue.CentsText(), sql->rows.at(0).at(0).value_or(""))
        << (*categories)[i].member;
  }
  EXPECT_EQ(counted, first.rows_loaded + second.rows_loaded);
  auto brands = ReadRevenueBy(*warehouse_, ProductAttribute::kBrand, 2);
  ASSERT_TRUE(brands);
  EXPECT_EQ(brands->size(), 2u);
}

}  // namespace
}  // namespace till
