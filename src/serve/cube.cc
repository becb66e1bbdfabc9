#include "serve/cube.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

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
    const uint32_t* codes;
    std::vector<uint8_t> allowed;
  };
  std::vector<Test> tests;

  bool Pass(const Cube& cube, size_t row) const {
    if (dates) {
      Day day = cube.day_[row];
      if (day == kNoDay || day < from || day > to) return false;
    }
    for (const auto& test : tests) {
      if (!test.allowed[test.codes[row]]) return false;
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
    compiled.tests.push_back({codes_[s].data(), std::move(allowed[s])});
  }
  return compiled;
}

// Adds every selected row to the group `group_of(row)` names (negative: none). Rows are ordered
// by customer, so a group counts a customer when its last counted customer differs.
template <typename GroupOf>
void Cube::Accumulate(const Compiled& compiled, GroupOf group_of,
                      std::vector<Measures>& out) const {
  if (compiled.nothing) return;
  if (compiled.dates || !compiled.tests.empty()) {
    Scan<true>(compiled, group_of, out);
  } else {
    Scan<false>(compiled, group_of, out);
  }
}

template <bool kTests, typename GroupOf>
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
  const uint32_t* ratings = codes_[kRatingSource].data();
  const uint32_t* customers = customer_.data();
  const uint32_t* wholes = amount_whole_.data();
  const uint64_t* fractions = amount_fraction_.data();
  const int64_t* quantities = quantity_.data();
  const size_t n = rows();
  for (size_t row = 0; row < n; ++row) {
    if constexpr (kTests) {
      if (!compiled.Pass(*this, row)) continue;
    }
    int64_t group = group_of(row);
    if (group < 0) continue;
    Sums& m = sums[static_cast<size_t>(group)];
    m.revenue.Add(SplitAmount{wholes[row], fractions[row]});
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
        Day day = day_[row];
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
        Day day = day_[row];
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
  const uint32_t* first_codes = codes_[first.source].data();
  const uint32_t* first_member = first.member_of.data();
  if (second) {
    const uint32_t* second_codes = codes_[second->source].data();
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
  const uint32_t* codes = codes_[table.source].data();
  const uint32_t* member_of = table.member_of.data();
  Accumulate(
      Compile(selection, false),
      [&](size_t row) -> int64_t {
        Day day = day_[row];
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
  const uint32_t* codes = codes_[table.source].data();
  const uint32_t* member_of = table.member_of.data();
  Accumulate(
      Compile(selection, false),
      [&](size_t row) -> int64_t {
        Day day = day_[row];
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
    if (customer == 0 || day_[row] == kNoDay || !compiled.Pass(*this, row)) continue;
    sale.customer_id = customer_ids_[customer];
    const uint32_t transaction = transaction_[row];
    sale.transaction_id = transaction == 0
                              ? std::nullopt
                              : std::optional<std::string_view>(transaction_ids_[transaction]);
    sale.day = day_[row];
    // The amount was split exactly (SplitExact); whole plus fraction gives it back exactly.
    sale.amount = static_cast<double>(amount_whole_[row]) +
                  std::ldexp(static_cast<double>(amount_fraction_[row]), -64);
    visit(sale);
  }
}

// ---- building ----

uint32_t CubeBuilder::Code(std::unordered_map<int64_t, uint32_t>& codes, int64_t key) {
  auto [it, added] = codes.try_emplace(key, static_cast<uint32_t>(codes.size()));
  return it->second;
}

uint32_t CubeBuilder::LabelCode(Labels& labels, std::string_view label) {
  auto [it, added] =
      labels.codes.try_emplace(std::string(label), static_cast<uint32_t>(labels.labels.size()));
  if (added) labels.labels.emplace_back(label);
  return it->second;
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

void CubeBuilder::Add(const Sale& sale) {
  day_.push_back(sale.date_key == 0 ? kNoDay : DayFromKey(sale.date_key));
  if (sale.customer_id) {
    auto [it, added] = customer_codes_.try_emplace(std::string(*sale.customer_id),
                                                   static_cast<uint32_t>(customer_codes_.size()));
    if (added) customer_ids_.emplace_back(*sale.customer_id);
    customer_.push_back(it->second);
  } else {
    customer_.push_back(0);
  }
  codes_[Cube::kProductSource].push_back(Code(product_codes_, sale.product_key));
  codes_[Cube::kLocationSource].push_back(Code(location_codes_, sale.location_key));
  codes_[Cube::kSegmentSource].push_back(LabelCode(segments_, sale.segment.value_or("")));
  std::string_view band = AgeBand(sale.age);
  codes_[Cube::kAgeBandSource].push_back(
      LabelCode(age_bands_, band == kUnknownMember ? std::string_view() : band));
  constexpr Cube::Source kAttributeSources[] = {Cube::kGenderSource,  Cube::kIncomeSource,
                                                Cube::kPaymentSource, Cube::kShippingSource,
                                                Cube::kStatusSource,  Cube::kFeedbackSource};
  for (size_t a = 0; a < 6; ++a) {
    codes_[kAttributeSources[a]].push_back(Code(attribute_codes_[a], sale.attribute_keys[a]));
  }
  codes_[Cube::kRatingSource].push_back(
      LabelCode(ratings_, sale.rating ? std::to_string(*sale.rating) : std::string()));
  if (sale.transaction_id) {
    auto [it, added] = transaction_codes_.try_emplace(
        std::string(*sale.transaction_id), static_cast<uint32_t>(transaction_ids_.size()));
    if (added) transaction_ids_.emplace_back(*sale.transaction_id);
    transaction_.push_back(it->second);
  } else {
    transaction_.push_back(0);
  }
  quantity_.push_back(sale.quantity);
  SplitAmount amount = SplitExact(sale.amount);
  amount_whole_.push_back(amount.whole);
  amount_fraction_.push_back(amount.fraction);
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

Cube CubeBuilder::Build() const {
  Cube cube;
  const size_t n = day_.size();

  // Rows ordered by customer, by counting: customers are dense codes.
  const size_t customers = customer_codes_.size();
  std::vector<size_t> start(customers + 1, 0);
  for (uint32_t customer : customer_) ++start[customer + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<size_t> order(n);
  for (size_t row = 0; row < n; ++row) order[start[customer_[row]]++] = row;

  auto permuted = [&](const auto& column) {
    std::remove_cvref_t<decltype(column)> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = column[order[i]];
    return out;
  };
  cube.day_ = permuted(day_);
  cube.customer_ = permuted(customer_);
  for (size_t s = 0; s < Cube::kSourceCount; ++s) cube.codes_[s] = permuted(codes_[s]);
  cube.quantity_ = permuted(quantity_);
  cube.amount_whole_ = permuted(amount_whole_);
  cube.amount_fraction_ = permuted(amount_fraction_);
  cube.transaction_ = permuted(transaction_);
  cube.transaction_ids_ = transaction_ids_;
  cube.customer_ids_ = customer_ids_;

  cube.customer_first_day_.assign(customers, kNoDay);
  for (size_t row = 0; row < n; ++row) {
    Day day = cube.day_[row];
    if (day == kNoDay) continue;
    Day& first = cube.customer_first_day_[cube.customer_[row]];
    if (first == kNoDay || day < first) first = day;
    if (!cube.first_day_ || day < *cube.first_day_) cube.first_day_ = day;
    if (!cube.last_day_ || day > *cube.last_day_) cube.last_day_ = day;
  }

  // Every key met in a sale has a code; one without a dimension row has empty labels.
  std::vector<Product> products = products_;
  products.resize(product_codes_.size());
  std::vector<Location> locations = locations_;
  locations.resize(location_codes_.size());
  auto table = [&](Dim dim, Cube::Source source, size_t codes, auto label_of) {
    Cube::Table& t = cube.tables_[Cube::Index(dim)];
    t.source = source;
    std::vector<uint8_t> used(codes, 0);
    for (uint32_t code : cube.codes_[source]) used[code] = 1;
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
  table(Dim::kSegment, Cube::kSegmentSource, segments_.labels.size(),
        [&](size_t c) -> std::string_view { return segments_.labels[c]; });
  table(Dim::kAgeBand, Cube::kAgeBandSource, age_bands_.labels.size(),
        [&](size_t c) -> std::string_view { return age_bands_.labels[c]; });
  table(Dim::kRating, Cube::kRatingSource, ratings_.labels.size(),
        [&](size_t c) -> std::string_view { return ratings_.labels[c]; });
  constexpr std::pair<Dim, Cube::Source> kAttributes[] = {
      {Dim::kGender, Cube::kGenderSource},         {Dim::kIncome, Cube::kIncomeSource},
      {Dim::kPaymentMethod, Cube::kPaymentSource}, {Dim::kShippingMethod, Cube::kShippingSource},
      {Dim::kOrderStatus, Cube::kStatusSource},    {Dim::kFeedback, Cube::kFeedbackSource},
  };
  for (size_t a = 0; a < 6; ++a) {
    std::vector<std::string> labels = attribute_labels_[a];
    labels.resize(attribute_codes_[a].size());
    table(kAttributes[a].first, kAttributes[a].second, labels.size(),
          [&](size_t c) -> std::string_view { return labels[c]; });
  }
  return cube;
}

}  // namespace till
