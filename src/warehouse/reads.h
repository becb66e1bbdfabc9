// Typed reads of the warehouse for those who only read it: `till serve` (the sales cube and the
// pipeline's records) and the terminal reports (`till report`, `runs`, `rejects`, `status`).
// Every statement they run against the schema is here, written once for SQLite and PostgreSQL,
// and each read returns plain structs.
//
// Each read runs one or a few queries through Warehouse::Query or QueryRows; run several inside
// Warehouse::ReadConsistently to have them agree with each other while loaders commit. Failures
// are the warehouse's (kWarehouseError). Same thread-safety as the Warehouse read.
//
// Timestamps come back as the back end prints them ("2026-01-31T09:00:00.000Z" from SQLite,
// "2026-01-31 09:00:00+00" from PostgreSQL); ParseTimestamp (base/clock.h) reads both.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/exact_sum.h"
#include "base/result.h"
#include "warehouse/warehouse.h"

namespace till {

// A value that changes whenever something a reader shows changes: a run started or finished, a
// file recorded, loaded or unloaded, a reject stored. The same value twice: nothing to read
// again.
Result<std::string> ReadChangeSignature(Warehouse& warehouse);

// A file whose rows the warehouse holds, with what tells it from any other file (its content's
// hash and when its load started): a reader that keeps what it read from the warehouse (the
// sales cube's file) compares these to know whether the warehouse still holds the same rows.
struct LoadedFile {
  int64_t file_id = 0;
  std::string sha256;
  int64_t rows_loaded = 0;
  std::string started_at;
  friend bool operator==(const LoadedFile&, const LoadedFile&) = default;
};
// The files whose rows the warehouse holds (loaded and not unloaded since), by file id.
Result<std::vector<LoadedFile>> ReadLoadedFiles(Warehouse& warehouse);
// Their ids alone.
Result<std::set<int64_t>> ReadLoadedFileIds(Warehouse& warehouse);

// Dimension members. A NULL attribute reads as the empty string.
struct ProductMember {
  int64_t key = 0;
  std::string category;
  std::string brand;
  std::string product_type;
  std::string product_name;
};
struct LocationMember {
  int64_t key = 0;
  std::string country;
  std::string state;
  std::string city;
};
Result<std::vector<ProductMember>> ReadProducts(Warehouse& warehouse);
Result<std::vector<LocationMember>> ReadLocations(Warehouse& warehouse);

// The small dimensions a sale points at, in the order SaleRow::attribute_keys holds them.
enum class SaleAttribute {
  kGender,
  kIncome,
  kPaymentMethod,
  kShippingMethod,
  kOrderStatus,
  kFeedback
};
inline constexpr size_t kSaleAttributes = 6;

struct AttributeMember {
  int64_t key = 0;
  std::string label;
};
Result<std::vector<AttributeMember>> ReadAttributeMembers(Warehouse& warehouse,
                                                          SaleAttribute attribute);

// One sale with its customer's attributes. The views point into the row being visited and are
// valid during the visit only.
struct SaleRow {
  int64_t file_id = 0;   // the file or stream batch that loaded it
  int32_t date_key = 0;  // YYYYMMDD, 0 when unknown
  int64_t product_key = 0;
  int64_t location_key = 0;
  std::optional<std::string_view> customer_id;
  std::optional<int64_t> age;
  std::optional<std::string_view> segment;
  std::array<int64_t, kSaleAttributes> attribute_keys{};  // by SaleAttribute
  std::optional<int64_t> rating;
  int64_t quantity = 0;
  double amount = 0;
  std::optional<std::string_view> transaction_id;
};
using SaleVisitor = std::function<Status(const SaleRow&)>;
// How ScanSales joins each sale to its customer version: in SQL (an index lookup a sale), or by
// reading every version first and looking them up by hash (a fraction of a lookup a sale, plus
// the versions' read and about 27 bytes and the id each while the scan runs). kChoose counts the
// files' sales and takes the cheaper; the others are for tests that compare the two.
enum class SalesScanPlan { kChoose, kJoin, kVersionsFirst };
// Hands `visit` the sales that the files (or stream batches) `file_ids` hold, one at a time, so
// that files of any size are read without holding their sales. An error `visit` returns stops
// the scan and is returned. The files are read a thousand to a statement, in no set order: a
// statement each made a warehouse of 10,000 one-row stream batches four times slower to read.
Status ScanSales(Warehouse& warehouse, std::span<const int64_t> file_ids, const SaleVisitor& visit,
                 SalesScanPlan plan = SalesScanPlan::kChoose);
inline Status ScanSales(Warehouse& warehouse, int64_t file_id, const SaleVisitor& visit,
                        SalesScanPlan plan = SalesScanPlan::kChoose) {
  return ScanSales(warehouse, std::span<const int64_t>(&file_id, 1), visit, plan);
}

// One sale line as customer analytics need it: whose, which order, when and how much. The
// views are valid during the visit only.
struct CustomerSaleRow {
  uint32_t customer = 0;  // the customer id's number in this scan: dense from 0, one per id
  std::string_view customer_id;
  std::optional<std::string_view> transaction_id;
  int32_t date_key = 0;  // YYYYMMDD
  double amount = 0;
};
using CustomerSaleVisitor = std::function<Status(const CustomerSaleRow&)>;
// Hands `visit` every sale the warehouse holds that has a customer id and a date, one at a
// time: the customer id and nothing else of the customer. Memory grows with the customer
// versions (a map of their keys, 16 bytes each, and each distinct id once), not with the sales. An
// error `visit` returns stops the scan and is returned.
Status ScanCustomerSales(Warehouse& warehouse, const CustomerSaleVisitor& visit);

// The rows of customer_segment (Warehouse::ReplaceCustomerSegments wrote them), by customer id.
Result<std::vector<CustomerSegmentRow>> ReadCustomerSegments(Warehouse& warehouse);

// How many customers of customer_segment are in one of `segments` with a 12-month lifetime value
// of `min_clv` or more; none when customer_segment is empty (never refreshed).
Result<std::optional<int64_t>> CountSegmentCustomers(Warehouse& warehouse,
                                                     std::span<const std::string_view> segments,
                                                     double min_clv);

// Daily sales for forecasting (`till forecast --warehouse`): one value per series and day,
// summed from the warehouse. Days without sales have no row; sales of an unknown date are left
// out. A missing category, country or brand groups as "(unknown)".
enum class SalesGrouping { kTotal, kCategory, kCountry, kCountryCategory, kBrand };
enum class SalesMeasure { kRevenue, kUnits, kOrders };  // total_amount, quantity, sale rows

// Which sales count: dates inclusive (YYYYMMDD, 0: open) and, per dimension, the members
// allowed (none: all), as the API's filters select them.
struct DailySalesFilter {
  int32_t from_key = 0;
  int32_t to_key = 0;
  std::vector<std::string> categories;
  std::vector<std::string> countries;
  std::vector<std::string> brands;
};

struct DailySalesRow {
  std::string series;  // "" for the total, "Books", "USA", "USA / Books", a brand
  int32_t date_key = 0;
  double value = 0;
};

// Ordered by series, then date. Revenue is rounded to the cent, so that both back ends give the
// same values.
Result<std::vector<DailySalesRow>> ReadDailySales(Warehouse& warehouse, SalesGrouping grouping,
                                                  SalesMeasure measure,
                                                  const DailySalesFilter& filter);

// A run, with what its files did.
struct RunRecord {
  int64_t run_id = 0;
  std::string trigger;
  std::string started_at;
  std::optional<std::string> finished_at;  // none while it runs
  // running, succeeded, failed, or interrupted: its process was found gone (stored as
  // 'failed' with interrupted_at; see Warehouse::MarkInterruptedRuns)
  std::string status;
  std::optional<std::string> error;
  std::optional<std::string> interrupted_at;  // when the interruption was noticed
  int64_t files = 0;
  int64_t files_loaded = 0;
  int64_t files_skipped = 0;
  int64_t files_failed = 0;
  int64_t rows_loaded = 0;  // by its loaded files: a skipped or failed file records none
  int64_t rows_rejected = 0;
  int64_t rows_duplicate = 0;
};
// The latest `limit` runs, newest first.
Result<std::vector<RunRecord>> ReadRuns(Warehouse& warehouse, int64_t limit);

// A file record.
struct FileRecord {
  int64_t file_id = 0;
  int64_t run_id = 0;
  std::string uri;
  std::string status;     // loaded, skipped or failed
  bool unloaded = false;  // loaded, and its rows left since (its key changed or went)
  int64_t rows_read = 0;
  int64_t rows_loaded = 0;
  int64_t rows_rejected = 0;
  int64_t rows_duplicate = 0;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
  std::optional<std::string> error;
};
// The latest `limit` files, newest first.
Result<std::vector<FileRecord>> ReadFiles(Warehouse& warehouse, int64_t limit);

// The stored answers of stream requests (StreamRequest) among `keys`, by idempotency key; keys
// never answered are absent.
Result<std::map<std::string, StreamRequest>> ReadStreamAnswers(Warehouse& warehouse,
                                                               std::span<const std::string> keys);

// How often one reason was met in one column, over every stored reject.
struct RejectReasonCount {
  std::string reason;
  std::optional<std::string> column;  // none for whole-row problems
  int64_t rows_rejected = 0;
  int64_t values_nulled = 0;
};
// Every reason and column met, most met first (then by reason and column).
Result<std::vector<RejectReasonCount>> ReadRejectReasons(Warehouse& warehouse);

// A stored reject with the file it came from.
struct StoredReject {
  int64_t reject_id = 0;
  int64_t file_id = 0;
  std::string uri;
  int64_t line = 0;
  std::optional<std::string> column;  // none for whole-row problems
  std::string reason;
  std::string message;
  std::string raw_line;
  bool row_rejected = true;  // false: the value loaded as null
};
// The latest `limit` rejects stored, newest first, without their raw lines (raw_line stays
// empty): they hold customer data, which the reporting role of a shared warehouse may not read.
Result<std::vector<StoredReject>> ReadRecentRejects(Warehouse& warehouse, int64_t limit);

struct RejectSelection {
  int64_t file_id = 0;  // 0: any
  int64_t run_id = 0;   // 0: any
  std::string reason;   // empty: any
  int64_t limit = 50;
};
// Up to `limit` rejects that `selection` picks, the latest file first, then by line.
Result<std::vector<StoredReject>> ReadRejects(Warehouse& warehouse,
                                              const RejectSelection& selection);

// Is data flowing: what the warehouse holds now and when it last loaded. What `till status` and
// the dashboard's freshness both show.
struct Freshness {
  // Files by status, those unloaded since aside (only loaded files are ever unloaded).
  int64_t files_loaded = 0;
  int64_t files_failed = 0;
  int64_t files_skipped = 0;
  // Rows of the loaded files the warehouse holds.
  int64_t rows_read = 0;
  int64_t rows_loaded = 0;
  int64_t rows_rejected = 0;
  int64_t rows_duplicate = 0;
  // When the newest file the warehouse holds finished loading: the age of the newest data it
  // shows. A file unloaded since (its key deleted or changed) does not count. `till status`,
  // the dashboard and the zones' own lines (ZoneFreshness) all mean this by the last load.
  std::optional<std::string> last_load_at;
  int64_t runs_running = 0;
};
Result<Freshness> ReadFreshness(Warehouse& warehouse);

// The landing zones the ledger knows, in order.
Result<std::vector<std::string>> ReadLedgerZones(Warehouse& warehouse);

// One landing zone as the ledger holds it.
struct ZoneFreshness {
  int64_t keys_loaded = 0;
  int64_t keys_failed = 0;  // keys whose content failed and waits for a change or a retry
  // When the newest file its keys hold finished loading.
  std::optional<std::string> last_load_at;
  // Rows of the files its loaded keys hold.
  int64_t rows_read = 0;
  int64_t rows_rejected = 0;
};
Result<ZoneFreshness> ReadZoneFreshness(Warehouse& warehouse, std::string_view zone);

// Sales and revenue of the members of one product attribute.
enum class ProductAttribute { kCategory, kBrand };
struct RevenueRow {
  std::string member;  // "(unknown)" for sales without one, as the dashboard labels them
  int64_t sales = 0;
  ExactSum revenue;  // exact, as the dashboard sums it
};
// The `limit` members with the most revenue, most first (then by name). Sums are exact, so
// every sale's amount is read (SQL's sum of doubles rounds at each step, in no fixed order).
// Fails with kBadFormat when an amount is beyond what a sale can be (only a warehouse loaded
// before the plausible-amount rule holds one).
Result<std::vector<RevenueRow>> ReadRevenueBy(Warehouse& warehouse, ProductAttribute attribute,
                                              int64_t limit);

// The latest run that loaded a file.
struct LastLoad {
  int64_t run_id = 0;
  std::string status;
  std::string started_at;
  std::optional<std::string> finished_at;
  int64_t rows_loaded = 0;  // by its loaded files
};
// None when no run loaded a file.
Result<std::optional<LastLoad>> ReadLastLoad(Warehouse& warehouse);

// Loads that arrived over a stream rather than as files: `till stream` batches (uri
// "stream:http:…") and `till watch kinesis://` batches ("kinesis:STREAM/shard:…"), unloaded ones
// aside. What the dashboard's Pipeline tab shows of streams.
enum class StreamKind { kHttp, kKinesis };
struct StreamTotals {
  StreamKind kind = StreamKind::kHttp;
  int64_t batches = 0;  // loaded (failed batches count in `failed`)
  int64_t failed = 0;
  int64_t rows_loaded = 0;
  int64_t rows_rejected = 0;
  int64_t rows_duplicate = 0;
  std::optional<std::string> last_batch_at;  // when the newest loaded batch finished
};
// Each kind of stream that loaded or failed a batch, in StreamKind's order.
Result<std::vector<StreamTotals>> ReadStreamTotals(Warehouse& warehouse);
struct StreamBatch {
  StreamKind kind = StreamKind::kHttp;
  std::string uri;
  std::string finished_at;
  int64_t rows_loaded = 0;
  int64_t rows_rejected = 0;
};
// The newest `limit` loaded batches, newest first: the recent rate of each stream.
Result<std::vector<StreamBatch>> ReadRecentStreamBatches(Warehouse& warehouse, int64_t limit);

}  // namespace till
