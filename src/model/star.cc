#include "model/star.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "base/text.h"

namespace till {
namespace {

const std::array<DimensionSpec, kDimensionCount>& Specs() {
  static const std::array<DimensionSpec, kDimensionCount> specs = {{
      {Dimension::kGender, "gender", "dim_gender", "gender_key", {"gender"}, {Column::kGender}},
      {Dimension::kIncome, "income", "dim_income", "income_key", {"income"}, {Column::kIncome}},
      {Dimension::kFeedback,
       "feedback",
       "dim_feedback",
       "feedback_key",
       {"feedback"},
       {Column::kFeedback}},
      {Dimension::kShippingMethod,
       "shipping_method",
       "dim_shipping_method",
       "shipping_method_key",
       {"shipping_method"},
       {Column::kShippingMethod}},
      {Dimension::kPaymentMethod,
       "payment_method",
       "dim_payment_method",
       "payment_method_key",
       {"payment_method"},
       {Column::kPaymentMethod}},
      {Dimension::kOrderStatus,
       "order_status",
       "dim_order_status",
       "order_status_key",
       {"order_status"},
       {Column::kOrderStatus}},
      {Dimension::kLocation,
       "location",
       "dim_location",
       "location_key",
       {"country", "state", "city"},
       {Column::kCountry, Column::kState, Column::kCity}},
      {Dimension::kProduct,
       "product",
       "dim_product",
       "product_key",
       {"category", "brand", "product_type", "product_name"},
       {Column::kProductCategory, Column::kProductBrand, Column::kProductType, Column::kProducts}},
      {Dimension::kCustomer,
       "customer",
       "dim_customer",
       "customer_key",
       {"customer_id", "name", "email", "phone", "address", "zipcode", "age", "customer_segment"},
       {Column::kCustomerId, Column::kName, Column::kEmail, Column::kPhone, Column::kAddress,
        Column::kZipcode, Column::kAge, Column::kCustomerSegment}},
  }};
  return specs;
}

// Copies sizeof(Word) to 2 * sizeof(Word) bytes as two words that overlap in the middle.
template <typename Word>
inline void CopyOverlapping(char* out, const char* in, size_t size) {
  Word head;
  Word tail;
  std::memcpy(&head, in, sizeof(Word));
  std::memcpy(&tail, in + size - sizeof(Word), sizeof(Word));
  std::memcpy(out, &head, sizeof(Word));
  std::memcpy(out + size - sizeof(Word), &tail, sizeof(Word));
}

// Copies `size` bytes. The values copied here (a name, a city) are mostly shorter than 16
// bytes, and a call to memcpy for each, of a size known only at run time, was a visible share
// of the build: two overlapping fixed-size moves do such a copy inline.
inline void CopySmall(char* out, const char* in, size_t size) {
  if (size >= 8 && size <= 16) {
    CopyOverlapping<uint64_t>(out, in, size);
  } else if (size >= 4 && size < 8) {
    CopyOverlapping<uint32_t>(out, in, size);
  } else if (size > 16) {
    std::memcpy(out, in, size);
  } else {
    for (size_t i = 0; i < size; ++i) out[i] = in[i];
  }
}

// Collects values, each prefixed by its length, so that ("ab", "c") and ("a", "bc") hash apart
// and null differs from ""; then hashes them in one 128-bit XXH3 call, which is several times
// cheaper than XXH3's streaming interface for inputs this small. The bytes go to a buffer the
// caller owns and reuses (the builder's), which only grows: hashing allocates nothing once it
// has grown. Only one Hasher may use a buffer at a time.
class Hasher {
 public:
  explicit Hasher(std::string& buffer) : buffer_(buffer) {}
  void Add(const std::optional<std::string_view>& value) {
    uint32_t length = value ? static_cast<uint32_t>(value->size()) : 0xFFFFFFFFu;
    char* out = Extend(sizeof length + (value ? value->size() : 0));
    std::memcpy(out, &length, sizeof length);
    if (value) CopySmall(out + sizeof length, value->data(), value->size());
  }
  template <typename T>
  void AddScalar(T value) {
    std::memcpy(Extend(sizeof value), &value, sizeof value);
  }
  RowHash Digest() const {
    XXH128_hash_t hash = XXH3_128bits(buffer_.data(), size_);
    return RowHash{hash.high64, hash.low64};
  }

 private:
  // Room for `size` more bytes; returns where they go.
  char* Extend(size_t size) {
    if (buffer_.size() - size_ < size) buffer_.resize(std::max(2 * buffer_.size(), size_ + size));
    char* at = buffer_.data() + size_;
    size_ += size;
    return at;
  }
  std::string& buffer_;
  size_t size_ = 0;  // bytes collected; buffer_.size() is only its capacity
};

// A positive 63-bit surrogate key from a natural-key hash; 0 is reserved for Unknown.
int64_t KeyOf(const RowHash& hash) {
  auto key = static_cast<int64_t>(hash.high & 0x7FFFFFFFFFFFFFFFull);
  return key == 0 ? 1 : key;
}

}  // namespace

const DimensionSpec& Spec(Dimension dimension) { return Specs()[static_cast<size_t>(dimension)]; }

const std::array<Dimension, kDimensionCount>& AllDimensions() {
  static const std::array<Dimension, kDimensionCount> all = {
      Dimension::kGender,         Dimension::kIncome,        Dimension::kFeedback,
      Dimension::kShippingMethod, Dimension::kPaymentMethod, Dimension::kOrderStatus,
      Dimension::kLocation,       Dimension::kProduct,       Dimension::kCustomer};
  return all;
}

char* TextArena::Allocate(size_t size) {
  constexpr size_t kBlock = 1 << 20;
  if (size > kBlock / 4) {
    // A large value gets a block of its own, kept behind the block being filled: that one
    // must stay last, where the next small value goes.
    auto block = std::make_unique_for_overwrite<char[]>(size);
    char* at = block.get();
    blocks_.insert(blocks_.empty() ? blocks_.end() : blocks_.end() - 1, std::move(block));
    return at;
  }
  if (used_ + size > capacity_) {
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(kBlock));
    used_ = 0;
    capacity_ = kBlock;
  }
  char* at = blocks_.back().get() + used_;
  used_ += size;
  return at;
}

StarBuilder::StarBuilder(size_t max_customer_versions)
    : max_customer_versions_(std::max<size_t>(max_customer_versions, 1)),
      customer_id_text_(std::make_unique<TextArena>()),
      batch_arena_(std::make_unique<TextArena>()) {}

Member StarBuilder::MakeMember(TextArena& arena, int64_t key,
                               const std::array<std::optional<std::string_view>, 8>& values,
                               size_t arity) {
  Member member;
  member.key = key;
  member.arity = static_cast<uint32_t>(arity);
  size_t total = 0;
  for (size_t i = 0; i < arity; ++i) total += values[i] ? values[i]->size() : 0;
  char* text = arena.Allocate(total);
  member.text = text;
  for (size_t i = 0; i < arity; ++i) {
    if (!values[i]) {
      member.lengths[i] = Member::kNull;
      continue;
    }
    CopySmall(text, values[i]->data(), values[i]->size());
    text += values[i]->size();
    member.lengths[i] = static_cast<uint32_t>(values[i]->size());
  }
  return member;
}

// Reads the attributes of `dimension` from `row` into *values. Returns false when all are null
// (the Unknown member).
bool StarBuilder::ReadValues(Dimension dimension, const CleanRow& row,
                             std::array<std::optional<std::string_view>, 8>* values,
                             char (&age_buffer)[24]) {
  const DimensionSpec& spec = Spec(dimension);
  bool any = false;
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    Column source = spec.sources[i];
    if (source == Column::kAge) {
      (*values)[i].reset();
      if (row.age) {
        // The same digits as fmt's "{}", without its format-string machinery.
        auto written = std::to_chars(age_buffer, age_buffer + sizeof age_buffer, *row.age);
        (*values)[i] = std::string_view(age_buffer, static_cast<size_t>(written.ptr - age_buffer));
      }
    } else {
      (*values)[i] = row.Text(source);
    }
    any = any || (*values)[i].has_value();
  }
  return any;
}

void StarBuilder::SpelledKeys::Insert(uint64_t ids, int64_t key) {
  if (ids <= UINT16_MAX) {  // one attribute, or only the first one not null
    if (ids >= by_id.size()) by_id.resize(ids + 1);
    by_id[ids] = key;
  } else {
    by_ids.emplace(ids, key);
  }
}

// The spelling ids (CleanRow::spelling_id) of the attributes of a dimension other than
// kCustomer, 16 bits each, a null attribute 0; 0 when all are null. nullopt when some attribute
// is text that is not a vocabulary spelling.
std::optional<uint64_t> StarBuilder::SpellingIds(const DimensionSpec& spec, const CleanRow& row) {
  static_assert(16 * kMaxSpelledAttributes <= 64, "16-bit ids must fit in the 64-bit key");
  assert(spec.sources.size() <= kMaxSpelledAttributes);
  uint64_t ids = 0;
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    const size_t column = Index(spec.sources[i]);
    if (!row.text[column]) continue;
    uint16_t id = row.spelling_id[column];
    if (id == 0) return std::nullopt;
    ids |= uint64_t{id} << (16 * i);
  }
  return ids;
}

int64_t StarBuilder::Resolve(Dimension dimension, const CleanRow& row,
                             std::vector<MemberSighting>* new_members) {
  const DimensionSpec& spec = Spec(dimension);
  const size_t arity = spec.sources.size();
  const auto index = static_cast<size_t>(dimension);

  // Most rows spell every attribute with a vocabulary spelling (or leave it null): then the
  // spelling ids alone name the exact spellings, with no bytes to hash.
  std::optional<uint64_t> ids = SpellingIds(spec, row);
  if (ids) {
    if (*ids == 0) return 0;  // all null: the Unknown member
    if (int64_t key = spelled_keys_[index].Find(*ids); key != 0) return key;
  }

  std::array<std::optional<std::string_view>, 8> values;
  char age_buffer[24];
  if (!ReadValues(dimension, row, &values, age_buffer)) return 0;

  Hasher exact(hash_buffer_);
  for (size_t i = 0; i < arity; ++i) exact.Add(values[i]);
  RowHash spelling = exact.Digest();
  auto cached = spellings_[index].find(spelling);
  if (cached != spellings_[index].end()) {
    if (ids) spelled_keys_[index].Insert(*ids, cached->second->member.key);
    return cached->second->member.key;
  }

  // Categorical members compare by folded spelling: "same day" is "Same-Day".
  Hasher folded(hash_buffer_);
  for (size_t i = 0; i < arity; ++i) {
    folded.Add(values[i] ? std::optional<std::string_view>(FoldKey(*values[i])) : std::nullopt);
  }
  RowHash natural = folded.Digest();
  int64_t key = KeyOf(natural);
  auto [it, inserted] = members_[index].try_emplace(key);
  MemberEntry& entry = it->second;
  spellings_[index].emplace(spelling, &entry);
  if (ids) spelled_keys_[index].Insert(*ids, key);
  if (inserted) {
    entry.check = natural.low;
    entry.member = MakeMember(arena_, key, values, arity);
    new_members->push_back(MemberSighting{dimension, entry.member});
    return key;
  }
  // Two natural keys sharing 63 bits of hash is a one-in-2^63 event, but must never merge
  // two members silently.
  if (entry.check != natural.low) {
    throw std::runtime_error(fmt::format("surrogate key collision in {}", spec.table));
  }
  // Among spellings of one member, the smallest is its label: independent of row order.
  bool smaller = false;
  std::array<std::optional<std::string_view>, kMaxAttributes> labels;
  for (size_t i = 0; i < arity; ++i) {
    labels[i] = entry.member.attribute(i);
    if (labels[i] && values[i] && *values[i] < *labels[i]) {
      labels[i] = values[i];
      smaller = true;
    }
  }
  if (smaller) {
    entry.member = MakeMember(arena_, key, labels, arity);
    new_members->push_back(MemberSighting{dimension, entry.member});
  }
  return key;
}

void StarBuilder::HashCustomer(const CleanRow& row, CustomerVersion* version) {
  // A customer version is its exact values: two spellings of a name are two profiles.
  const size_t arity = Spec(Dimension::kCustomer).sources.size();
  version->any = ReadValues(Dimension::kCustomer, row, &version->values, version->age_buffer);
  if (!version->any) return;
  Hasher hasher(hash_buffer_);
  for (size_t i = 0; i < arity; ++i) hasher.Add(version->values[i]);
  version->natural = hasher.Digest();
}

int64_t StarBuilder::ResolveCustomer(const CustomerVersion& version, int32_t date_key,
                                     std::vector<MemberSighting>* new_members) {
  if (!version.any) return 0;
  const size_t arity = Spec(Dimension::kCustomer).sources.size();
  const auto& values = version.values;
  const RowHash& natural = version.natural;
  int64_t key = KeyOf(natural);
  auto [it, inserted] = customers_.try_emplace(key);
  CustomerEntry& entry = it->second;
  if (inserted) {
    entry.check = natural.low;
    entry.first = entry.last = entry.written_first = entry.written_last = date_key;
    if (values[0]) entry.id = KeepCustomerId(*values[0]);
    new_members->push_back(MemberSighting{Dimension::kCustomer,
                                          MakeMember(*batch_arena_, key, values, arity), date_key});
    return key;
  }
  if (entry.check != natural.low) {
    throw std::runtime_error("surrogate key collision in dim_customer");
  }
  if (date_key != 0) {
    if (entry.first == 0 || date_key < entry.first) entry.first = date_key;
    if (date_key > entry.last) entry.last = date_key;
    if (!entry.widened &&
        (entry.first != entry.written_first || entry.last != entry.written_last)) {
      entry.widened = true;
      widened_.push_back(key);
    }
  }
  return key;
}

// Keeps the id for TakeWidenedCustomers. Not interned: nearly every row brings a new version,
// and a copy into the arena is cheaper than the lookup that would find most ids again.
uint32_t StarBuilder::KeepCustomerId(std::string_view id) {
  std::string_view kept;
  if (!id.empty()) {
    char* text = customer_id_text_->Allocate(id.size());
    std::memcpy(text, id.data(), id.size());
    kept = std::string_view(text, id.size());
  }
  customer_ids_.push_back(kept);
  return static_cast<uint32_t>(customer_ids_.size() - 1);
}

std::unique_ptr<TextArena> StarBuilder::TakeBatchArena() {
  return std::exchange(batch_arena_, std::make_unique<TextArena>());
}

void StarBuilder::ForgetCustomers() {
  customers_ = {};
  customer_ids_ = {};
  customer_id_text_ = std::make_unique<TextArena>();
  widened_.clear();
}

std::vector<StarBuilder::WidenedCustomer> StarBuilder::TakeWidenedCustomers(bool into_batch_arena) {
  std::vector<WidenedCustomer> result;
  result.reserve(widened_.size());
  for (int64_t key : widened_) {
    CustomerEntry& entry = customers_.at(key);
    entry.widened = false;
    entry.written_first = entry.first;
    entry.written_last = entry.last;
    std::optional<std::string_view> id;
    if (entry.id != kNoId) {
      id = customer_ids_[entry.id];
      if (into_batch_arena && !id->empty()) {
        char* text = batch_arena_->Allocate(id->size());
        std::memcpy(text, id->data(), id->size());
        id = std::string_view(text, id->size());
      }
    }
    result.push_back(WidenedCustomer{key, id, entry.first, entry.last});
  }
  widened_.clear();
  return result;
}

void StarBuilder::Build(const CleanRow& row, FactSale* fact,
                        std::vector<MemberSighting>* new_members) {
  fact->source_line = row.line;
  const auto& transaction = row.Text(Column::kTransactionId);
  if (transaction) {
    fact->transaction_id.emplace(*transaction);
  } else {
    fact->transaction_id.reset();
  }
  fact->date_key = row.date ? row.date->Key() : 0;
  if (fact->date_key != 0 && date_set_.insert(fact->date_key).second) {
    dates_.push_back(fact->date_key);
  }
  fact->time = row.time.value_or(-1);
  // The customer version is hashed first, and the memory its lookup will read is fetched
  // while the other dimensions resolve: nearly every row brings a new version, the table of
  // them outgrows the caches, and that lookup's cache misses were the builder's largest cost.
  CustomerVersion customer;
  HashCustomer(row, &customer);
  if (customer.any) customers_.prefetch(KeyOf(customer.natural));
  for (Dimension dimension : AllDimensions()) {
    fact->keys[static_cast<size_t>(dimension)] =
        dimension == Dimension::kCustomer ? ResolveCustomer(customer, fact->date_key, new_members)
                                          : Resolve(dimension, row, new_members);
  }
  fact->quantity = row.amounts.quantity;
  fact->unit_price = row.amounts.unit_price;
  fact->total_amount = row.amounts.total;
  fact->rating = row.rating ? static_cast<int32_t>(*row.rating) : -1;
  fact->recovered = row.amounts.recovered;

  // Rows identical after cleaning have the same transaction, date, time, members (which stand
  // for the cleaned text of every other column) and amounts.
  Hasher hasher(hash_buffer_);
  hasher.Add(fact->transaction_id ? std::optional<std::string_view>(*fact->transaction_id)
                                  : std::nullopt);
  hasher.AddScalar(fact->date_key);
  hasher.AddScalar(fact->time);
  for (int64_t key : fact->keys) hasher.AddScalar(key);
  hasher.AddScalar(fact->quantity);
  hasher.AddScalar(fact->unit_price);
  hasher.AddScalar(fact->total_amount);
  hasher.AddScalar(fact->rating);
  fact->row_hash = hasher.Digest();
}

size_t StarBuilder::member_count(Dimension dimension) const {
  if (dimension == Dimension::kCustomer) return customers_.size();
  return members_[static_cast<size_t>(dimension)].size();
}

}  // namespace till
