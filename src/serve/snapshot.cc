#include "serve/snapshot.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "base/clock.h"

namespace till {
namespace {

using Row = std::span<const std::optional<std::string_view>>;
using Json = nlohmann::ordered_json;

int64_t Int(const std::optional<std::string_view>& value) {
  int64_t out = 0;
  if (value) std::from_chars(value->data(), value->data() + value->size(), out);
  return out;
}

std::optional<int64_t> OptionalInt(const std::optional<std::string_view>& value) {
  if (!value) return std::nullopt;
  return Int(value);
}

double Real(const std::optional<std::string_view>& value) {
  double out = 0;
  if (value) std::from_chars(value->data(), value->data() + value->size(), out);
  return out;
}

std::string Text(const std::optional<std::string_view>& value) {
  return value ? std::string(*value) : std::string();
}

Json TextOrNull(const std::optional<std::string_view>& value) {
  if (!value) return nullptr;
  return std::string(*value);
}

// Timestamps as both back ends write them, in the API's one form.
Json Timestamp(const std::optional<std::string_view>& value) {
  if (!value) return nullptr;
  auto seconds = ParseTimestamp(*value);
  if (!seconds) return std::string(*value);
  return FormatTimestamp(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(*seconds))));
}

// Everything whose change makes a new snapshot: runs started or finished, files recorded,
// loaded or unloaded.
constexpr std::string_view kSignatureSql =
    "SELECT (SELECT count(*) FROM etl_run), (SELECT coalesce(max(run_id), 0) FROM etl_run), "
    "(SELECT count(*) FROM etl_run WHERE status = 'running'), "
    "(SELECT CAST(max(finished_at) AS TEXT) FROM etl_run), "
    "(SELECT count(*) FROM etl_file), (SELECT coalesce(max(file_id), 0) FROM etl_file), "
    "(SELECT count(*) FROM etl_file WHERE unloaded_at IS NOT NULL), "
    "(SELECT count(*) FROM etl_reject)";

}  // namespace

SnapshotReader::SnapshotReader(std::unique_ptr<Warehouse> warehouse)
    : warehouse_(std::move(warehouse)) {}

Result<std::shared_ptr<const Snapshot>> SnapshotReader::Refresh(
    std::shared_ptr<const Snapshot> current) {
  std::shared_ptr<const Snapshot> next;
  // One read transaction, so that the signature, the file list and the sales agree with each
  // other while loaders commit.
  Status read = warehouse_->ReadConsistently([&]() -> Status {
    auto snapshot = Read(current);
    if (!snapshot) return Unexpected<Error>(snapshot.error());
    next = std::move(*snapshot);
    return {};
  });
  TILL_RETURN_IF_ERROR(read);
  return next;
}

Result<std::shared_ptr<const Snapshot>> SnapshotReader::Read(
    std::shared_ptr<const Snapshot> current) {
  std::string signature;
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(kSignatureSql, {}, [&](Row row) -> Status {
    for (const auto& value : row) signature += fmt::format("{}|", value.value_or("-"));
    return {};
  }));
  if (current && signature == signature_) return current;

  std::set<int64_t> loaded;
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT file_id FROM etl_file WHERE status = 'loaded' AND unloaded_at IS NULL", {},
      [&](Row row) -> Status {
        loaded.insert(Int(row[0]));
        return {};
      }));
  if (loaded != loaded_files_ || !cube_) {
    bool grows = builder_ && std::includes(loaded.begin(), loaded.end(), loaded_files_.begin(),
                                           loaded_files_.end());
    if (!grows) {
      builder_ = std::make_unique<CubeBuilder>();
      loaded_files_.clear();
    }
    Status read = ReadDimensions();
    for (auto it = loaded.begin(); read && it != loaded.end(); ++it) {
      if (!loaded_files_.contains(*it)) read = ReadSales(*it);
    }
    if (!read) {
      // Some files' rows may be in the builder already: start again from nothing next time.
      builder_.reset();
      loaded_files_.clear();
      TILL_RETURN_IF_ERROR(read);
    }
    loaded_files_ = loaded;
    cube_ = std::make_shared<const Cube>(builder_->Build());
  }

  auto snapshot = std::make_shared<Snapshot>();
  snapshot->cube = cube_;
  snapshot->data_version = ++version_;
  snapshot->refreshed_at = FormatTimestamp(Clock::Real().Now());
  snapshot->warehouse = warehouse_->Describe();
  TILL_RETURN_IF_ERROR(ReadPipeline(*snapshot));
  signature_ = signature;
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

Status SnapshotReader::ReadDimensions() {
  CubeBuilder& b = *builder_;
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT product_key, category, brand, product_type, product_name FROM dim_product", {},
      [&](Row row) -> Status {
        b.SetProduct(Int(row[0]), {Text(row[1]), Text(row[2]), Text(row[3]), Text(row[4])});
        return {};
      }));
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT location_key, country, state, city FROM dim_location", {}, [&](Row row) -> Status {
        b.SetLocation(Int(row[0]), {Text(row[1]), Text(row[2]), Text(row[3])});
        return {};
      }));
  using A = CubeBuilder::Attribute;
  constexpr std::pair<A, std::string_view> kAttributes[] = {
      {A::kGender, "SELECT gender_key, gender FROM dim_gender"},
      {A::kIncome, "SELECT income_key, income FROM dim_income"},
      {A::kPayment, "SELECT payment_method_key, payment_method FROM dim_payment_method"},
      {A::kShipping, "SELECT shipping_method_key, shipping_method FROM dim_shipping_method"},
      {A::kStatus, "SELECT order_status_key, order_status FROM dim_order_status"},
      {A::kFeedback, "SELECT feedback_key, feedback FROM dim_feedback"},
  };
  for (const auto& [attribute, sql] : kAttributes) {
    TILL_RETURN_IF_ERROR(warehouse_->QueryRows(sql, {}, [&](Row row) -> Status {
      b.SetAttribute(attribute, Int(row[0]), Text(row[1]));
      return {};
    }));
  }
  return {};
}

Status SnapshotReader::ReadSales(int64_t file_id) {
  CubeBuilder& b = *builder_;
  CubeBuilder::Sale sale;
  return warehouse_->QueryRows(
      "SELECT f.date_key, f.product_key, f.location_key, c.customer_id, c.age, "
      "c.customer_segment, f.gender_key, f.income_key, f.payment_method_key, "
      "f.shipping_method_key, f.order_status_key, f.feedback_key, f.rating, f.quantity, "
      "f.total_amount FROM fact_sales f JOIN dim_customer c ON c.customer_key = f.customer_key "
      "WHERE f.file_id = ?",
      std::vector<std::string>{std::to_string(file_id)}, [&](Row row) -> Status {
        sale.date_key = static_cast<int32_t>(Int(row[0]));
        sale.product_key = Int(row[1]);
        sale.location_key = Int(row[2]);
        sale.customer_id = row[3];
        sale.age = OptionalInt(row[4]);
        sale.segment = row[5];
        for (size_t a = 0; a < 6; ++a) sale.attribute_keys[a] = Int(row[6 + a]);
        sale.rating = OptionalInt(row[12]);
        sale.quantity = Int(row[13]);
        sale.amount = Real(row[14]);
        b.Add(sale);
        return {};
      });
}

Status SnapshotReader::ReadPipeline(Snapshot& snapshot) {
  const std::vector<std::string> limit{std::to_string(kPipelineRows)};
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT r.run_id, r.trigger, r.started_at, r.finished_at, r.status, r.error, "
      "count(f.file_id), coalesce(sum(f.rows_loaded), 0), coalesce(sum(f.rows_rejected), 0), "
      "coalesce(sum(f.rows_duplicate), 0) FROM etl_run r LEFT JOIN etl_file f ON f.run_id = "
      "r.run_id GROUP BY r.run_id, r.trigger, r.started_at, r.finished_at, r.status, r.error "
      "ORDER BY r.run_id DESC LIMIT ?",
      limit, [&](Row row) -> Status {
        snapshot.runs.push_back(Json{{"run_id", Int(row[0])},
                                     {"trigger", Text(row[1])},
                                     {"started_at", Timestamp(row[2])},
                                     {"finished_at", Timestamp(row[3])},
                                     {"status", Text(row[4])},
                                     {"error", TextOrNull(row[5])},
                                     {"files", Int(row[6])},
                                     {"rows_loaded", Int(row[7])},
                                     {"rows_rejected", Int(row[8])},
                                     {"rows_duplicate", Int(row[9])}});
        return {};
      }));
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT file_id, run_id, uri, status, rows_read, rows_loaded, rows_rejected, "
      "rows_duplicate, started_at, finished_at, error, unloaded_at FROM etl_file "
      "ORDER BY file_id DESC LIMIT ?",
      limit, [&](Row row) -> Status {
        snapshot.files.push_back(Json{{"file_id", Int(row[0])},
                                      {"run_id", Int(row[1])},
                                      {"uri", Text(row[2])},
                                      {"status", row[11] ? "unloaded" : Text(row[3])},
                                      {"rows_read", Int(row[4])},
                                      {"rows_loaded", Int(row[5])},
                                      {"rows_rejected", Int(row[6])},
                                      {"rows_duplicate", Int(row[7])},
                                      {"started_at", Timestamp(row[8])},
                                      {"finished_at", Timestamp(row[9])},
                                      {"error", TextOrNull(row[10])}});
        return {};
      }));
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT reason, column_name, sum(CASE WHEN row_rejected THEN 1 ELSE 0 END), count(*) "
      "FROM etl_reject "
      "GROUP BY reason, column_name ORDER BY count(*) DESC, reason, column_name",
      {}, [&](Row row) -> Status {
        int64_t rows = Int(row[2]);
        snapshot.reasons.push_back(Json{{"reason", Text(row[0])},
                                        {"column", TextOrNull(row[1])},
                                        {"rows", rows},
                                        {"values", Int(row[3]) - rows}});
        return {};
      }));
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT r.file_id, f.uri, r.line, r.column_name, r.reason, r.message, "
      "CASE WHEN r.row_rejected THEN 1 ELSE 0 END "
      "FROM etl_reject r JOIN etl_file f ON f.file_id = r.file_id "
      "ORDER BY r.reject_id DESC LIMIT ?",
      limit, [&](Row row) -> Status {
        snapshot.recent_rejects.push_back(Json{{"file_id", Int(row[0])},
                                               {"uri", Text(row[1])},
                                               {"line", Int(row[2])},
                                               {"column", TextOrNull(row[3])},
                                               {"reason", Text(row[4])},
                                               {"message", Text(row[5])},
                                               {"row_rejected", Int(row[6]) != 0}});
        return {};
      }));
  auto& f = snapshot.freshness;
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT status, count(*), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0), "
      "coalesce(sum(rows_duplicate), 0) FROM etl_file WHERE unloaded_at IS NULL GROUP BY status",
      {}, [&](Row row) -> Status {
        std::string status = Text(row[0]);
        if (status == "loaded") {
          f.files_loaded = Int(row[1]);
          f.rows_loaded = Int(row[2]);
          f.rows_rejected = Int(row[3]);
          f.rows_duplicate = Int(row[4]);
        } else if (status == "failed") {
          f.files_failed = Int(row[1]);
        } else if (status == "skipped") {
          f.files_skipped = Int(row[1]);
        }
        return {};
      }));
  TILL_RETURN_IF_ERROR(warehouse_->QueryRows(
      "SELECT max(finished_at), (SELECT count(*) FROM etl_run WHERE status = 'running') "
      "FROM etl_file WHERE status = 'loaded'",
      {}, [&](Row row) -> Status {
        if (row[0]) {
          f.last_success_epoch = ParseTimestamp(*row[0]);
          f.last_success_at = Timestamp(row[0]).get<std::string>();
        }
        f.runs_running = Int(row[1]);
        return {};
      }));
  return {};
}

}  // namespace till
