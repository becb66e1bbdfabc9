// The star schema in memory: how a cleaned row becomes one fact and a handful of dimension
// members, and how members get their surrogate keys.
//
// Keys are derived from content, not from arrival order: a member's key is a 63-bit hash of its
// natural key (folded spellings for categorical members, exact values for customer versions),
// and 0 is Unknown in every dimension. dim_date keys are YYYYMMDD. So loading the same rows in
// any order, in one file or many, on one loader or several at once, gives the same keys and
// the same tables; two loaders never need to agree on a sequence.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/node_hash_map.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clean/row_cleaner.h"

namespace till {

// The dimensions, in the order the original design's load jobs ran.
enum class Dimension {
  kGender,
  kIncome,
  kFeedback,
  kShippingMethod,
  kPaymentMethod,
  kOrderStatus,
  kLocation,
  kProduct,
  kCustomer,
};
inline constexpr size_t kDimensionCount = 9;

struct DimensionSpec {
  Dimension dimension;
  std::string_view step;                     // etl_step name: "gender" … "customer"
  std::string_view table;                    // "dim_gender"
  std::string_view key_column;               // "gender_key"; also the fact_sales column
  std::vector<std::string_view> attributes;  // warehouse columns, in order
  std::vector<Column> sources;               // the raw column of each attribute
};

const DimensionSpec& Spec(Dimension dimension);
const std::array<Dimension, kDimensionCount>& AllDimensions();

// A 128-bit hash. For a fact: equal for rows identical after cleaning.
struct RowHash {
  uint64_t high = 0;
  uint64_t low = 0;
  friend bool operator==(const RowHash&, const RowHash&) = default;
};

inline constexpr size_t kMaxAttributes = 8;

// One member of a dimension, as the cleaned rows spelled it. Its text lives in the
// StarBuilder's arena, which never moves or changes bytes once written, so a Member can be
// copied by value and read from another thread while the builder goes on.
struct Member {
  int64_t key = 0;
  const char* text = nullptr;                      // the attributes' bytes, one after the other
  std::array<uint32_t, kMaxAttributes> lengths{};  // kNull for a null attribute
  uint32_t arity = 0;

  static constexpr uint32_t kNull = 0xFFFFFFFFu;

  // Attribute `i` (parallel to DimensionSpec::attributes), nullopt when null.
  std::optional<std::string_view> attribute(size_t i) const {
    size_t offset = 0;
    for (size_t k = 0; k < i; ++k) offset += lengths[k] == kNull ? 0 : lengths[k];
    if (lengths[i] == kNull) return std::nullopt;
    return std::string_view(text + offset, lengths[i]);
  }
};

// Append-only storage for member text: blocks that are never moved or freed before the arena.
class TextArena {
 public:
  char* Allocate(size_t size);

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;
  size_t capacity_ = 0;
};

// One fact_sales row.
struct FactSale {
  int64_t source_line = 0;
  RowHash row_hash;
  std::optional<std::string> transaction_id;
  int32_t date_key = 0;                         // YYYYMMDD, 0 = Unknown
  int32_t time = -1;                            // seconds since midnight, -1 = null
  std::array<int64_t, kDimensionCount> keys{};  // by Dimension
  int64_t quantity = 0;
  double unit_price = 0;
  double total_amount = 0;
  int32_t rating = -1;  // -1 = null
  RecoveredAmount recovered = RecoveredAmount::kNone;
};

// A member a row brought that the load must write: new, or with a smaller label spelling.
struct MemberSighting {
  Dimension dimension;
  Member member;     // a copy: safe to hand to another thread
  int32_t date = 0;  // customer versions: the date (YYYYMMDD) of the row that brought it
};

// Builds facts and dimension members from cleaned rows for one load. Remembers the members
// it has handed out so that each is written once per load. Customer versions, nearly one per
// row in real files, keep only their key, seen range and id here; their text goes out with the
// batch that writes them (TakeBatchArena). Not thread-safe.
class StarBuilder {
 public:
  // How many customer versions a builder keeps by default (see ForgetCustomers): about 60 bytes
  // each with their ids.
  static constexpr size_t kMaxCustomerVersions = 1'000'000;
  explicit StarBuilder(size_t max_customer_versions = kMaxCustomerVersions);

  // Fills *fact from `row`. Appends to *new_members each member this load had not seen before,
  // or whose label spelling got smaller.
  void Build(const CleanRow& row, FactSale* fact, std::vector<MemberSighting>* new_members);

  // The arena holding the text of the customer versions handed out since the last call. It must
  // outlive the writing of those members.
  std::unique_ptr<TextArena> TakeBatchArena();

  // A customer version seen by this load over a wider range of dates than it was first written
  // with.
  struct WidenedCustomer {
    int64_t key;
    std::optional<std::string_view> customer_id;  // see TakeWidenedCustomers
    int32_t first;
    int32_t last;
  };
  // The versions widened since the last call. Their ids point into the builder, valid until
  // ForgetCustomers; with `into_batch_arena`, into copies in the arena the next TakeBatchArena
  // hands out instead.
  std::vector<WidenedCustomer> TakeWidenedCustomers(bool into_batch_arena = false);

  // Whether the builder keeps as many customer versions as it may.
  bool customers_full() const { return customers_.size() >= max_customer_versions_; }
  // Forgets every customer version seen so far, so that a file of any number of them is built in
  // bounded memory (in this data nearly every row brings a new one). Take the widened versions
  // first. A version seen again later is handed out again as new, with that row's date: the
  // warehouse's upsert merges it into the version it holds.
  void ForgetCustomers();

  // Dates seen by this load.
  const std::vector<int32_t>& dates() const { return dates_; }

  // Distinct members seen so far in `dimension`.
  size_t member_count(Dimension dimension) const;

 private:
  struct MemberEntry {
    Member member;
    uint64_t check = 0;  // a second hash of the natural key, to catch key collisions
  };
  struct CustomerEntry {
    uint64_t check = 0;
    int32_t first = 0;  // dates this load saw the version; 0 = none
    int32_t last = 0;
    int32_t written_first = 0;  // the range it was handed out with
    int32_t written_last = 0;
    uint32_t id = kNoId;  // index into customer_ids_
    bool widened = false;
  };
  static constexpr uint32_t kNoId = 0xFFFFFFFFu;

  static Member MakeMember(TextArena& arena, int64_t key,
                           const std::array<std::optional<std::string_view>, 8>& values,
                           size_t arity);
  // Resolves a dimension other than kCustomer.
  int64_t Resolve(Dimension dimension, const CleanRow& row,
                  std::vector<MemberSighting>* new_members);
  static bool ReadValues(Dimension dimension, const CleanRow& row,
                         std::array<std::optional<std::string_view>, 8>* values,
                         char (&age_buffer)[24]);
  // A row's customer version, hashed ahead of its lookup (see Build). `values` may point into
  // `age_buffer`, so a version stays where it was filled in.
  struct CustomerVersion {
    CustomerVersion() = default;
    CustomerVersion(const CustomerVersion&) = delete;
    CustomerVersion& operator=(const CustomerVersion&) = delete;
    std::array<std::optional<std::string_view>, 8> values;
    char age_buffer[24];
    RowHash natural;
    bool any = false;  // false: all values null, the Unknown customer
  };
  void HashCustomer(const CleanRow& row, CustomerVersion* version);
  int64_t ResolveCustomer(const CustomerVersion& version, int32_t date_key,
                          std::vector<MemberSighting>* new_members);
  uint32_t KeepCustomerId(std::string_view id);
  static constexpr size_t kMaxSpelledAttributes = 4;
  static std::optional<uint64_t> SpellingIds(const DimensionSpec& spec, const CleanRow& row);

  // Members by key. Node-based, so that spellings_ can point into it.
  std::array<absl::node_hash_map<int64_t, MemberEntry>, kDimensionCount> members_;
  // Exact spellings already resolved, by a 128-bit hash of them: most rows repeat spellings,
  // and this spares folding them again.
  struct SpellingHash {
    size_t operator()(const RowHash& h) const { return static_cast<size_t>(h.low); }
  };
  std::array<absl::flat_hash_map<RowHash, MemberEntry*, SpellingHash>, kDimensionCount> spellings_;
  // Member keys by the spelling ids of their attributes (SpellingIds): the cheapest way back
  // to a member for rows spelled with vocabulary spellings, which most rows are. Ids of one
  // attribute (the most common case) index a vector; wider ones go to a hash map. Holds the
  // key itself, not the MemberEntry, to spare a pointer chase into scattered nodes.
  struct SpelledKeys {
    std::vector<int64_t> by_id;                     // 0: not seen yet (keys are never 0)
    absl::flat_hash_map<uint64_t, int64_t> by_ids;  // ids above UINT16_MAX
    // 0 when not seen yet. Inline: it runs for most dimensions of every row.
    int64_t Find(uint64_t ids) const {
      if (ids <= UINT16_MAX) return ids < by_id.size() ? by_id[ids] : 0;
      auto found = by_ids.find(ids);
      return found == by_ids.end() ? 0 : found->second;
    }
    void Insert(uint64_t ids, int64_t key);
  };
  std::array<SpelledKeys, kDimensionCount> spelled_keys_;
  size_t max_customer_versions_;
  absl::flat_hash_map<int64_t, CustomerEntry> customers_;
  std::vector<std::string_view> customer_ids_;  // by CustomerEntry::id; text in customer_id_text_
  std::unique_ptr<TextArena> customer_id_text_;
  std::string hash_buffer_;  // reused by every Hasher, grown as needed
  std::vector<int64_t> widened_;
  std::vector<int32_t> dates_;
  absl::flat_hash_set<int32_t> date_set_;
  TextArena arena_;  // text of non-customer members, for the builder's life
  std::unique_ptr<TextArena> batch_arena_;
};

}  // namespace till
