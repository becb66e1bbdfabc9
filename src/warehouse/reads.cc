#include "warehouse/reads.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <thread>
#include <tuple>
#include <utility>

#include "base/bounded_queue.h"
#include "base/date.h"
#include "warehouse/row_values.h"

namespace till {
namespace {

using row_values::Int;
using row_values::OptionalInt;
using row_values::OptionalText;
using row_values::Real;
using row_values::Row;
using row_values::Text;

// Runs `sql` and returns each row as `convert` makes it.
template <typename T, typename Convert>
Result<std::vector<T>> ReadAll(Warehouse& warehouse, std::string_view sql,
                               std::span<const std::string> params, Convert convert) {
  std::vector<T> out;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(sql, params, [&](Row row) -> Status {
    out.push_back(convert(row));
    return {};
  }));
  return out;
}

// Everything whose change makes a reader read again: runs started or finished, files recorded,
// loaded or unloaded, rejects stored.
constexpr std::string_view kSignatureSql =
    "SELECT (SELECT count(*) FROM etl_run), (SELECT coalesce(max(run_id), 0) FROM etl_run), "
    "(SELECT count(*) FROM etl_run WHERE status = 'running'), "
    "(SELECT CAST(max(finished_at) AS TEXT) FROM etl_run), "
    "(SELECT count(*) FROM etl_file), (SELECT coalesce(max(file_id), 0) FROM etl_file), "
    "(SELECT count(*) FROM etl_file WHERE unloaded_at IS NOT NULL), "
    "(SELECT count(*) FROM etl_reject)";

std::string_view AttributeSql(SaleAttribute attribute) {
  switch (attribute) {
    case SaleAttribute::kGender:
      return "SELECT gender_key, gender FROM dim_gender";
    case SaleAttribute::kIncome:
      return "SELECT income_key, income FROM dim_income";
    case SaleAttribute::kPaymentMethod:
      return "SELECT payment_method_key, payment_method FROM dim_payment_method";
    case SaleAttribute::kShippingMethod:
      return "SELECT shipping_method_key, shipping_method FROM dim_shipping_method";
    case SaleAttribute::kOrderStatus:
      return "SELECT order_status_key, order_status FROM dim_order_status";
    case SaleAttribute::kFeedback:
      return "SELECT feedback_key, feedback FROM dim_feedback";
  }
  return {};
}

// The attribute columns follow SaleAttribute's order.
// The file ids are numbers written into the statement: a list of them is spelt the same on both
// back ends, where an array parameter is not.
constexpr std::string_view kSalesSql =
    "SELECT f.date_key, f.product_key, f.location_key, c.customer_id, c.age, "
    "c.customer_segment, f.gender_key, f.income_key, f.payment_method_key, "
    "f.shipping_method_key, f.order_status_key, f.feedback_key, f.rating, f.quantity, "
    "f.total_amount, f.transaction_id, f.file_id FROM fact_sales f JOIN dim_customer c "
    "ON c.customer_key = f.customer_key WHERE f.file_id IN ({})";
constexpr size_t kFilesPerSalesScan = 1000;

// Whether a rejects statement selects raw_line, between the message and row_rejected.
enum class RawLine { kRead, kLeftOut };

StoredReject ToStoredReject(Row row, RawLine raw_line) {
  StoredReject reject;
  reject.reject_id = Int(row[0]);
  reject.file_id = Int(row[1]);
  reject.uri = Text(row[2]);
  reject.line = Int(row[3]);
  reject.column = OptionalText(row[4]);
  reject.reason = Text(row[5]);
  reject.message = Text(row[6]);
  size_t next = 7;
  if (raw_line == RawLine::kRead) reject.raw_line = Text(row[next++]);
  reject.row_rejected = Int(row[next]) != 0;
  return reject;
}

}  // namespace

Result<std::string> ReadChangeSignature(Warehouse& warehouse) {
  std::string signature;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(kSignatureSql, {}, [&](Row row) -> Status {
    for (const auto& value : row) signature += fmt::format("{}|", value.value_or("-"));
    return {};
  }));
  return signature;
}

Result<std::vector<LoadedFile>> ReadLoadedFiles(Warehouse& warehouse) {
  return ReadAll<LoadedFile>(
      warehouse,
      "SELECT file_id, sha256, rows_loaded, CAST(started_at AS TEXT) FROM etl_file "
      "WHERE status = 'loaded' AND unloaded_at IS NULL ORDER BY file_id",
      {}, [](Row row) {
        return LoadedFile{Int(row[0]), Text(row[1]), Int(row[2]), Text(row[3])};
      });
}

Result<std::set<int64_t>> ReadLoadedFileIds(Warehouse& warehouse) {
  auto files = ReadLoadedFiles(warehouse);
  TILL_RETURN_IF_ERROR(files);
  std::set<int64_t> ids;
  for (const LoadedFile& file : *files) ids.insert(file.file_id);
  return ids;
}

Result<std::map<std::string, StreamRequest>> ReadStreamAnswers(Warehouse& warehouse,
                                                               std::span<const std::string> keys) {
  std::map<std::string, StreamRequest> answers;
  constexpr size_t kKeysPerQuery = 500;
  for (size_t first = 0; first < keys.size(); first += kKeysPerQuery) {
    auto part = keys.subspan(first, std::min(kKeysPerQuery, keys.size() - first));
    std::string placeholders;
    for (size_t i = 0; i < part.size(); ++i) {
      placeholders += fmt::format("{}${}", i ? ", " : "", i + 1);
    }
    TILL_RETURN_IF_ERROR(warehouse.QueryRows(
        fmt::format("SELECT idempotency_key, body_sha256, answer FROM stream_request "
                    "WHERE idempotency_key IN ({})",
                    placeholders),
        part, [&](Row row) -> Status {
          StreamRequest& stored = answers[Text(row[0])];
          stored.idempotency_key = Text(row[0]);
          stored.body_sha256 = Text(row[1]);
          stored.answer = Text(row[2]);
          return {};
        }));
  }
  return answers;
}

Result<std::vector<ProductMember>> ReadProducts(Warehouse& warehouse) {
  return ReadAll<ProductMember>(
      warehouse, "SELECT product_key, category, brand, product_type, product_name FROM dim_product",
      {}, [](Row row) {
        return ProductMember{Int(row[0]), Text(row[1]), Text(row[2]), Text(row[3]), Text(row[4])};
      });
}

Result<std::vector<LocationMember>> ReadLocations(Warehouse& warehouse) {
  return ReadAll<LocationMember>(
      warehouse, "SELECT location_key, country, state, city FROM dim_location", {}, [](Row row) {
        return LocationMember{Int(row[0]), Text(row[1]), Text(row[2]), Text(row[3])};
      });
}

Result<std::vector<AttributeMember>> ReadAttributeMembers(Warehouse& warehouse,
                                                          SaleAttribute attribute) {
  return ReadAll<AttributeMember>(warehouse, AttributeSql(attribute), {}, [](Row row) {
    return AttributeMember{Int(row[0]), Text(row[1])};
  });
}

namespace {

// The sales of the files in `file_list` (ids separated by commas), each joined to its customer
// version in SQL: one index lookup a sale, which is what a scan of a few sales wants.
Status ScanJoinedSalesOf(Warehouse& warehouse, std::string_view file_list,
                         const SaleVisitor& visit) {
  SaleRow sale;
  return warehouse.QueryTypedRows(
      fmt::format(fmt::runtime(kSalesSql), file_list), {},
      [&](const Warehouse::TypedRow& row) -> Status {
        sale.date_key = static_cast<int32_t>(row.Int(0));
        sale.product_key = row.Int(1);
        sale.location_key = row.Int(2);
        sale.customer_id = row.IsNull(3) ? std::nullopt : std::optional(row.Text(3));
        sale.age = row.IsNull(4) ? std::nullopt : std::optional(row.Int(4));
        sale.segment = row.IsNull(5) ? std::nullopt : std::optional(row.Text(5));
        for (size_t a = 0; a < kSaleAttributes; ++a) {
          sale.attribute_keys[a] = row.Int(static_cast<int>(6 + a));
        }
        sale.rating = row.IsNull(12) ? std::nullopt : std::optional(row.Int(12));
        sale.quantity = row.Int(13);
        sale.amount = row.Real(14);
        sale.transaction_id = row.IsNull(15) ? std::nullopt : std::optional(row.Text(15));
        sale.file_id = row.Int(16);
        return visit(sale);
      });
}

// Every customer version's id, age and segment, by customer key: what a scan of many sales looks
// up in memory rather than by one B-tree descent a sale. A version costs about 18 bytes and its
// id's characters: its key, in a sorted array that a directory of the keys' leading bits cuts
// into runs of about four (a hash map's slots cost twice the key and sit half empty after a
// resize: about 1.1 GiB more at 29 million versions), where its id ends (32 bits: the ids of a
// scan stop at 4 GiB, as the cube's do), and the number of its age and segment together, of
// which there are few. Keys are content hashes, spread evenly; keys bunched together make
// longer runs, searched by halves, and cost time, not correctness.
class CustomerVersions {
 public:
  Status Read(Warehouse& warehouse, int64_t count) {
    std::vector<int64_t> keys;
    keys.reserve(static_cast<size_t>(count));
    ends_.reserve(static_cast<size_t>(count));
    profile_of_.reserve(static_cast<size_t>(count));
    TILL_RETURN_IF_ERROR(warehouse.QueryTypedRows(
        "SELECT customer_key, customer_id, age, customer_segment FROM dim_customer", {},
        [&](const Warehouse::TypedRow& row) -> Status {
          const std::string_view id = row.Text(1);
          if (ids_.size() + id.size() > std::numeric_limits<uint32_t>::max()) {
            return MakeError(ErrorCode::kBadFormat,
                             "the customer ids of the warehouse pass the 4 GiB a sales scan holds");
          }
          keys.push_back(row.Int(0));
          has_id_.push_back(!row.IsNull(1));
          ids_ += id;
          ends_.push_back(static_cast<uint32_t>(ids_.size()));
          Profile profile;
          if (!row.IsNull(2)) profile.age = row.Int(2);
          if (!row.IsNull(3)) profile.segment = row.Text(3);
          profile_of_.push_back(ProfileNumber(profile));
          return {};
        }));
    SortByKey(std::move(keys));
    return {};
  }

  // The three steps of finding a version, each of which may wait for memory: a scan takes each
  // step for a batch of keys before the next, so that their waits overlap.
  void PrefetchRun(int64_t key) const {
    if (const auto bucket = BucketOf(key)) __builtin_prefetch(&run_starts_[*bucket]);
  }
  void PrefetchKeys(int64_t key) const {
    if (const auto bucket = BucketOf(key)) __builtin_prefetch(&keys_[run_starts_[*bucket]]);
  }
  // The version of `key`, or kNone; prefetches what Describe() reads of it.
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  uint32_t Find(int64_t key) const {
    const auto bucket = BucketOf(key);
    if (!bucket) return kNone;
    const auto begin = keys_.begin() + run_starts_[*bucket];
    const auto end = keys_.begin() + run_starts_[*bucket + 1];
    const auto it = std::lower_bound(begin, end, key);
    if (it == end || *it != key) return kNone;
    const auto i = static_cast<uint32_t>(it - keys_.begin());
    __builtin_prefetch(&ends_[i]);
    __builtin_prefetch(&profile_of_[i]);
    return i;
  }
  // Fills `sale`'s customer from version `i`, found by Find().
  void Describe(uint32_t i, SaleRow& sale) const {
    const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    sale.customer_id = has_id_[i]
                           ? std::optional(std::string_view(ids_).substr(begin, ends_[i] - begin))
                           : std::nullopt;
    const Profile& profile = profiles_[profile_of_[i]];
    sale.age = profile.age;
    sale.segment =
        profile.segment ? std::optional<std::string_view>(*profile.segment) : std::nullopt;
  }

 private:
  struct Profile {
    std::optional<int64_t> age;
    std::optional<std::string> segment;
    friend bool operator==(const Profile&, const Profile&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const Profile& p) {
      return H::combine(std::move(h), p.age.has_value(), p.age.value_or(0), p.segment.has_value(),
                        p.segment.value_or(""));
    }
  };

  uint32_t ProfileNumber(const Profile& profile) {
    auto [it, added] =
        profile_number_.try_emplace(profile, static_cast<uint32_t>(profiles_.size()));
    if (added) profiles_.push_back(profile);
    return it->second;
  }

  // The run of `key`'s bucket (its distance from the least key, shifted), or none outside the
  // keys' span.
  std::optional<size_t> BucketOf(int64_t key) const {
    if (keys_.empty() || key < keys_.front() || key > keys_.back()) return std::nullopt;
    return static_cast<size_t>(
        (static_cast<uint64_t>(key) - static_cast<uint64_t>(keys_.front())) >> shift_);
  }

  // Puts the versions, read in the table's order with `keys`, in the order of their keys, and
  // cuts the keys into runs. The arrays are rebuilt rather than reached through a permutation:
  // that would cost 4 bytes and a wait for memory a lookup, and the copies are made while the
  // scan holds nothing else.
  void SortByKey(std::vector<int64_t> keys) {
    const size_t n = keys.size();
    std::vector<std::pair<int64_t, uint32_t>> sorted(n);
    for (size_t i = 0; i < n; ++i) sorted[i] = {keys[i], static_cast<uint32_t>(i)};
    std::vector<int64_t>().swap(keys);
    std::sort(sorted.begin(), sorted.end());
    keys_.resize(n);
    std::string ids;
    ids.reserve(ids_.size());
    std::vector<uint32_t> ends(n), profile_of(n);
    std::vector<bool> has_id(n);
    for (size_t p = 0; p < n; ++p) {
      const uint32_t i = sorted[p].second;
      keys_[p] = sorted[p].first;
      const uint32_t begin = i == 0 ? 0 : ends_[i - 1];
      ids.append(ids_, begin, ends_[i] - begin);
      ends[p] = static_cast<uint32_t>(ids.size());
      profile_of[p] = profile_of_[i];
      has_id[p] = has_id_[i];
    }
    std::vector<std::pair<int64_t, uint32_t>>().swap(sorted);
    ids_ = std::move(ids);
    ends_ = std::move(ends);
    profile_of_ = std::move(profile_of);
    has_id_ = std::move(has_id);
    if (n == 0) return;
    // About four keys a run: as many buckets as a quarter of the keys, rounded to a power of
    // two, over the keys' span.
    const uint64_t span =
        static_cast<uint64_t>(keys_.back()) - static_cast<uint64_t>(keys_.front());
    const int span_bits = static_cast<int>(std::bit_width(span));
    const int bucket_bits = static_cast<int>(std::bit_width(std::max<size_t>(n / 4, 1)));
    shift_ = std::max(span_bits - bucket_bits, 0);
    const size_t buckets = static_cast<size_t>(span >> shift_) + 1;
    run_starts_.assign(buckets + 1, 0);
    size_t p = 0;
    for (size_t bucket = 0; bucket <= buckets; ++bucket) {
      while (p < n && *BucketOf(keys_[p]) < bucket) ++p;
      run_starts_[bucket] = static_cast<uint32_t>(p);
    }
  }

  std::vector<int64_t> keys_;         // sorted
  std::vector<uint32_t> run_starts_;  // where each bucket's keys start in keys_, and the end
  int shift_ = 0;                     // a key's distance from the least, shifted: its bucket
  std::string ids_;
  std::vector<uint32_t> ends_;
  std::vector<bool> has_id_;
  std::vector<uint32_t> profile_of_;
  std::vector<Profile> profiles_;
  absl::flat_hash_map<Profile, uint32_t> profile_number_;
};

// The facts' columns a scan of many sales reads, without the customer's.
constexpr std::string_view kFactsSql =
    "SELECT f.date_key, f.product_key, f.location_key, f.customer_key, f.gender_key, "
    "f.income_key, f.payment_method_key, f.shipping_method_key, f.order_status_key, "
    "f.feedback_key, f.rating, f.quantity, f.total_amount, f.transaction_id, f.file_id "
    "FROM fact_sales f{}";

// The sales of the files `file_ids`, each given its customer from `versions`: the fact table read
// whole (`whole`, keeping the wanted files' rows) or by the files' index, a statement for each of
// `file_lists` (the ids spelt a thousand to a list). Rows are handed to `visit` in batches whose
// customer keys were asked of memory together (prefetch), rather than one cache miss after another.
Status ScanFactsWithVersions(Warehouse& warehouse, std::span<const int64_t> file_ids,
                             std::span<const std::string> file_lists, bool whole,
                             const CustomerVersions& versions, const SaleVisitor& visit) {
  absl::flat_hash_set<int64_t> wanted;
  if (whole) wanted.insert(file_ids.begin(), file_ids.end());
  constexpr size_t kBatch = 256;
  std::vector<SaleRow> batch;
  std::vector<int64_t> customer_keys;
  std::vector<uint32_t> found;  // the batch's customer versions
  std::string transactions;     // the batch's transaction ids end to end
  std::vector<std::pair<size_t, size_t>> transaction_spans;
  batch.reserve(kBatch);
  auto flush = [&]() -> Status {
    for (int64_t key : customer_keys) versions.PrefetchRun(key);
    for (int64_t key : customer_keys) versions.PrefetchKeys(key);
    found.clear();
    for (size_t i = 0; i < batch.size(); ++i) {
      found.push_back(versions.Find(customer_keys[i]));
      if (found.back() == CustomerVersions::kNone) {
        return MakeError(ErrorCode::kWarehouseError,
                         fmt::format("file {} holds a sale whose customer key {} is in no "
                                     "version of dim_customer",
                                     batch[i].file_id, customer_keys[i]));
      }
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      SaleRow& sale = batch[i];
      versions.Describe(found[i], sale);
      if (sale.transaction_id) {
        const auto [begin, size] = transaction_spans[i];
        sale.transaction_id = std::string_view(transactions).substr(begin, size);
      }
      TILL_RETURN_IF_ERROR(visit(sale));
    }
    batch.clear();
    customer_keys.clear();
    transactions.clear();
    transaction_spans.clear();
    return {};
  };
  auto take = [&](const Warehouse::TypedRow& row) -> Status {
    const int64_t file_id = row.Int(14);
    if (whole && !wanted.contains(file_id)) return {};
    SaleRow& sale = batch.emplace_back();
    sale.file_id = file_id;
    sale.date_key = static_cast<int32_t>(row.Int(0));
    sale.product_key = row.Int(1);
    sale.location_key = row.Int(2);
    customer_keys.push_back(row.Int(3));
    for (size_t a = 0; a < kSaleAttributes; ++a) {
      sale.attribute_keys[a] = row.Int(static_cast<int>(4 + a));
    }
    sale.rating = row.IsNull(10) ? std::nullopt : std::optional(row.Int(10));
    sale.quantity = row.Int(11);
    sale.amount = row.Real(12);
    // Pointed at `transactions` once the batch is whole: the buffer may move as it grows.
    sale.transaction_id = row.IsNull(13) ? std::nullopt : std::optional(std::string_view());
    const std::string_view transaction = row.Text(13);
    transaction_spans.emplace_back(transactions.size(), transaction.size());
    transactions += transaction;
    return batch.size() < kBatch ? Status() : flush();
  };
  if (whole) {
    TILL_RETURN_IF_ERROR(
        warehouse.QueryTypedRows(fmt::format(fmt::runtime(kFactsSql), ""), {}, take));
  } else {
    for (const std::string& list : file_lists) {
      TILL_RETURN_IF_ERROR(warehouse.QueryTypedRows(
          fmt::format(fmt::runtime(kFactsSql), fmt::format(" WHERE f.file_id IN ({})", list)), {},
          take));
    }
  }
  return flush();
}

Result<int64_t> CountOf(Warehouse& warehouse, std::string_view sql) {
  int64_t count = 0;
  TILL_RETURN_IF_ERROR(
      warehouse.QueryTypedRows(sql, {}, [&](const Warehouse::TypedRow& row) -> Status {
        count = row.Int(0);
        return {};
      }));
  return count;
}

}  // namespace

Status ScanSales(Warehouse& warehouse, std::span<const int64_t> file_ids, const SaleVisitor& visit,
                 SalesScanPlan plan) {
  if (file_ids.empty()) return {};
  std::vector<std::string> lists;
  for (size_t at = 0; at < file_ids.size(); at += kFilesPerSalesScan) {
    auto some = file_ids.subspan(at, std::min(kFilesPerSalesScan, file_ids.size() - at));
    lists.push_back(fmt::format("{}", fmt::join(some, ", ")));
  }
  // Which plan is cheaper depends on how many sales the files hold against how many customer
  // versions there are. Measured on SQLite with 3 to 4 million versions: a join costs about
  // 3.4 µs a sale (two index descents into tables of millions of rows, each missing the cache
  // several times), reading every version first about 0.9 µs a version, plus about 27 bytes
  // and the id each while the scan runs. So the versions are read first when the sales number more
  // than a quarter of them. Counting the files' sales walks their index only.
  auto joined = [&]() -> Status {
    for (const std::string& list : lists) {
      TILL_RETURN_IF_ERROR(ScanJoinedSalesOf(warehouse, list, visit));
    }
    return {};
  };
  if (plan == SalesScanPlan::kJoin) return joined();
  int64_t sales = 0;
  for (const std::string& list : lists) {
    auto count = CountOf(
        warehouse, fmt::format("SELECT count(*) FROM fact_sales WHERE file_id IN ({})", list));
    TILL_RETURN_IF_ERROR(count);
    sales += *count;
  }
  constexpr int64_t kJoinedBelow = 20000, kVersionsPerSale = 4;
  if (plan == SalesScanPlan::kChoose && sales < kJoinedBelow) return joined();
  auto versions = CountOf(warehouse, "SELECT count(*) FROM dim_customer");
  TILL_RETURN_IF_ERROR(versions);
  if (plan == SalesScanPlan::kChoose && sales * kVersionsPerSale < *versions) return joined();
  // Files that hold most of the fact table are read with it whole, in its order, rather than
  // through their index, a table lookup a sale.
  auto facts = CountOf(warehouse, "SELECT count(*) FROM fact_sales");
  TILL_RETURN_IF_ERROR(facts);
  const bool whole = sales * 2 >= *facts;
  CustomerVersions customers;
  TILL_RETURN_IF_ERROR(customers.Read(warehouse, *versions));
  return ScanFactsWithVersions(warehouse, file_ids, lists, whole, customers, visit);
}

namespace {

// Rows of one of ScanCustomerSales' two scans, a batch at a time, handed from the thread that
// steps the query to the one that numbers and visits them. Texts (a customer id, or a
// transaction id) are end to end in `texts`; `has_text` says whether a fact's transaction id
// is there at all.
struct CustomerScanBatch {
  bool facts = false;  // else customer versions: key and id
  std::vector<int64_t> keys;
  std::string texts;
  std::vector<uint32_t> text_ends;
  std::vector<uint8_t> has_text;
  std::vector<int32_t> dates;
  std::vector<double> amounts;

  size_t size() const { return keys.size(); }
  std::string_view text(size_t i) const {
    const uint32_t begin = i == 0 ? 0 : text_ends[i - 1];
    return std::string_view(texts).substr(begin, text_ends[i] - begin);
  }
  void clear() {
    keys.clear();
    texts.clear();
    text_ends.clear();
    has_text.clear();
    dates.clear();
    amounts.clear();
  }
};

// What the visiting thread of ScanCustomerSales does with the batches: numbers each distinct
// customer id (in the order the customer versions come), then looks up each sale's customer
// version and hands the sale to the visitor.
class CustomerSaleNumbering {
 public:
  CustomerSaleNumbering(const CustomerSaleVisitor& visit, int64_t versions) : visit_(visit) {
    number_of_key_.reserve(static_cast<size_t>(versions));
  }

  Status Take(const CustomerScanBatch& batch) {
    if (!batch.facts) {
      NumberVersions(batch);
      return {};
    }
    if (!sealed_) Seal();
    return VisitSales(batch);
  }

 private:
  // The maps' slots for a batch's keys are asked of memory together (prefetch) before any is
  // read, rather than one cache miss after another (the keys are random, the maps several
  // megabytes).
  void NumberVersions(const CustomerScanBatch& batch) {
    for (size_t i = 0; i < batch.size(); ++i) {
      number_of_key_.prefetch(batch.keys[i]);
      const std::string_view id = batch.text(i);
      number_of_id_.prefetch(absl::string_view(id.data(), id.size()));
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string_view id = batch.text(i);
      auto it = number_of_id_.find(absl::string_view(id.data(), id.size()));
      if (it == number_of_id_.end()) {
        it = number_of_id_.emplace(std::string(id), static_cast<uint32_t>(id_ends_.size())).first;
        id_bytes_ += id;
        id_ends_.push_back(id_bytes_.size());
      }
      number_of_key_.emplace(batch.keys[i], it->second);
    }
  }

  // Once every version is numbered: the ids by number, and the map from ids let go.
  void Seal() {
    sealed_ = true;
    number_of_id_ = {};
    ids_.resize(id_ends_.size());
    for (size_t i = 0, begin = 0; i < ids_.size(); begin = id_ends_[i++]) {
      ids_[i] = std::string_view(id_bytes_).substr(begin, id_ends_[i] - begin);
    }
  }

  // In three passes over the batch, so that each pass's cache misses overlap rather than come
  // one after another: the keys' slots in the map are asked of memory, then the numbers found
  // there and their ids asked of memory, then the sales visited.
  Status VisitSales(const CustomerScanBatch& batch) {
    for (size_t i = 0; i < batch.size(); ++i) number_of_key_.prefetch(batch.keys[i]);
    numbers_.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      auto it = number_of_key_.find(batch.keys[i]);
      numbers_[i] = it == number_of_key_.end() ? kNoCustomer : it->second;
      if (numbers_[i] != kNoCustomer) __builtin_prefetch(&ids_[numbers_[i]]);
    }
    CustomerSaleRow sale;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (numbers_[i] == kNoCustomer) continue;  // no customer id
      sale.customer = numbers_[i];
      sale.customer_id = ids_[numbers_[i]];
      if (batch.has_text[i]) {
        sale.transaction_id = batch.text(i);
      } else {
        sale.transaction_id.reset();
      }
      sale.date_key = batch.dates[i];
      sale.amount = batch.amounts[i];
      TILL_RETURN_IF_ERROR(visit_(sale));
    }
    return {};
  }

  static constexpr uint32_t kNoCustomer = UINT32_MAX;
  const CustomerSaleVisitor& visit_;
  absl::flat_hash_map<int64_t, uint32_t> number_of_key_;
  std::vector<uint32_t> numbers_;  // VisitSales': each sale's customer number, or kNoCustomer
  absl::flat_hash_map<std::string, uint32_t> number_of_id_;
  std::string id_bytes_;  // each distinct id once, end to end, in order of number
  std::vector<size_t> id_ends_;
  std::vector<std::string_view> ids_;
  bool sealed_ = false;
};

}  // namespace

Status ScanCustomerSales(Warehouse& warehouse, const CustomerSaleVisitor& visit) {
  // Two plain scans joined here rather than a join in SQL: the customer versions (about one per
  // sale in this data) are looked up by hash instead of one B-tree descent per sale, which
  // makes the read several times faster on SQLite. Each distinct customer id is kept once, and
  // numbered so that the caller need not hash it again. Numbers are read as numbers
  // (QueryTypedRows), not written out as text and parsed back. The keys are content hashes, not
  // dense numbers, so they are looked up in a hash map, sized from a count first (growing it
  // rehashed every entry several times).
  //
  // Two threads share the work: this one steps the queries and copies each row into a batch,
  // another numbers the batches' rows and visits the sales, in the order the rows came. Each
  // side took about half of the time the whole read took on one thread. Batches go back to
  // this thread once used, so that their memory is reused rather than asked anew.
  auto counted =
      CountOf(warehouse, "SELECT count(*) FROM dim_customer WHERE customer_id IS NOT NULL");
  TILL_RETURN_IF_ERROR(counted);
  const int64_t versions = *counted;
  constexpr size_t kBatchRows = 2048, kBatchesInFlight = 4;
  BoundedQueue<std::unique_ptr<CustomerScanBatch>> full(kBatchesInFlight);
  BoundedQueue<std::unique_ptr<CustomerScanBatch>> used(kBatchesInFlight + 1);
  for (size_t i = 0; i < kBatchesInFlight + 1; ++i) {
    used.Push(std::make_unique<CustomerScanBatch>());
  }
  Status visited;
  std::thread visitor([&] {
    CustomerSaleNumbering numbering(visit, versions);
    while (auto batch = full.Pop()) {
      if (visited) visited = numbering.Take(**batch);
      if (!visited) used.Close();  // the stepping thread stops at its next batch
      (*batch)->clear();
      used.Push(std::move(*batch));
    }
  });
  std::unique_ptr<CustomerScanBatch> batch = *used.Pop();
  // Hands the batch over and takes an empty one; false once the visitor has failed.
  auto hand_over = [&]() -> bool {
    if (!full.Push(std::move(batch))) return false;
    auto next = used.Pop();
    if (!next) return false;
    batch = std::move(*next);
    return true;
  };
  const Status stop = MakeError(ErrorCode::kInternal, "the visitor failed");  // never returned
  Status stepped = warehouse.ReadConsistently([&]() -> Status {
    batch->facts = false;
    TILL_RETURN_IF_ERROR(warehouse.QueryTypedRows(
        "SELECT customer_key, customer_id FROM dim_customer WHERE customer_id IS NOT NULL", {},
        [&](const Warehouse::TypedRow& row) -> Status {
          batch->keys.push_back(row.Int(0));
          batch->texts += row.Text(1);
          batch->text_ends.push_back(static_cast<uint32_t>(batch->texts.size()));
          if (batch->size() < kBatchRows) return {};
          if (!hand_over()) return stop;
          batch->facts = false;
          return {};
        }));
    if (batch->size() > 0 && !hand_over()) return stop;
    batch->facts = true;
    TILL_RETURN_IF_ERROR(warehouse.QueryTypedRows(
        "SELECT customer_key, transaction_id, date_key, total_amount FROM fact_sales "
        "WHERE date_key <> 0",
        {}, [&](const Warehouse::TypedRow& row) -> Status {
          batch->keys.push_back(row.Int(0));
          const bool has_transaction = !row.IsNull(1);
          if (has_transaction) batch->texts += row.Text(1);
          batch->has_text.push_back(has_transaction ? 1 : 0);
          batch->text_ends.push_back(static_cast<uint32_t>(batch->texts.size()));
          batch->dates.push_back(static_cast<int32_t>(row.Int(2)));
          batch->amounts.push_back(row.Real(3));
          if (batch->size() < kBatchRows) return {};
          if (!hand_over()) return stop;
          batch->facts = true;
          return {};
        }));
    if (batch->size() > 0 && !hand_over()) return stop;
    return {};
  });
  full.Close();
  visitor.join();
  if (!visited) return visited;
  return stepped;
}

Result<std::vector<CustomerSegmentRow>> ReadCustomerSegments(Warehouse& warehouse) {
  std::vector<CustomerSegmentRow> rows;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      "SELECT customer_id, CAST(as_of_date AS TEXT), recency_days, frequency, monetary, r_score, "
      "f_score, m_score, segment, cluster, expected_purchases_90d, p_alive, "
      "expected_order_value, clv_12m, run_id FROM customer_segment ORDER BY customer_id",
      {}, [&](Row row) -> Status {
        CustomerSegmentRow& out = rows.emplace_back();
        out.customer_id = Text(row[0]);
        const auto date = ParseIsoDate(Text(row[1]));
        if (!date) {
          return MakeError(ErrorCode::kWarehouseError,
                           fmt::format("customer_segment: as_of_date '{}' of customer {} is not a "
                                       "date",
                                       Text(row[1]), out.customer_id));
        }
        out.as_of_key = date->Key();
        out.recency_days = Int(row[2]);
        out.frequency = Int(row[3]);
        out.monetary = Real(row[4]);
        out.r_score = static_cast<int>(Int(row[5]));
        out.f_score = static_cast<int>(Int(row[6]));
        out.m_score = static_cast<int>(Int(row[7]));
        out.segment = Text(row[8]);
        out.cluster = static_cast<int>(Int(row[9]));
        out.expected_purchases_90d = Real(row[10]);
        out.p_alive = Real(row[11]);
        out.expected_order_value = Real(row[12]);
        out.clv_12m = Real(row[13]);
        out.run_id = OptionalInt(row[14]);
        return {};
      }));
  return rows;
}

Result<std::optional<int64_t>> CountSegmentCustomers(Warehouse& warehouse,
                                                     std::span<const std::string_view> segments,
                                                     double min_clv) {
  std::vector<std::string> params{fmt::format("{}", min_clv)};
  std::string in;
  for (std::string_view name : segments) {
    params.emplace_back(name);
    in += fmt::format("{}${}", in.empty() ? "" : ", ", params.size());
  }
  if (in.empty()) in = "NULL";
  std::optional<int64_t> all, chosen;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      fmt::format("SELECT count(*), coalesce(sum(CASE WHEN segment IN ({}) AND clv_12m >= "
                  "CAST($1 AS DOUBLE PRECISION) THEN 1 ELSE 0 END), 0) FROM customer_segment",
                  in),
      params, [&](Row row) -> Status {
        all = Int(row[0]);
        chosen = Int(row[1]);
        return {};
      }));
  if (!all || *all == 0) return std::optional<int64_t>();
  return chosen;
}

Result<std::vector<DailySalesRow>> ReadDailySales(Warehouse& warehouse, SalesGrouping grouping,
                                                  SalesMeasure measure,
                                                  const DailySalesFilter& filter) {
  // The sales are scanned and summed here, the few members they name looked up in memory,
  // rather than joined and grouped in SQL: SQLite's GROUP BY sorts every sale, which took ten
  // times as long as this scan on the demo warehouse. Revenue is summed exactly (ExactSum), so
  // that it is the same in any order and on either back end.
  const bool by_category =
      grouping == SalesGrouping::kCategory || grouping == SalesGrouping::kCountryCategory;
  const bool by_country =
      grouping == SalesGrouping::kCountry || grouping == SalesGrouping::kCountryCategory;
  const bool by_brand = grouping == SalesGrouping::kBrand;
  const bool read_products =
      by_category || by_brand || !filter.categories.empty() || !filter.brands.empty();
  const bool read_locations = by_country || !filter.countries.empty();

  // Each member's series part, numbered; a member a filter leaves out is kExcluded.
  constexpr int32_t kExcluded = -1;
  constexpr std::string_view kUnknown = "(unknown)";
  auto allowed = [](const std::vector<std::string>& members, std::string_view member) {
    return members.empty() || std::find(members.begin(), members.end(), member) != members.end();
  };
  std::vector<std::string> part_names;  // the series parts of products, then of locations
  std::map<std::string, int32_t, std::less<>> part_numbers;
  auto number_of = [&](std::string_view part) {
    auto it = part_numbers.find(part);
    if (it == part_numbers.end()) {
      it = part_numbers.emplace(std::string(part), static_cast<int32_t>(part_names.size())).first;
      part_names.emplace_back(part);
    }
    return it->second;
  };
  // Without a lookup, every sale is part 0 of its side: the empty name.
  absl::flat_hash_map<int64_t, int32_t> product_part, location_part;
  if (read_products) {
    TILL_RETURN_IF_ERROR(warehouse.QueryTypedRows(
        "SELECT product_key, category, brand FROM dim_product", {},
        [&](const Warehouse::TypedRow& row) -> Status {
          std::string_view category = row.IsNull(1) ? kUnknown : row.Text(1);
          std::string_view brand = row.IsNull(2) ? kUnknown : row.Text(2);
          int32_t part = kExcluded;
          if (allowed(filter.categories, category) && allowed(filter.brands, brand)) {
            part = by_category ? number_of(category) : by_brand ? number_of(brand) : number_of("");
          }
          product_part.emplace(row.Int(0), part);
          return {};
        }));
  }
  if (read_locations) {
    TILL_RETURN_IF_ERROR(warehouse.QueryTypedRows(
        "SELECT location_key, country FROM dim_location", {},
        [&](const Warehouse::TypedRow& row) -> Status {
          std::string_view country = row.IsNull(1) ? kUnknown : row.Text(1);
          location_part.emplace(row.Int(0), allowed(filter.countries, country)
                                                ? number_of(by_country ? country : "")
                                                : kExcluded);
          return {};
        }));
  }
  const int32_t no_part = number_of("");

  std::vector<std::string> params;
  std::string where = "date_key <> 0";
  if (filter.from_key != 0) {
    params.push_back(std::to_string(filter.from_key));
    where += fmt::format(" AND date_key >= ${}", params.size());
  }
  if (filter.to_key != 0) {
    params.push_back(std::to_string(filter.to_key));
    where += fmt::format(" AND date_key <= ${}", params.size());
  }
  std::string_view value = measure == SalesMeasure::kRevenue ? "total_amount"
                           : measure == SalesMeasure::kUnits ? "quantity"
                                                             : "1";
  struct Cell {
    ExactSum revenue;
    int64_t count = 0;  // units or sale rows
  };
  // Keyed by the product part, the location part and the day.
  absl::flat_hash_map<std::tuple<int32_t, int32_t, int32_t>, Cell> cells;
  auto part_of = [&](const absl::flat_hash_map<int64_t, int32_t>& parts, bool read, int64_t key) {
    if (!read) return no_part;
    auto it = parts.find(key);
    // A key with no member (which the foreign keys forbid) groups as unknown.
    return it == parts.end() ? number_of(kUnknown) : it->second;
  };
  TILL_RETURN_IF_ERROR(warehouse.QueryTypedRows(
      fmt::format("SELECT date_key, product_key, location_key, {}, file_id FROM fact_sales "
                  "WHERE {}",
                  value, where),
      params, [&](const Warehouse::TypedRow& row) -> Status {
        const int32_t product = part_of(product_part, read_products, row.Int(1));
        const int32_t location = part_of(location_part, read_locations, row.Int(2));
        if (product == kExcluded || location == kExcluded) return {};
        Cell& cell = cells[{product, location, static_cast<int32_t>(row.Int(0))}];
        if (measure != SalesMeasure::kRevenue) {
          cell.count += row.Int(3);
          return {};
        }
        const double amount = row.Real(3);
        if (!IsExactAmount(amount)) {
          return MakeError(ErrorCode::kBadFormat,
                           fmt::format("file {} holds a sale whose total amount {} is beyond what "
                                       "a sale can be, loaded before Till refused implausible "
                                       "amounts; unload that file and load it again",
                                       row.Int(4), amount));
        }
        cell.revenue.Add(amount);
        return {};
      }));

  std::vector<DailySalesRow> out;
  out.reserve(cells.size());
  for (const auto& [key, cell] : cells) {
    const auto& [product, location, day] = key;
    std::string series;
    if (by_category && by_country) {
      series = part_names[location] + " / " + part_names[product];
    } else if (by_category || by_brand) {
      series = part_names[product];
    } else if (by_country) {
      series = part_names[location];
    }
    const double v = measure == SalesMeasure::kRevenue ? cell.revenue.RoundedToCents()
                                                       : static_cast<double>(cell.count);
    out.push_back(DailySalesRow{std::move(series), day, v});
  }
  std::sort(out.begin(), out.end(), [](const DailySalesRow& a, const DailySalesRow& b) {
    return std::tie(a.series, a.date_key) < std::tie(b.series, b.date_key);
  });
  // Series that group several parts as one (a total filtered by category) hold a day once per
  // part: add those up.
  std::vector<DailySalesRow> merged;
  merged.reserve(out.size());
  for (DailySalesRow& row : out) {
    if (!merged.empty() && merged.back().series == row.series &&
        merged.back().date_key == row.date_key) {
      merged.back().value += row.value;
    } else {
      merged.push_back(std::move(row));
    }
  }
  return merged;
}

Result<std::vector<RunRecord>> ReadRuns(Warehouse& warehouse, int64_t limit) {
  return ReadAll<RunRecord>(
      warehouse,
      "SELECT r.run_id, r.trigger, r.started_at, r.finished_at, "
      "  CASE WHEN r.interrupted_at IS NULL THEN r.status ELSE 'interrupted' END, r.error, "
      "  count(f.file_id), "
      "  sum(CASE WHEN f.status = 'loaded' THEN 1 ELSE 0 END), "
      "  sum(CASE WHEN f.status = 'skipped' THEN 1 ELSE 0 END), "
      "  sum(CASE WHEN f.status = 'failed' THEN 1 ELSE 0 END), "
      "  coalesce(sum(CASE WHEN f.status = 'loaded' THEN f.rows_loaded END), 0), "
      "  coalesce(sum(f.rows_rejected), 0), coalesce(sum(f.rows_duplicate), 0), "
      "  r.interrupted_at "
      "FROM etl_run r LEFT JOIN etl_file f ON f.run_id = r.run_id "
      "GROUP BY r.run_id, r.trigger, r.started_at, r.finished_at, r.status, r.error, "
      "  r.interrupted_at "
      "ORDER BY r.run_id DESC LIMIT $1",
      std::vector<std::string>{std::to_string(limit)}, [](Row row) {
        RunRecord run;
        run.run_id = Int(row[0]);
        run.trigger = Text(row[1]);
        run.started_at = Text(row[2]);
        run.finished_at = OptionalText(row[3]);
        run.status = Text(row[4]);
        run.error = OptionalText(row[5]);
        run.files = Int(row[6]);
        run.files_loaded = Int(row[7]);
        run.files_skipped = Int(row[8]);
        run.files_failed = Int(row[9]);
        run.rows_loaded = Int(row[10]);
        run.rows_rejected = Int(row[11]);
        run.rows_duplicate = Int(row[12]);
        run.interrupted_at = OptionalText(row[13]);
        return run;
      });
}

Result<std::vector<FileRecord>> ReadFiles(Warehouse& warehouse, int64_t limit) {
  return ReadAll<FileRecord>(
      warehouse,
      "SELECT file_id, run_id, uri, status, rows_read, rows_loaded, rows_rejected, "
      "rows_duplicate, started_at, finished_at, error, unloaded_at FROM etl_file "
      "ORDER BY file_id DESC LIMIT $1",
      std::vector<std::string>{std::to_string(limit)}, [](Row row) {
        FileRecord file;
        file.file_id = Int(row[0]);
        file.run_id = Int(row[1]);
        file.uri = Text(row[2]);
        file.status = Text(row[3]);
        file.rows_read = Int(row[4]);
        file.rows_loaded = Int(row[5]);
        file.rows_rejected = Int(row[6]);
        file.rows_duplicate = Int(row[7]);
        file.started_at = OptionalText(row[8]);
        file.finished_at = OptionalText(row[9]);
        file.error = OptionalText(row[10]);
        file.unloaded = row[11].has_value();
        return file;
      });
}

Result<std::vector<RejectReasonCount>> ReadRejectReasons(Warehouse& warehouse) {
  return ReadAll<RejectReasonCount>(
      warehouse,
      "SELECT reason, column_name, sum(CASE WHEN row_rejected THEN 1 ELSE 0 END), count(*) "
      "FROM etl_reject "
      "GROUP BY reason, column_name ORDER BY count(*) DESC, reason, column_name",
      {}, [](Row row) {
        int64_t rows = Int(row[2]);
        return RejectReasonCount{Text(row[0]), OptionalText(row[1]), rows, Int(row[3]) - rows};
      });
}

Result<std::vector<StoredReject>> ReadRecentRejects(Warehouse& warehouse, int64_t limit) {
  return ReadAll<StoredReject>(
      warehouse,
      "SELECT r.reject_id, r.file_id, f.uri, r.line, r.column_name, r.reason, r.message, "
      "CASE WHEN r.row_rejected THEN 1 ELSE 0 END "
      "FROM etl_reject r JOIN etl_file f ON f.file_id = r.file_id "
      "ORDER BY r.reject_id DESC LIMIT $1",
      std::vector<std::string>{std::to_string(limit)},
      [](Row row) { return ToStoredReject(row, RawLine::kLeftOut); });
}

Result<std::vector<StoredReject>> ReadRejects(Warehouse& warehouse,
                                              const RejectSelection& selection) {
  return ReadAll<StoredReject>(
      warehouse,
      "SELECT j.reject_id, j.file_id, f.uri, j.line, j.column_name, j.reason, j.message, "
      "  j.raw_line, CASE WHEN j.row_rejected THEN 1 ELSE 0 END "
      "FROM etl_reject j JOIN etl_file f ON f.file_id = j.file_id "
      "WHERE (CAST($1 AS INTEGER) = 0 OR j.file_id = CAST($1 AS INTEGER)) "
      "  AND (CAST($2 AS INTEGER) = 0 OR f.run_id = CAST($2 AS INTEGER)) "
      "  AND ($3 = '' OR j.reason = $3) "
      "ORDER BY j.file_id DESC, j.line LIMIT CAST($4 AS INTEGER)",
      std::vector<std::string>{std::to_string(selection.file_id), std::to_string(selection.run_id),
                               selection.reason, std::to_string(selection.limit)},
      [](Row row) { return ToStoredReject(row, RawLine::kRead); });
}

Result<Freshness> ReadFreshness(Warehouse& warehouse) {
  Freshness f;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      "SELECT status, count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
      "coalesce(sum(rows_rejected), 0), coalesce(sum(rows_duplicate), 0), max(finished_at) "
      "FROM etl_file WHERE unloaded_at IS NULL GROUP BY status",
      {}, [&](Row row) -> Status {
        std::string status = Text(row[0]);
        if (status == "loaded") {
          f.files_loaded = Int(row[1]);
          f.rows_read = Int(row[2]);
          f.rows_loaded = Int(row[3]);
          f.rows_rejected = Int(row[4]);
          f.rows_duplicate = Int(row[5]);
          f.last_load_at = OptionalText(row[6]);
        } else if (status == "failed") {
          f.files_failed = Int(row[1]);
        } else if (status == "skipped") {
          f.files_skipped = Int(row[1]);
        }
        return {};
      }));
  TILL_RETURN_IF_ERROR(warehouse.QueryRows("SELECT count(*) FROM etl_run WHERE status = 'running'",
                                           {}, [&](Row row) -> Status {
                                             f.runs_running = Int(row[0]);
                                             return {};
                                           }));
  return f;
}

Result<std::vector<std::string>> ReadLedgerZones(Warehouse& warehouse) {
  return ReadAll<std::string>(warehouse, "SELECT DISTINCT zone FROM landing_key ORDER BY zone", {},
                              [](Row row) { return Text(row[0]); });
}

Result<ZoneFreshness> ReadZoneFreshness(Warehouse& warehouse, std::string_view zone) {
  ZoneFreshness z;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      "SELECT sum(CASE WHEN k.status = 'loaded' THEN 1 ELSE 0 END), "
      "  sum(CASE WHEN k.status = 'failed' THEN 1 ELSE 0 END), "
      "  max(CASE WHEN f.status = 'loaded' THEN f.finished_at END), "
      "  sum(CASE WHEN k.status = 'loaded' THEN f.rows_read END), "
      "  sum(CASE WHEN k.status = 'loaded' THEN f.rows_rejected END) "
      "FROM landing_key k LEFT JOIN etl_file f ON f.file_id = k.file_id WHERE k.zone = $1",
      std::vector<std::string>{std::string(zone)}, [&](Row row) -> Status {
        z.keys_loaded = Int(row[0]);
        z.keys_failed = Int(row[1]);
        z.last_load_at = OptionalText(row[2]);
        z.rows_read = Int(row[3]);
        z.rows_rejected = Int(row[4]);
        return {};
      }));
  return z;
}

Result<std::vector<RevenueRow>> ReadRevenueBy(Warehouse& warehouse, ProductAttribute attribute,
                                              int64_t limit) {
  std::string_view column = attribute == ProductAttribute::kCategory ? "category" : "brand";
  std::map<std::string, RevenueRow, std::less<>> members;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      fmt::format("SELECT coalesce(p.{}, '(unknown)'), f.total_amount, f.file_id "
                  "FROM fact_sales f JOIN dim_product p ON p.product_key = f.product_key",
                  column),
      {}, [&](Row row) -> Status {
        double amount = Real(row[1]);
        if (!IsExactAmount(amount)) {
          return MakeError(ErrorCode::kBadFormat,
                           fmt::format("file {} holds a sale whose total amount {} is beyond what "
                                       "a sale can be, loaded before Till refused implausible "
                                       "amounts; unload that file and load it again",
                                       Int(row[2]), amount));
        }
        std::string_view member = row[0].value_or("");
        auto it = members.find(member);
        if (it == members.end()) {
          it = members.emplace(std::string(member), RevenueRow{std::string(member), 0, {}}).first;
        }
        it->second.sales += 1;
        it->second.revenue.Add(amount);
        return {};
      }));
  std::vector<RevenueRow> rows;
  for (auto& [unused, row] : members) rows.push_back(std::move(row));
  std::stable_sort(rows.begin(), rows.end(),
                   [](const RevenueRow& a, const RevenueRow& b) { return a.revenue > b.revenue; });
  if (static_cast<int64_t>(rows.size()) > limit) rows.resize(static_cast<size_t>(limit));
  return rows;
}

Result<std::optional<LastLoad>> ReadLastLoad(Warehouse& warehouse) {
  std::optional<LastLoad> last;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      "SELECT r.run_id, r.status, r.started_at, r.finished_at, sum(f.rows_loaded) "
      "FROM etl_run r JOIN etl_file f ON f.run_id = r.run_id AND f.status = 'loaded' "
      "GROUP BY r.run_id ORDER BY r.run_id DESC LIMIT 1",
      {}, [&](Row row) -> Status {
        last = LastLoad{Int(row[0]), Text(row[1]), Text(row[2]), OptionalText(row[3]), Int(row[4])};
        return {};
      }));
  return last;
}

namespace {

// Which stream a batch's uri names (as StreamKind's numbers), and the condition that selects
// batches: both back ends read them alike.
constexpr std::string_view kStreamKindSql = "CASE WHEN uri LIKE 'kinesis:%' THEN 1 ELSE 0 END";
constexpr std::string_view kStreamBatchSql =
    "(uri LIKE 'stream:http:%' OR uri LIKE 'kinesis:%') AND unloaded_at IS NULL";

StreamKind ToStreamKind(int64_t number) {
  return number == 1 ? StreamKind::kKinesis : StreamKind::kHttp;
}

}  // namespace

Result<std::vector<StreamTotals>> ReadStreamTotals(Warehouse& warehouse) {
  return ReadAll<StreamTotals>(
      warehouse,
      fmt::format("SELECT {0}, sum(CASE WHEN status = 'loaded' THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), "
                  "coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0), "
                  "coalesce(sum(rows_duplicate), 0), "
                  "CAST(max(CASE WHEN status = 'loaded' THEN finished_at END) AS TEXT) "
                  "FROM etl_file WHERE {1} GROUP BY {0} ORDER BY {0}",
                  kStreamKindSql, kStreamBatchSql),
      {}, [](Row row) {
        StreamTotals totals;
        totals.kind = ToStreamKind(Int(row[0]));
        totals.batches = Int(row[1]);
        totals.failed = Int(row[2]);
        totals.rows_loaded = Int(row[3]);
        totals.rows_rejected = Int(row[4]);
        totals.rows_duplicate = Int(row[5]);
        totals.last_batch_at = OptionalText(row[6]);
        return totals;
      });
}

Result<std::vector<StreamBatch>> ReadRecentStreamBatches(Warehouse& warehouse, int64_t limit) {
  return ReadAll<StreamBatch>(
      warehouse,
      fmt::format("SELECT {}, uri, CAST(finished_at AS TEXT), rows_loaded, rows_rejected "
                  "FROM etl_file WHERE {} AND status = 'loaded' AND finished_at IS NOT NULL "
                  "ORDER BY file_id DESC LIMIT $1",
                  kStreamKindSql, kStreamBatchSql),
      std::vector<std::string>{std::to_string(limit)}, [](Row row) {
        StreamBatch batch;
        batch.kind = ToStreamKind(Int(row[0]));
        batch.uri = Text(row[1]);
        batch.finished_at = Text(row[2]);
        batch.rows_loaded = Int(row[3]);
        batch.rows_rejected = Int(row[4]);
        return batch;
      });
}

}  // namespace till
