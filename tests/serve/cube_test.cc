// The sales cube by hand: days and age bands, then a dozen sales whose every total, series,
// breakdown and filter is worked out below from the table in CubeTest.
#include "serve/cube.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace till {
namespace {

using Attribute = CubeBuilder::Attribute;

Day D(std::string_view text) {
  auto day = ParseDay(text);
  EXPECT_TRUE(day) << text;
  return day.value_or(0);
}

TEST(ParseDayTest, AcceptsCalendarDates) {
  EXPECT_EQ(ParseDay("1970-01-01"), 0);
  EXPECT_EQ(ParseDay("1970-01-02"), 1);
  EXPECT_EQ(ParseDay("1969-12-31"), -1);
  EXPECT_EQ(ParseDay("2024-02-29"), DayFromKey(20240229));
  EXPECT_EQ(ParseDay("2000-02-29"), DayFromKey(20000229));
  EXPECT_EQ(ParseDay("2023-12-31"), DayFromKey(20231231));
}

TEST(ParseDayTest, RefusesWhatIsNotACalendarDateInTheFormYyyyMmDd) {
  for (const char* text :
       {"2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00",
        "2024-1-01", "2024-01-1", "24-01-01", "2024-01-01x", "2024-01-01 ", " 2024-01-01",
        "2024-01-0x", "2024/01/01", "20240101", "2024-01-01T00:00", "", "yyyy-mm-dd"}) {
    EXPECT_EQ(ParseDay(text), std::nullopt) << "'" << text << "'";
  }
}

// A sign is not a digit: "-001-01-01" is not YYYY-MM-DD.
TEST(ParseDayTest, RefusesASignedYear) {
  EXPECT_EQ(ParseDay("-001-01-01"), std::nullopt);
  EXPECT_EQ(ParseDay("-999-12-31"), std::nullopt);
}

TEST(DayTest, FormatDayParseDayAndDayFromKeyAgree) {
  EXPECT_EQ(FormatDay(0), "1970-01-01");
  EXPECT_EQ(FormatDay(-1), "1969-12-31");
  EXPECT_EQ(FormatDay(DayFromKey(20240229)), "2024-02-29");
  EXPECT_EQ(DayFromKey(20240301) - DayFromKey(20240228), 2);  // a leap year
  EXPECT_EQ(DayFromKey(20230301) - DayFromKey(20230228), 1);
  for (Day day = -800; day < 40'000; day += 37) {
    std::string text = FormatDay(day);
    ASSERT_EQ(ParseDay(text), day) << text;
    int32_t key = std::stoi(text.substr(0, 4) + text.substr(5, 2) + text.substr(8, 2));
    ASSERT_EQ(DayFromKey(key), day) << key;
  }
}

TEST(AgeBandTest, PutsEachEdgeInItsBand) {
  EXPECT_EQ(AgeBand(0), "<18");
  EXPECT_EQ(AgeBand(17), "<18");
  EXPECT_EQ(AgeBand(18), "18-24");
  EXPECT_EQ(AgeBand(24), "18-24");
  EXPECT_EQ(AgeBand(25), "25-34");
  EXPECT_EQ(AgeBand(34), "25-34");
  EXPECT_EQ(AgeBand(35), "35-44");
  EXPECT_EQ(AgeBand(45), "45-54");
  EXPECT_EQ(AgeBand(55), "55-64");
  EXPECT_EQ(AgeBand(64), "55-64");
  EXPECT_EQ(AgeBand(65), "65+");
  EXPECT_EQ(AgeBand(120), "65+");
  EXPECT_EQ(AgeBand(std::nullopt), kUnknownMember);
}

TEST(DimsTest, NamesEveryDimensionOnce) {
  ASSERT_EQ(Dims().size(), kDimCount);
  for (const auto& info : Dims()) {
    EXPECT_EQ(DimByName(info.name), info.dim);
    EXPECT_EQ(InfoOf(info.dim).name, info.name);
  }
  EXPECT_EQ(DimByName("category"), Dim::kCategory);
  EXPECT_EQ(DimByName("age_band"), Dim::kAgeBand);
  EXPECT_EQ(DimByName("Category"), std::nullopt);
  EXPECT_EQ(DimByName("from"), std::nullopt);
}

// One sale of the table below.
struct Row {
  const char* customer;  // nullptr: unknown
  int32_t date;          // YYYYMMDD; 0: unknown
  int64_t product;
  int64_t location;
  int64_t gender;    // 0: unknown
  int64_t payment;   // 1 Cash, 2 Card
  int64_t shipping;  // 1 Standard, 0 unknown
  std::optional<int64_t> rating;
  int64_t quantity;
  double amount;
  std::optional<int64_t> age;
  const char* segment;  // nullptr: unknown
};

// Products: 1 Books/Penguin/Fiction/Novel, 2 Books/Penguin/Non-Fiction/Atlas,
// 3 Electronics/Apple/Phone/iPhone, 4 Electronics/Samsung/Phone/Galaxy, 0 unknown.
// Locations: 1 USA/Texas/Austin, 2 UK/England/London. Genders: 1 Male, 2 Female, 0 unknown.
// 2023-12-31 and 2024-03-31 are Sundays, 2024-01-01 a Monday; February has no sale.
const Row kRows[] = {
    // customer date   product location gender payment shipping rating qty amount age segment
    {"A", 20240101, 1, 1, 1, 1, 1, 5, 1, 10, 30, "Premium"},              // r1
    {"A", 20240103, 3, 1, 1, 2, 1, 4, 2, 200, 30, "Premium"},             // r2
    {"A", 20240103, 3, 1, 1, 2, 1, std::nullopt, 1, 100, 30, "Premium"},  // r3
    {"B", 20240102, 2, 2, 2, 1, 1, 3, 1, 20, 17, "Regular"},              // r4
    {"B", 20240305, 4, 2, 2, 2, 1, 2, 1, 300, 17, "Regular"},             // r5
    {"C", 20240310, 1, 1, 2, 1, 0, 5, 3, 30, 65, "Regular"},              // r6
    {"C", 20240331, 4, 2, 0, 2, 0, 1, 1, 50, 65, "Regular"},              // r7
    {"D", 20231231, 2, 1, 1, 1, 0, std::nullopt, 2, 40, 24, "Regular"},   // r8
    {nullptr, 20240108, 1, 2, 1, 1, 0, 4, 1, 15, std::nullopt, nullptr},  // r9
    {"E", 0, 3, 1, 2, 2, 0, 3, 1, 500, 25, "Regular"},                    // r10
    {"D", 20240306, 0, 1, 1, 1, 0, 2, 1, 5, 24, "Regular"},               // r11
};

void AddRow(CubeBuilder& builder, const Row& row) {
  CubeBuilder::Sale sale;
  sale.date_key = row.date;
  sale.product_key = row.product;
  sale.location_key = row.location;
  if (row.customer) sale.customer_id = row.customer;
  sale.age = row.age;
  if (row.segment) sale.segment = row.segment;
  sale.attribute_keys[static_cast<size_t>(Attribute::kGender)] = row.gender;
  sale.attribute_keys[static_cast<size_t>(Attribute::kPayment)] = row.payment;
  sale.attribute_keys[static_cast<size_t>(Attribute::kShipping)] = row.shipping;
  sale.rating = row.rating;
  sale.quantity = row.quantity;
  sale.amount = row.amount;
  ASSERT_TRUE(builder.Add(sale));
}

// The measures a test expects; revenue compared exactly (every amount here is a whole number).
struct Expected {
  double revenue;
  int64_t orders;
  int64_t units;
  int64_t customers;
};

void ExpectMeasures(const Measures& actual, const Expected& expected, const std::string& what) {
  EXPECT_EQ(actual.revenue.RoundedToCents(), expected.revenue) << what;
  EXPECT_EQ(actual.orders, expected.orders) << what;
  EXPECT_EQ(actual.units, expected.units) << what;
  EXPECT_EQ(actual.customers, expected.customers) << what;
}

class CubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    builder_.SetProduct(0, {});
    builder_.SetProduct(1, {"Books", "Penguin", "Fiction", "Novel"});
    builder_.SetProduct(2, {"Books", "Penguin", "Non-Fiction", "Atlas"});
    builder_.SetProduct(3, {"Electronics", "Apple", "Phone", "iPhone"});
    builder_.SetProduct(4, {"Electronics", "Samsung", "Phone", "Galaxy"});
    builder_.SetLocation(1, {"USA", "Texas", "Austin"});
    builder_.SetLocation(2, {"UK", "England", "London"});
    builder_.SetAttribute(Attribute::kGender, 0, "");
    builder_.SetAttribute(Attribute::kGender, 1, "Male");
    builder_.SetAttribute(Attribute::kGender, 2, "Female");
    builder_.SetAttribute(Attribute::kPayment, 1, "Cash");
    builder_.SetAttribute(Attribute::kPayment, 2, "Card");
    builder_.SetAttribute(Attribute::kShipping, 0, "");
    builder_.SetAttribute(Attribute::kShipping, 1, "Standard");
    for (const Row& row : kRows) AddRow(builder_, row);
    cube_ = builder_.Build();
  }

  // The id of `member`, found by its position in Members() (not through MemberId, which some
  // tests check on its own).
  uint32_t Position(Dim dim, std::string_view member) const {
    auto members = cube_.Members(dim);
    for (size_t i = 0; i < members.size(); ++i) {
      if (members[i] == member) return static_cast<uint32_t>(i);
    }
    ADD_FAILURE() << "no member " << member << " in " << InfoOf(dim).name;
    return 0;
  }

  Selection Select(std::initializer_list<std::pair<Dim, std::vector<std::string>>> filters) const {
    Selection selection;
    for (const auto& [dim, members] : filters) {
      for (const auto& member : members) {
        selection.members[static_cast<size_t>(dim)].push_back(Position(dim, member));
      }
    }
    return selection;
  }

  // Breakdown groups by their members' names ("Books" or "Books|Male").
  std::map<std::string, Measures> Grouped(const Selection& selection, std::vector<Dim> dims) const {
    auto groups = cube_.Breakdown(selection, dims);
    EXPECT_TRUE(groups);
    std::map<std::string, Measures> out;
    if (!groups) return out;
    for (const Group& group : *groups) {
      std::string name(cube_.Members(dims[0])[group.members[0]]);
      if (dims.size() == 2) name += "|" + cube_.Members(dims[1])[group.members[1]];
      EXPECT_FALSE(out.contains(name)) << name << " twice";
      out[name] = group.measures;
    }
    return out;
  }

  std::vector<std::string> Members(Dim dim) const {
    auto members = cube_.Members(dim);
    return std::vector<std::string>(members.begin(), members.end());
  }

  CubeBuilder builder_;
  Cube cube_;
};

TEST_F(CubeTest, TotalCountsEverySaleAndEachKnownCustomerOnce) {
  EXPECT_EQ(cube_.rows(), 11u);
  Measures all = cube_.Total({});
  ExpectMeasures(all, {1270, 11, 15, 5}, "all");
  EXPECT_EQ(all.rating_sum, 29);
  EXPECT_EQ(all.rated, 9);
  EXPECT_EQ(cube_.first_day(), D("2023-12-31"));
  EXPECT_EQ(cube_.last_day(), D("2024-03-31"));
}

TEST_F(CubeTest, ADateRangeLeavesOutSalesOfUnknownDate) {
  Selection wide;
  wide.from = D("2000-01-01");
  wide.to = D("2100-01-01");
  ExpectMeasures(cube_.Total(wide), {770, 10, 14, 4}, "every known date");
  Selection until;
  until.to = D("2024-01-02");
  ExpectMeasures(cube_.Total(until), {70, 3, 4, 3}, "up to 2024-01-02");
  Selection since;
  since.from = D("2024-03-06");
  ExpectMeasures(cube_.Total(since), {85, 3, 5, 2}, "from 2024-03-06");
}

TEST_F(CubeTest, PeriodsIgnoreTheSelectionsOwnDates) {
  Selection selection;
  selection.from = D("2024-03-01");
  selection.to = D("2024-03-31");
  std::pair<Day, Day> periods[] = {{D("2024-01-01"), D("2024-01-31")},
                                   {D("2023-12-01"), D("2023-12-31")},
                                   {D("2024-02-01"), D("2024-02-29")}};
  auto measures = cube_.Periods(selection, periods);
  ASSERT_EQ(measures.size(), 3u);
  ExpectMeasures(measures[0], {345, 5, 6, 2}, "January");
  ExpectMeasures(measures[1], {40, 1, 2, 1}, "December");
  ExpectMeasures(measures[2], {0, 0, 0, 0}, "February");
}

TEST_F(CubeTest, DailySeriesRunsFromTheFirstToTheLastSaleWithEmptyDaysAsZeros) {
  auto series = cube_.Series({}, Grain::kDay);
  ASSERT_EQ(series.size(), 92u);  // 2023-12-31 … 2024-03-31
  EXPECT_EQ(series.front().start, D("2023-12-31"));
  EXPECT_EQ(series.back().start, D("2024-03-31"));
  int64_t orders = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    EXPECT_EQ(series[i].start, series.front().start + static_cast<Day>(i));
    orders += series[i].measures.orders;
  }
  EXPECT_EQ(orders, 10);  // all but the sale of unknown date
  const Bucket& third = series[static_cast<size_t>(D("2024-01-03") - D("2023-12-31"))];
  ExpectMeasures(third.measures, {300, 2, 3, 1}, "2024-01-03");
  const Bucket& empty = series[static_cast<size_t>(D("2024-02-15") - D("2023-12-31"))];
  ExpectMeasures(empty.measures, {0, 0, 0, 0}, "2024-02-15");
}

TEST_F(CubeTest, WeeklySeriesNamesEachIsoWeekByItsMonday) {
  auto series = cube_.Series({}, Grain::kWeek);
  // (Monday, orders, revenue); a Sunday belongs to the week before it.
  const std::vector<std::tuple<std::string, int64_t, double>> expected = {
      {"2023-12-25", 1, 40}, {"2024-01-01", 4, 330}, {"2024-01-08", 1, 15},  {"2024-01-15", 0, 0},
      {"2024-01-22", 0, 0},  {"2024-01-29", 0, 0},   {"2024-02-05", 0, 0},   {"2024-02-12", 0, 0},
      {"2024-02-19", 0, 0},  {"2024-02-26", 0, 0},   {"2024-03-04", 3, 335}, {"2024-03-11", 0, 0},
      {"2024-03-18", 0, 0},  {"2024-03-25", 1, 50},
  };
  ASSERT_EQ(series.size(), expected.size());
  for (size_t i = 0; i < series.size(); ++i) {
    const auto& [monday, orders, revenue] = expected[i];
    EXPECT_EQ(FormatDay(series[i].start), monday);
    EXPECT_EQ((series[i].start + 3) % 7, 0) << "not a Monday: " << FormatDay(series[i].start);
    EXPECT_EQ(series[i].measures.orders, orders) << monday;
    EXPECT_EQ(series[i].measures.revenue.RoundedToCents(), revenue) << monday;
  }
}

TEST_F(CubeTest, MonthlySeriesKeepsAnEmptyMonthBetweenTwoWithSales) {
  auto series = cube_.Series({}, Grain::kMonth);
  ASSERT_EQ(series.size(), 4u);
  EXPECT_EQ(FormatDay(series[0].start), "2023-12-01");
  EXPECT_EQ(FormatDay(series[1].start), "2024-01-01");
  EXPECT_EQ(FormatDay(series[2].start), "2024-02-01");
  EXPECT_EQ(FormatDay(series[3].start), "2024-03-01");
  ExpectMeasures(series[0].measures, {40, 1, 2, 1}, "December");
  ExpectMeasures(series[1].measures, {345, 5, 6, 2}, "January");
  ExpectMeasures(series[2].measures, {0, 0, 0, 0}, "February");
  ExpectMeasures(series[3].measures, {385, 4, 6, 3}, "March");
}

TEST_F(CubeTest, SeriesOfASelectionSpansOnlyItsOwnFirstAndLastSale) {
  Selection january = Select({{Dim::kCategory, {"Books"}}});
  january.from = D("2024-01-01");
  january.to = D("2024-01-31");
  auto series = cube_.Series(january, Grain::kMonth);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(FormatDay(series[0].start), "2024-01-01");
  ExpectMeasures(series[0].measures, {45, 3, 3, 2}, "Books in January");

  auto books = cube_.Series(Select({{Dim::kCategory, {"Books"}}}), Grain::kMonth);
  ASSERT_EQ(books.size(), 4u);
  EXPECT_EQ(books[2].measures.orders, 0);
  EXPECT_EQ(books[3].measures.revenue.RoundedToCents(), 30);
}

TEST_F(CubeTest, BreakdownByOneDimension) {
  auto groups = Grouped({}, {Dim::kCategory});
  ASSERT_EQ(groups.size(), 3u);
  ExpectMeasures(groups["Books"], {115, 5, 8, 4}, "Books");
  EXPECT_EQ(groups["Books"].rating_sum, 17);
  EXPECT_EQ(groups["Books"].rated, 4);
  // A buys twice here and once in Books: one customer in each.
  ExpectMeasures(groups["Electronics"], {1150, 5, 6, 4}, "Electronics");
  EXPECT_EQ(groups["Electronics"].rating_sum, 10);
  EXPECT_EQ(groups["Electronics"].rated, 4);
  ExpectMeasures(groups["(unknown)"], {5, 1, 1, 1}, "(unknown)");
}

TEST_F(CubeTest, MemberPeriodsAndMemberSeriesAgreeWithBreakdownsOfEachPeriod) {
  Selection books = Select({{Dim::kCategory, {"Books", "Electronics"}}});
  books.from = D("2024-03-01");  // the selection's own dates are ignored
  std::pair<Day, Day> periods[] = {{D("2024-01-01"), D("2024-01-31")},
                                   {D("2023-12-01"), D("2023-12-31")},
                                   {D("2024-03-01"), D("2024-03-31")}};
  auto measures = cube_.MemberPeriods(books, Dim::kGender, periods);
  const auto genders = Members(Dim::kGender);
  ASSERT_EQ(measures.size(), genders.size() * 3);
  for (size_t p = 0; p < 3; ++p) {
    Selection alone = books;
    alone.from = periods[p].first;
    alone.to = periods[p].second;
    auto expected = Grouped(alone, {Dim::kGender});
    std::vector<Day> starts;
    auto weeks = cube_.MemberSeries(books, Dim::kGender, Grain::kWeek, periods[p].first,
                                    periods[p].second, starts);
    ASSERT_FALSE(starts.empty());
    EXPECT_LE(starts.front(), periods[p].first);
    for (size_t m = 0; m < genders.size(); ++m) {
      const Measures& got = measures[m * 3 + p];
      Measures want = expected.contains(genders[m]) ? expected[genders[m]] : Measures{};
      std::string what = genders[m] + " in period " + std::to_string(p);
      ExpectMeasures(got, {want.revenue.RoundedToCents(), want.orders, want.units, want.customers},
                     what);
      Measures summed;
      for (size_t w = 0; w < starts.size(); ++w) {
        summed.revenue.Add(weeks[m * starts.size() + w].revenue);
        summed.orders += weeks[m * starts.size() + w].orders;
        summed.units += weeks[m * starts.size() + w].units;
      }
      EXPECT_EQ(summed.orders, want.orders) << what;
      EXPECT_EQ(summed.units, want.units) << what;
      EXPECT_EQ(summed.revenue, want.revenue) << what;  // exact sums: equal in any order
    }
  }
}

TEST_F(CubeTest, BreakdownByTwoDimensionsHoldsOnlyGroupsWithSales) {
  auto groups = Grouped({}, {Dim::kCategory, Dim::kGender});
  ASSERT_EQ(groups.size(), 6u);
  ExpectMeasures(groups["Books|Male"], {65, 3, 4, 2}, "Books|Male");  // A, D and one unknown
  ExpectMeasures(groups["Books|Female"], {50, 2, 4, 2}, "Books|Female");
  ExpectMeasures(groups["Electronics|Male"], {300, 2, 3, 1}, "Electronics|Male");  // A twice
  ExpectMeasures(groups["Electronics|Female"], {800, 2, 2, 2}, "Electronics|Female");
  ExpectMeasures(groups["Electronics|(unknown)"], {50, 1, 1, 1}, "Electronics|(unknown)");
  ExpectMeasures(groups["(unknown)|Male"], {5, 1, 1, 1}, "(unknown)|Male");
}

TEST_F(CubeTest, BreakdownByTwoDimensionsOfTheSameProductColumn) {
  auto groups = Grouped({}, {Dim::kCategory, Dim::kBrand});
  ASSERT_EQ(groups.size(), 4u);
  ExpectMeasures(groups["Books|Penguin"], {115, 5, 8, 4}, "Books|Penguin");
  ExpectMeasures(groups["Electronics|Apple"], {800, 3, 4, 2}, "Electronics|Apple");
  ExpectMeasures(groups["Electronics|Samsung"], {350, 2, 2, 2}, "Electronics|Samsung");
  ExpectMeasures(groups["(unknown)|(unknown)"], {5, 1, 1, 1}, "(unknown)|(unknown)");
}

TEST_F(CubeTest, BreakdownOfAFilteredSelection) {
  auto groups = Grouped(Select({{Dim::kCountry, {"UK"}}}), {Dim::kCategory});
  ASSERT_EQ(groups.size(), 2u);
  ExpectMeasures(groups["Books"], {35, 2, 2, 1}, "Books in the UK");
  ExpectMeasures(groups["Electronics"], {350, 2, 2, 2}, "Electronics in the UK");
}

TEST_F(CubeTest, BreakdownTakesOneOrTwoDimensionsWithinTheGroupLimit) {
  EXPECT_FALSE(cube_.Breakdown({}, std::vector<Dim>{}));
  EXPECT_FALSE(cube_.Breakdown({}, std::vector<Dim>{Dim::kCategory, Dim::kBrand, Dim::kCity}));

  // 2,001 products sold in 2,001 cities: more pairs than kMaxGroups.
  CubeBuilder big;
  for (int64_t key = 1; key <= 2001; ++key) {
    big.SetProduct(key, {"c", "b", "t", "product " + std::to_string(key)});
    big.SetLocation(key, {"country", "state", "city " + std::to_string(key)});
    CubeBuilder::Sale sale;
    sale.date_key = 20240101;
    sale.product_key = key;
    sale.location_key = key;
    sale.quantity = 1;
    sale.amount = 1;
    ASSERT_TRUE(big.Add(sale));
  }
  Cube cube = big.Build();
  ASSERT_GT(cube.Members(Dim::kProduct).size() * cube.Members(Dim::kCity).size(), Cube::kMaxGroups);
  EXPECT_FALSE(cube.Breakdown({}, std::vector<Dim>{Dim::kProduct, Dim::kCity}));
  EXPECT_TRUE(cube.Breakdown({}, std::vector<Dim>{Dim::kProduct, Dim::kCountry}));
}

TEST_F(CubeTest, FiltersCombineWithAndAcrossDimensionsAndOrWithinOne) {
  // Card AND (Male OR Female): the Card sale of unknown gender is out.
  ExpectMeasures(
      cube_.Total(Select({{Dim::kPaymentMethod, {"Card"}}, {Dim::kGender, {"Male", "Female"}}})),
      {1100, 4, 5, 3}, "Card and a known gender");
  ExpectMeasures(cube_.Total(Select({{Dim::kCountry, {"UK"}}})), {385, 4, 4, 2}, "UK");
  ExpectMeasures(cube_.Total(Select({{Dim::kCountry, {"UK", "USA"}}})), {1270, 11, 15, 5},
                 "UK or USA");
  Selection january_books = Select({{Dim::kCategory, {"Books"}}});
  january_books.from = D("2024-01-01");
  january_books.to = D("2024-01-31");
  ExpectMeasures(cube_.Total(january_books), {45, 3, 3, 2}, "Books in January");
}

TEST_F(CubeTest, CategoryAndBrandFilterTheSameProductColumnTogether) {
  ExpectMeasures(cube_.Total(Select({{Dim::kCategory, {"Electronics"}}, {Dim::kBrand, {"Apple"}}})),
                 {800, 3, 4, 2}, "Electronics and Apple");
  ExpectMeasures(cube_.Total(Select({{Dim::kCategory, {"Books"}}, {Dim::kBrand, {"Apple"}}})),
                 {0, 0, 0, 0}, "Books and Apple");
  ExpectMeasures(
      cube_.Total(Select({{Dim::kCategory, {"Books", "Electronics"}}, {Dim::kBrand, {"Samsung"}}})),
      {350, 2, 2, 2}, "(Books or Electronics) and Samsung");
  ExpectMeasures(
      cube_.Total(Select({{Dim::kProductType, {"Phone"}}, {Dim::kProduct, {"Galaxy", "Novel"}}})),
      {350, 2, 2, 2}, "Phone and (Galaxy or Novel)");
}

TEST_F(CubeTest, MembersAreSortedWithTheUnknownOneLast) {
  EXPECT_EQ(Members(Dim::kCategory),
            (std::vector<std::string>{"Books", "Electronics", "(unknown)"}));
  EXPECT_EQ(Members(Dim::kBrand),
            (std::vector<std::string>{"Apple", "Penguin", "Samsung", "(unknown)"}));
  EXPECT_EQ(Members(Dim::kGender), (std::vector<std::string>{"Female", "Male", "(unknown)"}));
  EXPECT_EQ(Members(Dim::kCountry), (std::vector<std::string>{"UK", "USA"}));
  EXPECT_EQ(Members(Dim::kRating),
            (std::vector<std::string>{"1", "2", "3", "4", "5", "(unknown)"}));
  EXPECT_EQ(Members(Dim::kAgeBand),
            (std::vector<std::string>{"18-24", "25-34", "65+", "<18", "(unknown)"}));
  EXPECT_EQ(Members(Dim::kSegment), (std::vector<std::string>{"Premium", "Regular", "(unknown)"}));
  EXPECT_EQ(Members(Dim::kShippingMethod), (std::vector<std::string>{"Standard", "(unknown)"}));
  EXPECT_EQ(Members(Dim::kIncome), (std::vector<std::string>{"(unknown)"}));
}

TEST_F(CubeTest, SelectingTheUnknownMemberSelectsTheSalesWithoutAValue) {
  ExpectMeasures(cube_.Total(Select({{Dim::kCategory, {"(unknown)"}}})), {5, 1, 1, 1},
                 "unknown category");
  ExpectMeasures(cube_.Total(Select({{Dim::kGender, {"(unknown)"}}})), {50, 1, 1, 1},
                 "unknown gender");
  ExpectMeasures(cube_.Total(Select({{Dim::kRating, {"(unknown)"}}})), {140, 2, 3, 2},
                 "unknown rating");
  ExpectMeasures(cube_.Total(Select({{Dim::kAgeBand, {"(unknown)"}}})), {15, 1, 1, 0},
                 "unknown age");
}

// MemberId is how the API turns a filter's text into a member: every member Members() lists
// must be found, "(unknown)" among them, and nothing else.
TEST_F(CubeTest, MemberIdFindsEveryListedMember) {
  for (const auto& info : Dims()) {
    auto members = cube_.Members(info.dim);
    for (size_t i = 0; i < members.size(); ++i) {
      EXPECT_EQ(cube_.MemberId(info.dim, members[i]), i)
          << info.name << " member '" << members[i] << "' of " << members.size();
    }
  }
  EXPECT_EQ(cube_.MemberId(Dim::kCategory, "Toys"), std::nullopt);
  EXPECT_EQ(cube_.MemberId(Dim::kCategory, "books"), std::nullopt);
  EXPECT_EQ(cube_.MemberId(Dim::kCategory, ""), std::nullopt);
}

TEST_F(CubeTest, NewAndReturningJudgeEachCustomerByTheirFirstPurchaseEver) {
  Selection march;
  march.from = D("2024-03-01");
  march.to = D("2024-03-31");
  auto [fresh, returning] = cube_.NewAndReturning(march, *march.from);
  ExpectMeasures(fresh, {80, 2, 4, 1}, "new in March: C");
  ExpectMeasures(returning, {305, 2, 2, 2}, "returning in March: B and D");

  // A's first Electronics sale is on 2024-01-03, but A first bought (Books) on 2024-01-01.
  Selection electronics = Select({{Dim::kCategory, {"Electronics"}}});
  electronics.from = D("2024-01-02");
  electronics.to = D("2024-01-31");
  auto [new_electronics, returning_electronics] =
      cube_.NewAndReturning(electronics, *electronics.from);
  ExpectMeasures(new_electronics, {0, 0, 0, 0}, "new Electronics buyers");
  ExpectMeasures(returning_electronics, {300, 2, 3, 1}, "returning Electronics buyers");

  // Over everything every dated customer is new; E (no known date) and the unknown customer
  // are in neither group.
  auto [all_new, all_returning] = cube_.NewAndReturning({}, D("2023-12-31"));
  ExpectMeasures(all_new, {755, 9, 13, 4}, "all new");
  ExpectMeasures(all_returning, {0, 0, 0, 0}, "none returning");
}

TEST_F(CubeTest, BuildingAgainAfterMoreSalesSeesThemAndLeavesTheFirstCubeAlone) {
  builder_.SetProduct(5, {"Toys", "Lego", "Bricks", "Castle"});
  AddRow(builder_, {"F", 20240214, 5, 1, 2, 1, 1, 5, 1, 7, 40, "Regular"});
  // A again, long after A's other sales were added: still one customer per group.
  AddRow(builder_, {"A", 20240220, 4, 1, 1, 2, 1, 3, 2, 60, 30, "Premium"});
  EXPECT_EQ(builder_.rows(), 13u);
  Cube second = builder_.Build();

  ExpectMeasures(cube_.Total({}), {1270, 11, 15, 5}, "the first cube");
  EXPECT_EQ(Members(Dim::kCategory),
            (std::vector<std::string>{"Books", "Electronics", "(unknown)"}));

  EXPECT_EQ(second.rows(), 13u);
  ExpectMeasures(second.Total({}), {1337, 13, 18, 6}, "the second cube");
  auto members = second.Members(Dim::kCategory);
  EXPECT_EQ(std::vector<std::string>(members.begin(), members.end()),
            (std::vector<std::string>{"Books", "Electronics", "Toys", "(unknown)"}));
  auto series = second.Series({}, Grain::kMonth);
  ASSERT_EQ(series.size(), 4u);
  ExpectMeasures(series[2].measures, {67, 2, 3, 2}, "February");
  auto groups = second.Breakdown({}, std::vector<Dim>{Dim::kCategory});
  ASSERT_TRUE(groups);
  std::map<std::string, Measures> by_name;
  for (const Group& group : *groups) {
    by_name[std::string(second.Members(Dim::kCategory)[group.members[0]])] = group.measures;
  }
  ExpectMeasures(by_name["Electronics"], {1210, 6, 8, 4}, "Electronics");
  ExpectMeasures(by_name["Toys"], {7, 1, 1, 1}, "Toys");
}

// The cleaner loads ratings 0 to 10 and the warehouse keeps a 0; SQL's AVG(rating) counts it,
// and so must the cube, which lists "0" among the rating members.
TEST(CubeRatingTest, ARatingOfZeroIsAKnownRating) {
  CubeBuilder builder;
  builder.SetProduct(1, {"Books", "Penguin", "Fiction", "Novel"});
  for (int64_t rating : {0, 4}) {
    CubeBuilder::Sale sale;
    sale.date_key = 20240101;
    sale.product_key = 1;
    sale.rating = rating;
    sale.quantity = 1;
    sale.amount = 10;
    ASSERT_TRUE(builder.Add(sale));
  }
  Cube cube = builder.Build();
  auto members = cube.Members(Dim::kRating);
  EXPECT_EQ(std::vector<std::string>(members.begin(), members.end()),
            (std::vector<std::string>{"0", "4"}));
  Measures total = cube.Total({});
  EXPECT_EQ(total.rated, 2);
  EXPECT_EQ(total.rating_sum, 4);
}

// Amounts whose whole parts and fractions together need more than 64 bits (a billion beside a
// tenth of a cent with all its binary digits) are kept apart, and still summed exactly; amounts
// that fit share one fixed-point number. Either way the sums are ExactSum's of the amounts.
TEST(CubeAmountTest, EveryAmountIsSummedExactlyHoweverTheCubeKeepsThem) {
  for (const std::vector<double>& amounts :
       {std::vector<double>{104.5063373, 1912.436648, 10.1, 0.25, 0, 5000},
        std::vector<double>{1e9, 0.0011, 104.5063373, 999999999.75}}) {
    CubeBuilder builder;
    builder.SetProduct(1, {"Books", "Penguin", "Fiction", "Novel"});
    ExactSum expected;
    for (double amount : amounts) {
      CubeBuilder::Sale sale;
      sale.date_key = 20240101;
      sale.product_key = 1;
      sale.customer_id = "c1";
      sale.quantity = 1;
      sale.amount = amount;
      ASSERT_TRUE(builder.Add(sale));
      expected.Add(amount);
    }
    Cube cube = builder.Build();
    Measures total = cube.Total({});
    EXPECT_EQ(total.revenue, expected) << amounts[0];
    EXPECT_EQ(total.revenue.CentsText(), expected.CentsText());
    std::vector<double> seen;
    cube.CustomerSales({}, [&](const Cube::CustomerSale& sale) { seen.push_back(sale.amount); });
    EXPECT_EQ(seen, amounts);  // each amount given back exactly

    // A builder that goes on from the cube takes its amounts back exactly, and adds more.
    CubeBuilder more(cube);
    more.SetProduct(1, {"Books", "Penguin", "Fiction", "Novel"});
    CubeBuilder::Sale sale;
    sale.date_key = 20240102;
    sale.product_key = 1;
    sale.customer_id = "c1";
    sale.quantity = 1;
    sale.amount = 0.1;
    ASSERT_TRUE(more.Add(sale));
    expected.Add(0.1);
    Cube grown = more.Build();
    EXPECT_EQ(grown.Total({}).revenue, expected) << amounts[0];
    seen.clear();
    grown.CustomerSales({}, [&](const Cube::CustomerSale& line) { seen.push_back(line.amount); });
    std::vector<double> all = amounts;
    all.push_back(0.1);
    EXPECT_EQ(seen, all);
  }
}

// A builder keeps each code in the fewest bytes its column needs so far, and widens a column
// when a code passes them (a 257th product, a 65,537th customer): every earlier row keeps its
// code, in a builder started afresh as in one that goes on from a cube.
TEST(CubeColumnTest, ColumnsWidenAsCodesGrowAndKeepEveryEarlierRow) {
  constexpr int64_t kProducts = 300, kCustomers = 70'000;
  auto sale_of = [](int64_t i) {
    CubeBuilder::Sale sale;
    sale.date_key = 20240101 + static_cast<int32_t>(i % 28);
    sale.product_key = 1 + i % kProducts;
    sale.quantity = 1 + i % 3;
    sale.amount = 1;
    return sale;
  };
  std::vector<std::string> ids;
  for (int64_t i = 0; i < kCustomers; ++i) ids.push_back(fmt::format("c{}", i));
  auto fill = [&](CubeBuilder& builder, int64_t from, int64_t to) {
    for (int64_t p = 1; p <= kProducts; ++p) {
      builder.SetProduct(p, {"Books", "Penguin", "Fiction", fmt::format("p{:03}", p)});
    }
    for (int64_t i = from; i < to; ++i) {
      CubeBuilder::Sale sale = sale_of(i);
      sale.customer_id = ids[static_cast<size_t>(i)];
      ASSERT_TRUE(builder.Add(sale));
    }
  };
  CubeBuilder whole;
  fill(whole, 0, kCustomers);
  Cube fresh = whole.Build();
  // Ten products and a thousand customers first: byte-wide columns, then widened twice.
  CubeBuilder first;
  fill(first, 0, 1'000);
  Cube small = first.Build();
  CubeBuilder more(small);
  fill(more, 1'000, kCustomers);
  Cube grown = more.Build();
  // And a builder given up builds the same cube, letting go of its columns as it goes.
  Cube taken = std::move(more).Build();
  for (const Cube* cube : {&fresh, &grown, &taken}) {
    Measures total = cube->Total({});
    EXPECT_EQ(total.orders, kCustomers);
    EXPECT_EQ(total.customers, kCustomers);
    auto groups = cube->Breakdown({}, std::vector<Dim>{Dim::kProduct});
    ASSERT_TRUE(groups);
    ASSERT_EQ(groups->size(), static_cast<size_t>(kProducts));
    for (const Group& group : *groups) {
      const std::string name(cube->Members(Dim::kProduct)[group.members[0]]);
      const int64_t product = std::stoll(name.substr(1));
      // Sales i with i % 300 == product - 1: their count and units.
      int64_t orders = 0, units = 0;
      for (int64_t i = product - 1; i < kCustomers; i += kProducts) {
        ++orders;
        units += 1 + i % 3;
      }
      EXPECT_EQ(group.measures.orders, orders) << name;
      EXPECT_EQ(group.measures.units, units) << name;
      EXPECT_EQ(group.measures.customers, orders) << name;
    }
  }
}

}  // namespace
}  // namespace till
