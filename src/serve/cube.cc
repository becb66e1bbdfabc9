#include "serve/cube.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "base/date.h"

namespace till {
namespace {

constexpr DimInfo kDims[] = {
    {Dim::kCategory, "category", "Category"},
    {Dim::kBrand, "brand", "Brand"},
    {Dim::kProductType, "product_type", "Product type"},
    {Dim::kProduct, "product", "Product"},
    {Dim::kCountry, "country", "Country"},
    {Dim::kState, "state", "State"},
    {Dim::kCity, "city", "City"},
    {Dim::kSegment, "segment", "Customer segment"},
    {Dim::kAgeBand, "age_band", "Age band"},
    {Dim::kGender, "gender", "Gender"},
    {Dim::kIncome, "income", "Income"},
    {Dim::kPaymentMethod, "payment_method", "Payment method"},
    {Dim::kShippingMethod, "shipping_method", "Shipping method"},
    {Dim::kOrderStatus, "order_status", "Order status"},
    {Dim::kFeedback, "feedback", "Feedback"},
    {Dim::kRating, "rating", "Rating"},
};
static_assert(std::size(kDims) == kDimCount);

// The first day of the period of `grain` that holds `day`.
Day PeriodStart(Day day, Grain grain) {
  switch (grain) {
    case Grain::kDay:
      return day;
    case Grain::kWeek:
      return static_cast<Day>(WeekStart(day));
    case Grain::kMonth:
      return static_cast<Day>(MonthStart(day));
  }
  return day;
}

// The first day of the period after the one starting at `start`.
Day NextPeriod(Day start, Grain grain) {
  switch (grain) {
    case Grain::kDay:
      return start + 1;
    case Grain::kWeek:
      return start + 7;
    case Grain::kMonth:
      return static_cast<Day>(NextMonthStart(start));
  }
  return start + 1;
}

// Members' order: by their text, the unknown member last.
bool MemberLess(std::string_view a, std::string_view b) {
  bool a_unknown = a == kUnknownMember;
  bool b_unknown = b == kUnknownMember;
  if (a_unknown != b_unknown) return b_unknown;
  return a < b;
}

}  // namespace

std::span<const DimInfo> Dims() { return kDims; }

std::optional<Dim> DimByName(std::string_view name) {
  for (const auto& info : kDims) {
    if (info.name == name) return info.dim;
  }
  return std::nullopt;
}

const DimInfo& InfoOf(Dim dim) { return kDims[static_cast<size_t>(dim)]; }

std::string_view AgeBand(std::optional<int64_t> age) {
  if (!age) return kUnknownMember;
  if (*age < 18) return "<18";
  if (*age < 25) return "18-24";
  if (*age < 35) return "25-34";
  if (*age < 45) return "35-44";
  if (*age < 55) return "45-54";
  if (*age < 65) return "55-64";
  return "65+";
}

Day DayFromKey(int32_t yyyymmdd) { return static_cast<Day>(DaysFromCivil(DateFromKey(yyyymmdd))); }

std::string FormatDay(Day day) { return FormatDate(CivilFromDays(day)); }

std::optional<Day> ParseDay(std::string_view text) {
  auto date = ParseIsoDate(text);
  if (!date) return std::nullopt;
  return static_cast<Day>(DaysFromCivil(*date));
}

// A Selection turned into what the scan tests per row: a date range, and for each column some
// dimension filters, one flag per code.
struct Cube::Compiled {
  bool dates = false;
  Day from = 0;
  Day to = 0;
  bool nothing = false;  // some filter allows no code at all
  struct Test {
    const NarrowColumn* codes;
    std::vector<uint8_t> allowed;
  };
  std::vector<Test> tests;

  bool Pass(const Cube& cube, size_t row) const {
    if (dates) {
      Day day = cube.DayAt(row);
      if (day == kNoDay || day < from || day > to) return false;
    }
    for (const auto& test : tests) {
      if (!test.allowed[(*test.codes)[row]]) return false;
    }
    return true;
  }
};

Cube::Compiled Cube::Compile(const Selection& selection, bool with_dates) const {
  Compiled compiled;
  if (with_dates && (selection.from || selection.to)) {
    compiled.dates = true;
    compiled.from = selection.from.value_or(std::numeric_limits<Day>::min() + 1);
    compiled.to = selection.to.value_or(std::numeric_limits<Day>::max());
  }
  std::array<std::vector<uint8_t>, kSourceCount> allowed;
  for (size_t d = 0; d < kDimCount; ++d) {
    const auto& members = selection.members[d];
    if (members.empty()) continue;
    const Table& table = tables_[d];
    std::vector<uint8_t> chosen(table.members.size(), 0);
    for (uint32_t member : members) {
      if (member < chosen.size()) chosen[member] = 1;
    }
    auto& mask = allowed[table.source];
    if (mask.empty()) mask.assign(table.member_of.size(), 1);
    for (size_t code = 0; code < table.member_of.size(); ++code) {
      uint32_t member = table.member_of[code];
      mask[code] = mask[code] && member != kNoMember && chosen[member];
    }
  }
  for (size_t s = 0; s < kSourceCount; ++s) {
    if (allowed[s].empty()) continue;
    if (std::find(allowed[s].begin(), allowed[s].end(), 1) == allowed[s].end()) {
      compiled.nothing = true;
    }
    compiled.tests.push_back({&codes_[s], std::move(allowed[s])});
  }
  return compiled;
}

// Adds every selected row to the group `group_of(row)` names (negative: none). Rows are ordered
// by customer, so a group counts a customer when its last counted customer differs.
template <typename GroupOf>
void Cube::Accumulate(const Compiled& compiled, GroupOf group_of,
                      std::vector<Measures>& out) const {
  if (compiled.nothing) return;
  const bool tests = compiled.dates || !compiled.tests.empty();
  const bool fixed = !amount_fixed_.empty() || rows() == 0;
  if (tests && fixed) {
    Scan<true, true>(compiled, group_of, out);
  } else if (tests) {
    Scan<true, false>(compiled, group_of, out);
  } else if (fixed) {
    Scan<false, true>(compiled, group_of, out);
  } else {
    Scan<false, false>(compiled, group_of, out);
  }
}

template <bool kTests, bool kFixed, typename GroupOf>
void Cube::Scan(const Compiled& compiled, GroupOf group_of, std::vector<Measures>& out) const {
  // Whole-number sums per group, turned into Measures at the end.
  struct Sums {
    ExactSum revenue;
    int64_t orders = 0, units = 0, customers = 0, rating_sum = 0, rated = 0;
    uint32_t last_customer = 0;
  };
  std::vector<Sums> sums(out.size());
  const Table& rating_table = tables_[Index(Dim::kRating)];
  // The rating each rating code stands for, and whether it is known at all.
  std::vector<int64_t> rating_of(rating_table.member_of.size(), 0);
  std::vector<int64_t> rated_of(rating_table.member_of.size(), 0);
  for (size_t code = 0; code < rating_of.size(); ++code) {
    uint32_t id = rating_table.member_of[code];
    if (id == kNoMember || rating_table.members[id] == kUnknownMember) continue;
    const std::string& member = rating_table.members[id];
    std::from_chars(member.data(), member.data() + member.size(), rating_of[code]);
    rated_of[code] = 1;
  }
  const NarrowColumn& ratings = codes_[kRatingSource];
  const NarrowColumn& customers = customer_;
  const NarrowColumn& quantities = quantity_;
  const size_t n = rows();
  for (size_t row = 0; row < n; ++row) {
    if constexpr (kTests) {
      if (!compiled.Pass(*this, row)) continue;
    }
    int64_t group = group_of(row);
    if (group < 0) continue;
    Sums& m = sums[static_cast<size_t>(group)];
    if constexpr (kFixed) {
      m.revenue.Add(FromFixed(amount_fixed_[row]));
    } else {
      m.revenue.Add(SplitAmount{amount_whole_[row], amount_fraction_[row]});
    }
    m.orders += 1;
    m.units += quantities[row];
    m.rating_sum += rating_of[ratings[row]];
    m.rated += rated_of[ratings[row]];
    uint32_t customer = customers[row];
    if (customer != 0 && m.last_customer != customer) {
      m.last_customer = customer;
      m.customers += 1;
    }
  }
  for (size_t g = 0; g < out.size(); ++g) {
    const Sums& m = sums[g];
    out[g] = {m.revenue, m.orders, m.units, m.customers, m.rating_sum, m.rated};
  }
}

std::optional<uint32_t> Cube::MemberId(Dim dim, std::string_view member) const {
  const auto& members = tables_[Index(dim)].members;
  auto it =
      std::lower_bound(members.begin(), members.end(), member,
                       [](const std::string& a, std::string_view b) { return MemberLess(a, b); });
  if (it == members.end() || *it != member) return std::nullopt;
  return static_cast<uint32_t>(it - members.begin());
}

Measures Cube::Total(const Selection& selection) const {
  std::vector<Measures> out(1);
  Accumulate(
      Compile(selection, true), [](size_t) { return int64_t{0}; }, out);
  return out[0];
}

std::vector<Measures> Cube::Periods(const Selection& selection,
                                    std::span<const std::pair<Day, Day>> periods) const {
  std::vector<Measures> out(periods.size());
  Accumulate(
      Compile(selection, false),
      [&](size_t row) -> int64_t {
        Day day = DayAt(row);
        if (day == kNoDay) return -1;
        for (size_t p = 0; p < periods.size(); ++p) {
          if (day >= periods[p].first && day <= periods[p].second) return static_cast<int64_t>(p);
        }
        return -1;
      },
      out);
  return out;
}

std::vector<Bucket> Cube::Series(const Selection& selection, Grain grain) const {
  if (!first_day_) return {};
  // Each day of the data's range maps to the index of its period.
  const Day first = PeriodStart(*first_day_, grain);
  std::vector<Day> starts;
  std::vector<int32_t> period_of(static_cast<size_t>(*last_day_ - first + 1));
  for (Day start = first; start <= *last_day_; start = NextPeriod(start, grain)) {
    Day end = std::min(NextPeriod(start, grain), *last_day_ + 1);
    for (Day day = start; day < end; ++day) {
      period_of[static_cast<size_t>(day - first)] = static_cast<int32_t>(starts.size());
    }
    starts.push_back(start);
  }
  std::vector<Measures> out(starts.size());
  Accumulate(
      Compile(selection, true),
      [&](size_t row) -> int64_t {
        Day day = DayAt(row);
        if (day == kNoDay) return -1;
        return period_of[static_cast<size_t>(day - first)];
      },
      out);
  size_t begin = 0;
  size_t end = out.size();
  while (begin < end && out[begin].orders == 0) ++begin;
  while (end > begin && out[end - 1].orders == 0) --end;
  std::vector<Bucket> buckets;
  for (size_t i = begin; i < end; ++i) buckets.push_back({starts[i], out[i]});
  return buckets;
}

std::optional<std::vector<Group>> Cube::Breakdown(const Selection& selection,
                                                  std::span<const Dim> dims) const {
  if (dims.empty() || dims.size() > 2) return std::nullopt;
  const Table& first = tables_[Index(dims[0])];
  const Table* second = dims.size() == 2 ? &tables_[Index(dims[1])] : nullptr;
  const size_t width = second ? std::max<size_t>(second->members.size(), 1) : 1;
  const size_t groups = std::max<size_t>(first.members.size(), 1) * width;
  if (groups > kMaxGroups) return std::nullopt;
  std::vector<Measures> out(groups);
  const NarrowColumn& first_codes = codes_[first.source];
  const uint32_t* first_member = first.member_of.data();
  if (second) {
    const NarrowColumn& second_codes = codes_[second->source];
    const uint32_t* second_member = second->member_of.data();
    Accumulate(
        Compile(selection, true),
        [&](size_t row) -> int64_t {
          return static_cast<int64_t>(first_member[first_codes[row]] * width +
                                      second_member[second_codes[row]]);
        },
        out);
  } else {
    Accumulate(
        Compile(selection, true),
        [&](size_t row) -> int64_t { return first_member[first_codes[row]]; }, out);
  }
  std::vector<Group> result;
  for (size_t g = 0; g < groups; ++g) {
    if (out[g].orders == 0) continue;
    result.push_back(
        {{static_cast<uint32_t>(g / width), static_cast<uint32_t>(g % width)}, out[g]});
  }
  return result;
}

std::vector<Measures> Cube::MemberSeries(const Selection& selection, Dim dim, Grain grain, Day from,
                                         Day to, std::vector<Day>& starts) const {
  starts.clear();
  if (to < from) return {};
  const Day first = PeriodStart(from, grain);
  std::vector<int32_t> period_of(static_cast<size_t>(to - from + 1));
  for (Day start = first; start <= to; start = NextPeriod(start, grain)) {
    Day end = std::min(NextPeriod(start, grain), to + 1);
    for (Day day = std::max(start, from); day < end; ++day) {
      period_of[static_cast<size_t>(day - from)] = static_cast<int32_t>(starts.size());
    }
    starts.push_back(start);
  }
  const Table& table = tables_[Index(dim)];
  const size_t width = starts.size();
  std::vector<Measures> out(std::max<size_t>(table.members.size(), 1) * width);
  const NarrowColumn& codes = codes_[table.source];
  const uint32_t* member_of = table.member_of.data();
  Accumulate(
      Compile(selection, false),
      [&](size_t row) -> int64_t {
        Day day = DayAt(row);
        if (day == kNoDay || day < from || day > to) return -1;
        return static_cast<int64_t>(member_of[codes[row]] * width) +
               period_of[static_cast<size_t>(day - from)];
      },
      out);
  return out;
}

std::vector<Measures> Cube::MemberPeriods(const Selection& selection, Dim dim,
                                          std::span<const std::pair<Day, Day>> periods) const {
  const Table& table = tables_[Index(dim)];
  const size_t width = periods.size();
  std::vector<Measures> out(std::max<size_t>(table.members.size(), 1) * width);
  const NarrowColumn& codes = codes_[table.source];
  const uint32_t* member_of = table.member_of.data();
  Accumulate(
      Compile(selection, false),
      [&](size_t row) -> int64_t {
        Day day = DayAt(row);
        if (day == kNoDay) return -1;
        for (size_t p = 0; p < width; ++p) {
          if (day >= periods[p].first && day <= periods[p].second) {
            return static_cast<int64_t>(member_of[codes[row]] * width + p);
          }
        }
        return -1;
      },
      out);
  return out;
}

std::array<Measures, 2> Cube::NewAndReturning(const Selection& selection, Day since) const {
  std::vector<Measures> out(2);
  Accumulate(
      Compile(selection, true),
      [&](size_t row) -> int64_t {
        uint32_t customer = customer_[row];
        if (customer == 0) return -1;
        Day first = customer_first_day_[customer];
        if (first == kNoDay) return -1;
        return first >= since ? 0 : 1;
      },
      out);
  return {out[0], out[1]};
}

void Cube::CustomerSales(const Selection& selection,
                         const std::function<void(const CustomerSale&)>& visit) const {
  const Compiled compiled = Compile(selection, true);
  if (compiled.nothing) return;
  CustomerSale sale;
  for (size_t row = 0; row < rows(); ++row) {
    const uint32_t customer = customer_[row];
    const Day day = DayAt(row);
    if (customer == 0 || day == kNoDay || !compiled.Pass(*this, row)) continue;
    sale.customer_id = customer_ids_[customer];
    const uint32_t transaction = transaction_[row];
    sale.transaction_id = transaction == 0
                              ? std::nullopt
                              : std::optional<std::string_view>(transaction_ids_[transaction]);
    sale.day = day;
    // The amount was split exactly (SplitExact); whole plus fraction gives it back exactly.
    const SplitAmount amount = AmountAt(row);
    sale.amount =
        static_cast<double>(amount.whole) + std::ldexp(static_cast<double>(amount.fraction), -64);
    visit(sale);
  }
}

NarrowColumn::NarrowColumn(std::span<const uint32_t> values) : size_(values.size()) {
  const uint32_t largest = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  width_ = largest <= std::numeric_limits<uint8_t>::max()    ? 1
           : largest <= std::numeric_limits<uint16_t>::max() ? 2
                                                             : 4;
  switch (width_) {
    case 1:
      narrow_.assign(values.begin(), values.end());
      break;
    case 2:
      medium_.assign(values.begin(), values.end());
      break;
    default:
      wide_.assign(values.begin(), values.end());
      break;
  }
}

void NarrowColumn::Widen(uint32_t value) {
  const uint8_t width = value <= std::numeric_limits<uint16_t>::max() ? 2 : 4;
  if (width == 2) {
    medium_.assign(narrow_.begin(), narrow_.end());
  } else if (width_ == 1) {
    wide_.assign(narrow_.begin(), narrow_.end());
  } else {
    wide_.assign(medium_.begin(), medium_.end());
  }
  narrow_ = {};
  if (width == 4) medium_ = {};
  width_ = width;
}

NarrowColumn NarrowColumn::Gather(std::span<const uint32_t> order) const {
  NarrowColumn out;
  out.width_ = width_;
  out.size_ = order.size();
  auto gather = [&](const auto& from, auto& to) {
    to.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) to[i] = from[order[i]];
  };
  switch (width_) {
    case 1:
      gather(narrow_, out.narrow_);
      break;
    case 2:
      gather(medium_, out.medium_);
      break;
    default:
      gather(wide_, out.wide_);
      break;
  }
  return out;
}

// ---- building ----

namespace {

// The double SplitExact split: exact, as the double had at most 53 significant bits, which the
// fraction's conversion keeps, and the sum is that double itself.
double JoinExact(SplitAmount amount) {
  return static_cast<double>(amount.whole) + std::ldexp(static_cast<double>(amount.fraction), -64);
}

}  // namespace

CubeBuilder::Interned::Interned() : codes_(0, Hash{&table_}, Eq{&table_}) { Code(""); }

size_t CubeBuilder::Interned::Hash::operator()(std::string_view text) const {
  return absl::Hash<std::string_view>{}(text);
}

std::optional<uint32_t> CubeBuilder::Interned::Code(std::string_view text) {
  if (!table_.Fits(text)) {
    auto it = codes_.find(text);
    if (it == codes_.end()) return std::nullopt;
    return *it;
  }
  // One hash of the text whether it is new or not; the code is made only when it is.
  return *codes_.lazy_emplace(text, [&](const auto& make) {
    table_.Add(text);
    make(static_cast<uint32_t>(table_.size() - 1));
  });
}

StringTable CubeBuilder::Interned::Take() {
  codes_.clear();
  StringTable taken = std::move(table_);
  table_ = {};
  return taken;
}

void CubeBuilder::Interned::Assign(const StringTable& table) {
  table_ = table;
  codes_.clear();
  codes_.reserve(table_.size());
  for (uint32_t code = 0; code < table_.size(); ++code) codes_.insert(code);
}

CubeBuilder::CubeBuilder(const Cube& base) {
  const size_t n = base.rows();
  auto keyed = [](const std::vector<int64_t>& keys, KeyCodes& codes) {
    for (int64_t key : keys) Code(codes, key);
  };
  keyed(base.source_keys_[Cube::kProductSource], product_codes_);
  keyed(base.source_keys_[Cube::kLocationSource], location_codes_);
  constexpr Cube::Source kAttributeSources[] = {Cube::kGenderSource,  Cube::kIncomeSource,
                                                Cube::kPaymentSource, Cube::kShippingSource,
                                                Cube::kStatusSource,  Cube::kFeedbackSource};
  for (size_t a = 0; a < 6; ++a)
    keyed(base.source_keys_[kAttributeSources[a]], attribute_codes_[a]);
  auto labelled = [&](Cube::Source source, Labels& labels) {
    for (const std::string& label : base.source_labels_[source]) LabelCode(labels, label);
  };
  labelled(Cube::kSegmentSource, segments_);
  labelled(Cube::kAgeBandSource, age_bands_);
  labelled(Cube::kRatingSource, ratings_);
  // Both tables start with "" (code 0), as these do.
  if (base.customer_ids_.size() > 0) customers_.Assign(base.customer_ids_);
  if (base.transaction_ids_.size() > 0) transactions_.Assign(base.transaction_ids_);
  // The columns as they are (the rows stay in the base's order), the days and amounts unpacked.
  customer_ = base.customer_;
  codes_ = base.codes_;
  quantity_ = base.quantity_;
  transaction_ = base.transaction_;
  day_.resize(n);
  amount_.resize(n);
  for (size_t row = 0; row < n; ++row) {
    day_[row] = base.DayAt(row);
    amount_[row] = JoinExact(base.AmountAt(row));
  }
}

uint32_t CubeBuilder::Code(KeyCodes& codes, int64_t key) {
  auto [it, added] = codes.try_emplace(key, static_cast<uint32_t>(codes.size()));
  return it->second;
}

uint32_t CubeBuilder::LabelCode(Labels& labels, std::string_view label) {
  // This absl's string_view is its own type, not std's.
  auto it = labels.codes.find(absl::string_view(label.data(), label.size()));
  if (it != labels.codes.end()) return it->second;
  const auto code = static_cast<uint32_t>(labels.labels.size());
  labels.codes.emplace(std::string(label), code);
  labels.labels.emplace_back(label);
  return code;
}

void CubeBuilder::SetProduct(int64_t key, Product product) {
  uint32_t code = Code(product_codes_, key);
  if (code >= products_.size()) products_.resize(code + 1);
  products_[code] = std::move(product);
}

void CubeBuilder::SetLocation(int64_t key, Location location) {
  uint32_t code = Code(location_codes_, key);
  if (code >= locations_.size()) locations_.resize(code + 1);
  locations_[code] = std::move(location);
}

void CubeBuilder::SetAttribute(Attribute attribute, int64_t key, std::string label) {
  auto a = static_cast<size_t>(attribute);
  uint32_t code = Code(attribute_codes_[a], key);
  if (code >= attribute_labels_[a].size()) attribute_labels_[a].resize(code + 1);
  attribute_labels_[a][code] = std::move(label);
}

bool CubeBuilder::Add(const Sale& sale) {
  std::optional<uint32_t> customer = 0;
  if (sale.customer_id) customer = customers_.Code(*sale.customer_id);
  std::optional<uint32_t> transaction = 0;
  if (sale.transaction_id) transaction = transactions_.Code(*sale.transaction_id);
  if (!customer || !transaction) return false;
  day_.push_back(sale.date_key == 0 ? kNoDay : DayFromKey(sale.date_key));
  customer_.PushBack(*customer);
  codes_[Cube::kProductSource].PushBack(Code(product_codes_, sale.product_key));
  codes_[Cube::kLocationSource].PushBack(Code(location_codes_, sale.location_key));
  codes_[Cube::kSegmentSource].PushBack(LabelCode(segments_, sale.segment.value_or("")));
  std::string_view band = AgeBand(sale.age);
  codes_[Cube::kAgeBandSource].PushBack(
      LabelCode(age_bands_, band == kUnknownMember ? std::string_view() : band));
  constexpr Cube::Source kAttributeSources[] = {Cube::kGenderSource,  Cube::kIncomeSource,
                                                Cube::kPaymentSource, Cube::kShippingSource,
                                                Cube::kStatusSource,  Cube::kFeedbackSource};
  for (size_t a = 0; a < 6; ++a) {
    codes_[kAttributeSources[a]].PushBack(Code(attribute_codes_[a], sale.attribute_keys[a]));
  }
  uint32_t rating;
  if (!sale.rating) {
    if (!no_rating_code_) no_rating_code_ = LabelCode(ratings_, "");
    rating = *no_rating_code_;
  } else if (auto it = rating_codes_.find(*sale.rating); it != rating_codes_.end()) {
    rating = it->second;
  } else {
    rating = LabelCode(ratings_, std::to_string(*sale.rating));
    rating_codes_.emplace(*sale.rating, rating);
  }
  codes_[Cube::kRatingSource].PushBack(rating);
  transaction_.PushBack(*transaction);
  quantity_.PushBack(static_cast<uint32_t>(sale.quantity));
  amount_.push_back(sale.amount);
  return true;
}

namespace {

// A dimension's table: its members sorted (the unknown one last) and each code's member.
// Only codes some sale uses (`used`) make members: a dimension row no sale points at (the
// Unknown row every dimension has, a product only an unloaded file sold) is no member; its code
// maps to kNoMember.
template <typename LabelOf>
void FillTable(const std::vector<uint8_t>& used, LabelOf label_of,
               std::vector<std::string>& members, std::vector<uint32_t>& member_of) {
  const size_t codes = used.size();
  std::vector<std::string> labels(codes);
  members.clear();
  for (size_t code = 0; code < codes; ++code) {
    if (!used[code]) continue;
    std::string_view label = label_of(code);
    labels[code] = label.empty() ? std::string(kUnknownMember) : std::string(label);
    members.push_back(labels[code]);
  }
  std::sort(members.begin(), members.end(), MemberLess);
  members.erase(std::unique(members.begin(), members.end()), members.end());
  member_of.assign(codes, Cube::kNoMember);
  for (size_t code = 0; code < codes; ++code) {
    if (!used[code]) continue;
    auto it = std::lower_bound(members.begin(), members.end(), labels[code], MemberLess);
    member_of[code] = static_cast<uint32_t>(it - members.begin());
  }
}

}  // namespace

Cube CubeBuilder::Build() const& { return Make(*this); }

Cube CubeBuilder::Build() && { return Make(*this); }

template <typename Self>
Cube CubeBuilder::Make(Self& self) {
  // A builder given up (Build() &&) lets go of each column once the cube has its own.
  constexpr bool kConsume = !std::is_const_v<Self>;
  auto release = [](auto& column) {
    if constexpr (kConsume) column = {};
  };
  Cube cube;
  const size_t n = self.day_.size();

  // Rows ordered by customer, by counting: customers are dense codes. Row numbers fit 32 bits:
  // a cube's codes do.
  const size_t customers = self.customers_.table().size();
  std::vector<size_t> start(customers + 1, 0);
  for (size_t row = 0; row < n; ++row) ++start[self.customer_[row] + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<uint32_t> order(n);
  for (size_t row = 0; row < n; ++row) {
    order[start[self.customer_[row]]++] = static_cast<uint32_t>(row);
  }
  start = {};

  // Each column permuted at its width: the builder's columns are as narrow as their largest
  // code needs, which is what the cube's need.
  cube.customer_ = self.customer_.Gather(order);
  release(self.customer_);
  for (size_t s = 0; s < Cube::kSourceCount; ++s) {
    cube.codes_[s] = self.codes_[s].Gather(order);
    release(self.codes_[s]);
  }
  cube.quantity_ = self.quantity_.Gather(order);
  release(self.quantity_);
  cube.transaction_ = self.transaction_.Gather(order);
  release(self.transaction_);
  std::vector<uint32_t> scratch(n);

  // Days as distances from the first known one.
  Day base = 0;
  bool dated = false;
  for (Day day : self.day_) {
    if (day == kNoDay) continue;
    if (!dated || day < base) base = day;
    dated = true;
  }
  cube.base_day_ = base;
  for (size_t i = 0; i < n; ++i) {
    const Day day = self.day_[order[i]];
    scratch[i] = day == kNoDay ? 0 : static_cast<uint32_t>(static_cast<int64_t>(day) - base + 1);
  }
  cube.day_ = NarrowColumn(scratch);
  scratch = {};
  release(self.day_);

  // Amounts: the fewest fraction bits that hold every fraction, and the widest whole part.
  int whole_bits = 0;
  int fraction_bits = 0;
  // (Split again in each pass rather than held: 16 bytes a row.)
  for (double value : self.amount_) {
    const SplitAmount amount = SplitExact(value);
    whole_bits = std::max(whole_bits, static_cast<int>(std::bit_width(amount.whole)));
    if (amount.fraction != 0) {
      fraction_bits = std::max(fraction_bits, 64 - std::countr_zero(amount.fraction));
    }
  }
  if (whole_bits + fraction_bits <= 64) {
    cube.fraction_bits_ = static_cast<uint8_t>(fraction_bits);
    cube.amount_fixed_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const SplitAmount amount = SplitExact(self.amount_[order[i]]);
      uint64_t fixed = 0;
      if (fraction_bits == 0) {
        fixed = amount.whole;
      } else if (fraction_bits == 64) {
        fixed = amount.fraction;
      } else {
        fixed =
            (uint64_t{amount.whole} << fraction_bits) | (amount.fraction >> (64 - fraction_bits));
      }
      cube.amount_fixed_[i] = fixed;
    }
  } else {
    cube.amount_whole_.resize(n);
    cube.amount_fraction_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const SplitAmount amount = SplitExact(self.amount_[order[i]]);
      cube.amount_whole_[i] = amount.whole;
      cube.amount_fraction_[i] = amount.fraction;
    }
  }
  order = {};
  release(self.amount_);

  if constexpr (kConsume) {
    cube.transaction_ids_ = self.transactions_.Take();
  } else {
    cube.transaction_ids_ = self.transactions_.table();
  }
  cube.transaction_ids_.ShrinkToFit();
  if constexpr (kConsume) {
    cube.customer_ids_ = self.customers_.Take();
  } else {
    cube.customer_ids_ = self.customers_.table();
  }
  cube.customer_ids_.ShrinkToFit();

  cube.customer_first_day_.assign(customers, kNoDay);
  for (size_t row = 0; row < n; ++row) {
    Day day = cube.DayAt(row);
    if (day == kNoDay) continue;
    Day& first = cube.customer_first_day_[cube.customer_[row]];
    if (first == kNoDay || day < first) first = day;
    if (!cube.first_day_ || day < *cube.first_day_) cube.first_day_ = day;
    if (!cube.last_day_ || day > *cube.last_day_) cube.last_day_ = day;
  }

  // The keys and labels of the codes, for a builder to go on from this cube.
  auto keys_of = [](const KeyCodes& codes) {
    std::vector<int64_t> keys(codes.size());
    for (const auto& [key, code] : codes) keys[code] = key;
    return keys;
  };
  cube.source_keys_[Cube::kProductSource] = keys_of(self.product_codes_);
  cube.source_keys_[Cube::kLocationSource] = keys_of(self.location_codes_);
  cube.source_labels_[Cube::kSegmentSource] = self.segments_.labels;
  cube.source_labels_[Cube::kAgeBandSource] = self.age_bands_.labels;
  cube.source_labels_[Cube::kRatingSource] = self.ratings_.labels;

  // Every key met in a sale has a code; one without a dimension row has empty labels.
  std::vector<Product> products = self.products_;
  products.resize(self.product_codes_.size());
  std::vector<Location> locations = self.locations_;
  locations.resize(self.location_codes_.size());
  auto table = [&](Dim dim, Cube::Source source, size_t codes, auto label_of) {
    Cube::Table& t = cube.tables_[Cube::Index(dim)];
    t.source = source;
    std::vector<uint8_t> used(codes, 0);
    const NarrowColumn& column = cube.codes_[source];
    for (size_t row = 0; row < column.size(); ++row) used[column[row]] = 1;
    FillTable(used, label_of, t.members, t.member_of);
  };
  table(Dim::kCategory, Cube::kProductSource, products.size(),
        [&](size_t c) -> std::string_view { return products[c].category; });
  table(Dim::kBrand, Cube::kProductSource, products.size(),
        [&](size_t c) -> std::string_view { return products[c].brand; });
  table(Dim::kProductType, Cube::kProductSource, products.size(),
        [&](size_t c) -> std::string_view { return products[c].product_type; });
  table(Dim::kProduct, Cube::kProductSource, products.size(),
        [&](size_t c) -> std::string_view { return products[c].name; });
  table(Dim::kCountry, Cube::kLocationSource, locations.size(),
        [&](size_t c) -> std::string_view { return locations[c].country; });
  table(Dim::kState, Cube::kLocationSource, locations.size(),
        [&](size_t c) -> std::string_view { return locations[c].state; });
  table(Dim::kCity, Cube::kLocationSource, locations.size(),
        [&](size_t c) -> std::string_view { return locations[c].city; });
  table(Dim::kSegment, Cube::kSegmentSource, self.segments_.labels.size(),
        [&](size_t c) -> std::string_view { return self.segments_.labels[c]; });
  table(Dim::kAgeBand, Cube::kAgeBandSource, self.age_bands_.labels.size(),
        [&](size_t c) -> std::string_view { return self.age_bands_.labels[c]; });
  table(Dim::kRating, Cube::kRatingSource, self.ratings_.labels.size(),
        [&](size_t c) -> std::string_view { return self.ratings_.labels[c]; });
  constexpr std::pair<Dim, Cube::Source> kAttributes[] = {
      {Dim::kGender, Cube::kGenderSource},         {Dim::kIncome, Cube::kIncomeSource},
      {Dim::kPaymentMethod, Cube::kPaymentSource}, {Dim::kShippingMethod, Cube::kShippingSource},
      {Dim::kOrderStatus, Cube::kStatusSource},    {Dim::kFeedback, Cube::kFeedbackSource},
  };
  for (size_t a = 0; a < 6; ++a) {
    cube.source_keys_[kAttributes[a].second] = keys_of(self.attribute_codes_[a]);
    std::vector<std::string> labels = self.attribute_labels_[a];
    labels.resize(self.attribute_codes_[a].size());
    table(kAttributes[a].first, kAttributes[a].second, labels.size(),
          [&](size_t c) -> std::string_view { return labels[c]; });
  }
  return cube;
}

}  // namespace till
