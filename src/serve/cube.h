// The sales the dashboard reads, held in memory as columns of small integer codes, and the few
// aggregations every chart is made of. A Cube is immutable once built, so any number of
// request threads read it at once; CubeBuilder collects rows as the warehouse hands them over
// and builds a new Cube when asked.
//
// Rows are kept ordered by customer: a customer's rows are contiguous, so counting distinct
// customers per group needs only the last customer each group saw (no sets, no sorting at query
// time).
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/exact_sum.h"

namespace till {

// What the filters select and the breakdowns group by.
enum class Dim : uint8_t {
  kCategory,
  kBrand,
  kProductType,
  kProduct,
  kCountry,
  kState,
  kCity,
  kSegment,
  kAgeBand,
  kGender,
  kIncome,
  kPaymentMethod,
  kShippingMethod,
  kOrderStatus,
  kFeedback,
  kRating,
};
inline constexpr size_t kDimCount = 16;

struct DimInfo {
  Dim dim;
  std::string_view name;   // the API's parameter name
  std::string_view label;  // for people
};
std::span<const DimInfo> Dims();
std::optional<Dim> DimByName(std::string_view name);
const DimInfo& InfoOf(Dim dim);

// The member a missing value belongs to, in every dimension.
inline constexpr std::string_view kUnknownMember = "(unknown)";

// "18-24" … "65+" for an age, kUnknownMember for none.
std::string_view AgeBand(std::optional<int64_t> age);

// Days since 1970-01-01; kNoDay for a sale whose date is unknown.
using Day = int32_t;
inline constexpr Day kNoDay = std::numeric_limits<Day>::min();
Day DayFromKey(int32_t yyyymmdd);                    // 20240131 -> its day
std::string FormatDay(Day day);                      // "2024-01-31"
std::optional<Day> ParseDay(std::string_view text);  // "2024-01-31", validated

// What a query selects: a date range and, per dimension, the members allowed (none: all).
struct Selection {
  std::optional<Day> from;
  std::optional<Day> to;
  std::array<std::vector<uint32_t>, kDimCount> members;  // member ids (Cube::Members order)
};

struct Measures {
  ExactSum revenue;  // exact: the same to the cent as SQL's sum of the stored amounts
  int64_t orders = 0;
  int64_t units = 0;
  int64_t customers = 0;  // distinct known customer ids
  int64_t rating_sum = 0;
  int64_t rated = 0;
};

enum class Grain { kDay, kWeek, kMonth };

// One point of a time series: the first day of its period.
struct Bucket {
  Day start = 0;
  Measures measures;
};

// One row of a breakdown: a member id per grouped dimension.
struct Group {
  std::array<uint32_t, 2> members{};
  Measures measures;
};

// A column of unsigned codes, each held in the fewest of 1, 2 or 4 bytes that hold the column's
// largest: most of the cube's columns count a few to a few hundred members, so a byte a row
// instead of four. Reading a code tests the width, which is the same for every row of a scan and
// so always predicted.
class NarrowColumn {
 public:
  NarrowColumn() = default;
  explicit NarrowColumn(std::span<const uint32_t> values);

  // Appends `value`, widening the column first when it does not fit (each row copied once, at
  // most twice in a column's life): what a builder collects codes in, a few bytes a row.
  void PushBack(uint32_t value) {
    if (value > Largest()) Widen(value);
    switch (width_) {
      case 1:
        narrow_.push_back(static_cast<uint8_t>(value));
        break;
      case 2:
        medium_.push_back(static_cast<uint16_t>(value));
        break;
      default:
        wide_.push_back(value);
        break;
    }
    ++size_;
  }
  // The rows `order` names, in that order, at this column's width.
  NarrowColumn Gather(std::span<const uint32_t> order) const;

  size_t size() const { return size_; }
  uint8_t width() const { return width_; }
  size_t bytes() const { return size_ * width_; }
  uint32_t operator[](size_t i) const {
    switch (width_) {
      case 1:
        return narrow_[i];
      case 2:
        return medium_[i];
      default:
        return wide_[i];
    }
  }

 private:
  friend class CubeFile;
  uint32_t Largest() const {
    return width_ == 1 ? 0xff : width_ == 2 ? 0xffff : std::numeric_limits<uint32_t>::max();
  }
  void Widen(uint32_t value);

  uint8_t width_ = 1;
  size_t size_ = 0;
  std::vector<uint8_t> narrow_;
  std::vector<uint16_t> medium_;
  std::vector<uint32_t> wide_;
};

// Strings end to end in one buffer with where each ends: a customer or transaction id costs its
// characters and four bytes, not the 32 of a std::string and the heap block behind a long one.
class StringTable {
 public:
  size_t size() const { return ends_.size(); }
  std::string_view operator[](size_t i) const {
    uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }
  // Whether `text` can be added: not when the buffer would pass 4 GiB, where the 32-bit ends
  // stop.
  bool Fits(std::string_view text) const {
    return bytes_.size() + text.size() <= std::numeric_limits<uint32_t>::max();
  }
  // Fails (false) when it does not fit.
  bool Add(std::string_view text) {
    if (!Fits(text)) return false;
    bytes_ += text;
    ends_.push_back(static_cast<uint32_t>(bytes_.size()));
    return true;
  }
  size_t bytes() const { return bytes_.size() + ends_.size() * sizeof(uint32_t); }
  void Reserve(size_t strings, size_t bytes) {
    ends_.reserve(strings);
    bytes_.reserve(bytes);
  }
  void ShrinkToFit() {
    bytes_.shrink_to_fit();
    ends_.shrink_to_fit();
  }

 private:
  friend class CubeFile;
  std::string bytes_;
  std::vector<uint32_t> ends_;
};

class Cube {
 public:
  // The member of a code no sale uses.
  static constexpr uint32_t kNoMember = std::numeric_limits<uint32_t>::max();

  size_t rows() const { return day_.size(); }
  // The first and last known sale date; nullopt without any.
  std::optional<Day> first_day() const { return first_day_; }
  std::optional<Day> last_day() const { return last_day_; }

  // A dimension's members, sorted, kUnknownMember among them when some row has no value.
  std::span<const std::string> Members(Dim dim) const { return tables_[Index(dim)].members; }
  std::optional<uint32_t> MemberId(Dim dim, std::string_view member) const;

  // The measures of the selection.
  Measures Total(const Selection& selection) const;
  // The measures of each of `periods` (from, to; inclusive), the selection's own dates ignored.
  std::vector<Measures> Periods(const Selection& selection,
                                std::span<const std::pair<Day, Day>> periods) const;
  // Per period of `grain`, from the first to the last with a sale (empty ones included); rows
  // with an unknown date are left out.
  std::vector<Bucket> Series(const Selection& selection, Grain grain) const;
  // Grouped by one or two dimensions; only groups with a sale. Fails (nullopt) beyond
  // kMaxGroups combinations.
  static constexpr size_t kMaxGroups = 4'000'000;
  std::optional<std::vector<Group>> Breakdown(const Selection& selection,
                                              std::span<const Dim> dims) const;
  // Per member of `dim` and per period of `grain` from the one holding `from` to the one holding
  // `to` (only days from `from` to `to` count; the selection's own dates are ignored):
  // member-major, `members(dim) × starts.size()` Measures. `starts` gets each period's first day.
  std::vector<Measures> MemberSeries(const Selection& selection, Dim dim, Grain grain, Day from,
                                     Day to, std::vector<Day>& starts) const;
  // Per member of `dim` and per period of `periods` (from, to; inclusive; disjoint, else a day
  // counts in the first that holds it), the selection's own dates ignored: member-major,
  // `members(dim) × periods.size()` Measures, in one scan.
  std::vector<Measures> MemberPeriods(const Selection& selection, Dim dim,
                                      std::span<const std::pair<Day, Day>> periods) const;
  // New customers (first purchase ever on or after `since`) and returning ones: two Measures.
  std::array<Measures, 2> NewAndReturning(const Selection& selection, Day since) const;

  // One sale line as customer analytics read it: whose (the customer id only), which order,
  // when and how much. The views point into the cube.
  struct CustomerSale {
    std::string_view customer_id;
    std::optional<std::string_view> transaction_id;  // none for a line without one
    Day day = 0;
    double amount = 0;
  };
  // Hands `visit` each sale of the selection (its dates included) that has a customer id and a
  // date, a customer's sales one after another.
  void CustomerSales(const Selection& selection,
                     const std::function<void(const CustomerSale&)>& visit) const;

  // The cube as a file (cube_file.h) reads and writes it.
  friend class CubeFile;

 private:
  friend class CubeBuilder;

  // Where a dimension's members come from: a column of codes, and each code's member.
  enum Source : uint8_t {
    kProductSource,
    kLocationSource,
    kSegmentSource,
    kAgeBandSource,
    kGenderSource,
    kIncomeSource,
    kPaymentSource,
    kShippingSource,
    kStatusSource,
    kFeedbackSource,
    kRatingSource,
  };
  static constexpr size_t kSourceCount = 11;

  struct Table {
    Source source = kProductSource;
    std::vector<std::string> members;
    std::vector<uint32_t> member_of;  // code -> member id
  };
  struct Compiled;

  static size_t Index(Dim dim) { return static_cast<size_t>(dim); }
  Compiled Compile(const Selection& selection, bool with_dates) const;
  template <typename GroupOf>
  void Accumulate(const Compiled& compiled, GroupOf group_of, std::vector<Measures>& out) const;
  template <bool kTests, bool kFixed, typename GroupOf>
  void Scan(const Compiled& compiled, GroupOf group_of, std::vector<Measures>& out) const;

  Day DayAt(size_t row) const {
    uint32_t stored = day_[row];
    return stored == 0 ? kNoDay : static_cast<Day>(base_day_ + static_cast<int64_t>(stored) - 1);
  }
  SplitAmount AmountAt(size_t row) const {
    return amount_fixed_.empty() ? SplitAmount{amount_whole_[row], amount_fraction_[row]}
                                 : FromFixed(amount_fixed_[row]);
  }
  SplitAmount FromFixed(uint64_t fixed) const {
    // fraction_bits_ is 0 to 64: shifts by 64 are spelled out, as C++ leaves them undefined.
    if (fraction_bits_ == 0) return {static_cast<uint32_t>(fixed), 0};
    if (fraction_bits_ == 64) return {0, fixed};
    return {static_cast<uint32_t>(fixed >> fraction_bits_), fixed << (64 - fraction_bits_)};
  }

  // Each row's day as its distance from base_day_ plus one, 0 for an unknown date: two bytes a
  // row for up to 179 years of sales.
  NarrowColumn day_;
  Day base_day_ = 0;
  NarrowColumn customer_;  // 0: unknown
  std::array<NarrowColumn, kSourceCount> codes_;
  NarrowColumn quantity_;  // 1 to kMaxQuantity (clean/amounts.h): fits 32 bits
  // Each amount exactly (SplitExact). Amounts of about ten significant digits below a few
  // thousand need about 13 whole bits and under 50 fraction bits, so the cube keeps them in one
  // 64-bit fixed-point number, whole << fraction_bits_ | fraction's top fraction_bits_ bits,
  // fraction_bits_ being the fewest that hold every amount's fraction exactly: 8 bytes a row
  // instead of 12, and the same sums. Only when the largest whole part and the finest fraction
  // together need more than 64 bits (amounts from 0.001 to 10^9 with full precision, in one
  // cube) does it keep the whole part and the fraction apart, as 12 bytes.
  uint8_t fraction_bits_ = 0;
  std::vector<uint64_t> amount_fixed_;  // empty when the two below are used
  std::vector<uint32_t> amount_whole_;
  std::vector<uint64_t> amount_fraction_;
  std::array<Table, kDimCount> tables_;
  std::vector<Day> customer_first_day_;  // by customer; kNoDay when never dated
  StringTable customer_ids_;             // by customer code; "" for code 0 (unknown)
  NarrowColumn transaction_;             // per row: a code of transaction_ids_, 0 for none
  StringTable transaction_ids_;
  std::optional<Day> first_day_;
  std::optional<Day> last_day_;

  // What a CubeBuilder made from this cube needs to go on with the same codes: the warehouse key
  // of each code of the product, location and attribute columns, and the label of each code of
  // the segment, age band and rating columns.
  std::array<std::vector<int64_t>, kSourceCount> source_keys_;
  std::array<std::vector<std::string>, kSourceCount> source_labels_;
};

// Collects sale rows in the warehouse's keys and builds Cubes. Dimension rows are given by key
// (again at each refresh: a label may change); sale rows name their dimension rows by key.
class CubeBuilder {
 public:
  CubeBuilder() = default;
  // A builder holding `base`'s rows and codes, to add more rows to: Build then gives the cube a
  // builder fed base's rows and these would have given. The dimension rows are not kept in a
  // cube: give them again (SetProduct ...) before Build.
  explicit CubeBuilder(const Cube& base);
  // The interned strings' hash sets point at their own tables: neither copied nor moved.
  CubeBuilder(const CubeBuilder&) = delete;
  CubeBuilder& operator=(const CubeBuilder&) = delete;

  struct Product {
    std::string category, brand, product_type, name;  // empty: unknown
  };
  struct Location {
    std::string country, state, city;
  };
  // The small dimensions, each a label per key.
  enum class Attribute : uint8_t { kGender, kIncome, kPayment, kShipping, kStatus, kFeedback };

  void SetProduct(int64_t key, Product product);
  void SetLocation(int64_t key, Location location);
  void SetAttribute(Attribute attribute, int64_t key, std::string label);

  struct Sale {
    int32_t date_key = 0;  // YYYYMMDD, 0 when unknown
    int64_t product_key = 0;
    int64_t location_key = 0;
    std::optional<std::string_view> customer_id;
    std::optional<int64_t> age;
    std::optional<std::string_view> segment;
    std::array<int64_t, 6> attribute_keys{};  // by Attribute
    std::optional<int64_t> rating;
    int64_t quantity = 0;  // 1 to kMaxQuantity (clean/amounts.h)
    double amount = 0;     // IsExactAmount (base/exact_sum.h)
    std::optional<std::string_view> transaction_id;
  };
  // Requires a quantity and an amount in the ranges above: what the cleaning rules load. Fails
  // (false, the row not added) only past 4 GiB of customer or transaction ids.
  [[nodiscard]] bool Add(const Sale& sale);
  size_t rows() const { return day_.size(); }

  // A Cube of every row added so far. The builder keeps its rows: more may be added and another
  // Cube built.
  Cube Build() const&;
  // The same Cube from a builder given up (std::move(builder).Build()), which lets go of each of
  // its columns as soon as the cube has its copy, and hands the cube its ids rather than a copy:
  // the peak is the cube and what is left of the builder, not both whole. The builder is left
  // empty of rows and ids, fit only to be destroyed.
  Cube Build() &&;

 private:
  // Strings numbered from 0 in the order first met, each kept once; code 0 is "".
  class Interned {
   public:
    Interned();
    Interned(const Interned&) = delete;
    Interned& operator=(const Interned&) = delete;
    // Nullopt past the table's 4 GiB.
    std::optional<uint32_t> Code(std::string_view text);
    // Takes `table` as this one's strings, their codes its positions: a table an Interned made
    // (every string once, "" first), so none is looked up or copied one by one.
    void Assign(const StringTable& table);
    // The strings, taken out; this table is left empty.
    StringTable Take();
    const StringTable& table() const { return table_; }

   private:
    struct Hash {
      using is_transparent = void;
      const StringTable* table;
      size_t operator()(std::string_view text) const;
      size_t operator()(uint32_t code) const { return (*this)((*table)[code]); }
    };
    struct Eq {
      using is_transparent = void;
      const StringTable* table;
      std::string_view Text(std::string_view text) const { return text; }
      std::string_view Text(uint32_t code) const { return (*table)[code]; }
      template <typename A, typename B>
      bool operator()(const A& a, const B& b) const {
        return Text(a) == Text(b);
      }
    };
    StringTable table_;
    absl::flat_hash_set<uint32_t, Hash, Eq> codes_;
  };

  // Codes are handed out in the order keys are first met, and never change.
  using KeyCodes = absl::flat_hash_map<int64_t, uint32_t>;
  KeyCodes product_codes_, location_codes_;
  std::array<KeyCodes, 6> attribute_codes_;
  std::vector<Product> products_;
  std::vector<Location> locations_;
  std::array<std::vector<std::string>, 6> attribute_labels_;
  Interned customers_;     // code 0: no customer id
  Interned transactions_;  // code 0: no transaction id
  NarrowColumn transaction_;
  // Segment, age band and rating: codes of their labels ("" for unknown).
  struct Labels {
    absl::flat_hash_map<std::string, uint32_t> codes;  // looked up by string_view, not copied
    std::vector<std::string> labels;
  };
  Labels segments_, age_bands_, ratings_;

  // The rating's label code by rating, so that a rating is written out once, not once a sale.
  KeyCodes rating_codes_;
  std::optional<uint32_t> no_rating_code_;

  static uint32_t Code(KeyCodes& codes, int64_t key);
  // Build's work, on a builder kept (const) or given up.
  template <typename Self>
  static Cube Make(Self& self);
  static uint32_t LabelCode(Labels& labels, std::string_view label);

  // The rows in the order added, each code in the fewest bytes its column needs, and the amount
  // as the double it is (split at Build): about 35 bytes a row.
  std::vector<Day> day_;
  NarrowColumn customer_;
  std::array<NarrowColumn, Cube::kSourceCount> codes_;
  NarrowColumn quantity_;
  std::vector<double> amount_;
};

}  // namespace till
