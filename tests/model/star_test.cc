#include "model/star.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clean/header_map.h"
#include "clean/row_cleaner.h"
#include "support/split.h"

namespace till {
namespace {

using testing::SplitCommas;

constexpr std::string_view kHeader =
    "Transaction_ID,Customer_ID,Name,Email,Phone,Address,City,State,Zipcode,Country,Age,"
    "Gender,Income,Customer_Segment,Date,Year,Month,Time,Total_Purchases,Amount,Total_Amount,"
    "Product_Category,Product_Brand,Product_Type,Feedback,Shipping_Method,Payment_Method,"
    "Order_Status,Ratings,products";
constexpr std::string_view kRow =
    "8691788.0,37249.0,Michelle Harrington,Ebony39@gmail.com,1414786801.0,3959 Amanda Burgs,"
    "Dortmund,Berlin,77985.0,Germany,21.0,Male,Low,Regular,9/18/2023,2023.0,September,"
    "22:03:55,3.0,108.028757,324.08627,Clothing,Nike,Shorts,Excellent,Same-Day,Debit Card,"
    "Shipped,5.0,Cycling shorts";

// kRow with the fields of some columns replaced.
std::string RowWith(const std::map<Column, std::string_view>& changes) {
  std::vector<std::string> fields = SplitCommas(kRow);
  for (const auto& [column, value] : changes) fields[Index(column)] = value;
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  return line;
}

const std::vector<Column> kCustomerColumns = {
    Column::kCustomerId, Column::kName,    Column::kEmail, Column::kPhone,
    Column::kAddress,    Column::kZipcode, Column::kAge,   Column::kCustomerSegment};

// Cleans rows of kHeader's layout as the loader does, for a StarBuilder to build.
class Rows {
 public:
  Rows() : cleaner_(Header()) {}

  // Cleans `line`; the row is valid until the next call.
  const CleanRow& Clean(std::string_view line, int64_t line_number = 2) {
    fields_ = SplitCommas(line);
    record_ = CsvRecord{};
    record_.fields.assign(fields_.begin(), fields_.end());
    record_.line = line_number;
    record_.raw = line;
    CleanOutcome outcome = cleaner_.Clean(record_, &row_, &issues_);
    EXPECT_EQ(outcome, CleanOutcome::kClean) << line;
    return row_;
  }

 private:
  static HeaderMap Header() {
    std::vector<std::string> names = SplitCommas(kHeader);
    std::vector<std::string_view> views(names.begin(), names.end());
    auto map = MapHeader(views);
    EXPECT_TRUE(map);
    return *map;
  }

  RowCleaner cleaner_;
  std::vector<std::string> fields_;
  CsvRecord record_;
  CleanRow row_;
  std::vector<RowIssue> issues_;
};

int64_t KeyIn(const FactSale& fact, Dimension dimension) {
  return fact.keys[static_cast<size_t>(dimension)];
}

// The sightings of one dimension.
std::vector<Member> Sighted(const std::vector<MemberSighting>& sightings, Dimension dimension) {
  std::vector<Member> members;
  for (const MemberSighting& sighting : sightings) {
    if (sighting.dimension == dimension) members.push_back(sighting.member);
  }
  return members;
}

// A member's attributes, null as std::nullopt.
std::vector<std::optional<std::string>> Attributes(const Member& member) {
  std::vector<std::optional<std::string>> values;
  for (size_t i = 0; i < member.arity; ++i) {
    auto value = member.attribute(i);
    values.push_back(value ? std::optional<std::string>(*value) : std::nullopt);
  }
  return values;
}

class StarBuilderTest : public ::testing::Test {
 protected:
  // Cleans `line` and builds it into `builder`, keeping the sightings in sightings_.
  FactSale Build(StarBuilder& builder, std::string_view line, int64_t line_number = 2) {
    FactSale fact;
    sightings_.clear();
    builder.Build(rows_.Clean(line, line_number), &fact, &sightings_);
    return fact;
  }

  Rows rows_;
  std::vector<MemberSighting> sightings_;
};

TEST(DimensionSpec, NamesTablesAndKeysAfterItsStep) {
  size_t index = 0;
  for (Dimension dimension : AllDimensions()) {
    const DimensionSpec& spec = Spec(dimension);
    EXPECT_EQ(static_cast<size_t>(dimension), index++);
    EXPECT_EQ(spec.dimension, dimension);
    EXPECT_EQ(spec.table, "dim_" + std::string(spec.step));
    EXPECT_EQ(spec.key_column, std::string(spec.step) + "_key");
    EXPECT_EQ(spec.attributes.size(), spec.sources.size()) << spec.table;
    EXPECT_GE(spec.attributes.size(), 1u);
    EXPECT_LE(spec.attributes.size(), kMaxAttributes);
  }
  EXPECT_EQ(index, kDimensionCount);
}

TEST(DimensionSpec, ReadsEachAttributeFromItsRawColumn) {
  const DimensionSpec& gender = Spec(Dimension::kGender);
  EXPECT_EQ(gender.attributes, std::vector<std::string_view>{"gender"});
  EXPECT_EQ(gender.sources, std::vector<Column>{Column::kGender});
  const DimensionSpec& location = Spec(Dimension::kLocation);
  EXPECT_EQ(location.attributes, (std::vector<std::string_view>{"country", "state", "city"}));
  EXPECT_EQ(location.sources,
            (std::vector<Column>{Column::kCountry, Column::kState, Column::kCity}));
  const DimensionSpec& product = Spec(Dimension::kProduct);
  EXPECT_EQ(product.attributes,
            (std::vector<std::string_view>{"category", "brand", "product_type", "product_name"}));
  EXPECT_EQ(product.sources, (std::vector<Column>{Column::kProductCategory, Column::kProductBrand,
                                                  Column::kProductType, Column::kProducts}));
  const DimensionSpec& customer = Spec(Dimension::kCustomer);
  EXPECT_EQ(customer.sources, kCustomerColumns);
  EXPECT_EQ(customer.attributes.front(), "customer_id");
}

TEST_F(StarBuilderTest, FillsTheFactFromTheCleanedRow) {
  StarBuilder builder;
  FactSale fact = Build(builder, kRow, 7);
  EXPECT_EQ(fact.source_line, 7);
  EXPECT_EQ(fact.transaction_id, "8691788");
  EXPECT_EQ(fact.date_key, 20230918);
  EXPECT_EQ(fact.time, 22 * 3600 + 3 * 60 + 55);
  EXPECT_EQ(fact.quantity, 3);
  EXPECT_DOUBLE_EQ(fact.unit_price, 108.028757);
  EXPECT_DOUBLE_EQ(fact.total_amount, 324.08627);
  EXPECT_EQ(fact.rating, 5);
  EXPECT_EQ(fact.recovered, RecoveredAmount::kNone);
  for (Dimension dimension : AllDimensions()) {
    EXPECT_GT(KeyIn(fact, dimension), 0) << Spec(dimension).table;
  }
  EXPECT_EQ(builder.dates(), std::vector<int32_t>{20230918});
}

TEST_F(StarBuilderTest, NullsBecomeMinusOneAndTheUnknownDate) {
  StarBuilder builder;
  FactSale fact =
      Build(builder, RowWith({{Column::kDate, ""}, {Column::kTime, ""}, {Column::kRatings, ""}}));
  EXPECT_EQ(fact.date_key, 0);
  EXPECT_EQ(fact.time, -1);
  EXPECT_EQ(fact.rating, -1);
  EXPECT_TRUE(builder.dates().empty());
}

TEST_F(StarBuilderTest, HandsOutEachMemberWithItsAttributesOnce) {
  StarBuilder builder;
  FactSale first = Build(builder, kRow);
  EXPECT_EQ(sightings_.size(), kDimensionCount);
  for (Dimension dimension : AllDimensions()) {
    std::vector<Member> members = Sighted(sightings_, dimension);
    ASSERT_EQ(members.size(), 1u) << Spec(dimension).table;
    EXPECT_EQ(members[0].key, KeyIn(first, dimension));
    EXPECT_EQ(members[0].arity, Spec(dimension).attributes.size());
  }
  using Values = std::vector<std::optional<std::string>>;
  EXPECT_EQ(Attributes(Sighted(sightings_, Dimension::kLocation)[0]),
            (Values{"Germany", "Berlin", "Dortmund"}));
  EXPECT_EQ(Attributes(Sighted(sightings_, Dimension::kProduct)[0]),
            (Values{"Clothing", "Nike", "Shorts", "Cycling shorts"}));
  EXPECT_EQ(Attributes(Sighted(sightings_, Dimension::kCustomer)[0]),
            (Values{"37249", "Michelle Harrington", "Ebony39@gmail.com", "1414786801",
                    "3959 Amanda Burgs", "77985", "21", "Regular"}));
  for (const MemberSighting& sighting : sightings_) {
    EXPECT_EQ(sighting.date, sighting.dimension == Dimension::kCustomer ? 20230918 : 0);
  }

  FactSale again = Build(builder, kRow, 3);
  EXPECT_TRUE(sightings_.empty());
  EXPECT_EQ(again.keys, first.keys);
  for (Dimension dimension : AllDimensions()) {
    EXPECT_EQ(builder.member_count(dimension), 1u) << Spec(dimension).table;
  }
}

// Keys are hashes of content: the same content has the same key in any builder, whatever came
// before it, and different content a different key.
TEST_F(StarBuilderTest, KeysAreContentHashesIndependentOfOrder) {
  std::string nike = std::string(kRow);
  std::string adidas = RowWith({{Column::kCustomerId, "40001.0"},
                                {Column::kGender, "Female"},
                                {Column::kProductBrand, "Adidas"},
                                {Column::kCity, "Hamburg"}});
  StarBuilder one;
  FactSale nike_first = Build(one, nike);
  FactSale adidas_second = Build(one, adidas);
  StarBuilder other;
  FactSale adidas_first = Build(other, adidas);
  FactSale nike_second = Build(other, nike);
  EXPECT_EQ(nike_first.keys, nike_second.keys);
  EXPECT_EQ(adidas_first.keys, adidas_second.keys);
  EXPECT_EQ(nike_first.row_hash, nike_second.row_hash);
  EXPECT_EQ(adidas_first.row_hash, adidas_second.row_hash);

  for (Dimension dimension :
       {Dimension::kGender, Dimension::kProduct, Dimension::kLocation, Dimension::kCustomer}) {
    EXPECT_NE(KeyIn(nike_first, dimension), KeyIn(adidas_first, dimension))
        << Spec(dimension).table;
  }
  for (Dimension dimension : {Dimension::kIncome, Dimension::kFeedback, Dimension::kShippingMethod,
                              Dimension::kPaymentMethod, Dimension::kOrderStatus}) {
    EXPECT_EQ(KeyIn(nike_first, dimension), KeyIn(adidas_first, dimension))
        << Spec(dimension).table;
  }
}

// Keys are stored in warehouses, so they must come out the same in every build of Till, not only
// within one process: these are the keys a warehouse loaded today holds for kRow.
TEST_F(StarBuilderTest, KeysStayTheKeysWarehousesHold) {
  StarBuilder builder;
  FactSale fact = Build(builder, kRow);
  std::map<std::string_view, int64_t> keys;
  for (Dimension dimension : AllDimensions()) {
    keys[Spec(dimension).table] = KeyIn(fact, dimension);
  }
  EXPECT_EQ(keys, (std::map<std::string_view, int64_t>{
                      {"dim_gender", 4665341905627265348},
                      {"dim_income", 8183599263709498900},
                      {"dim_feedback", 8779073609473942559},
                      {"dim_shipping_method", 996337755272171651},
                      {"dim_payment_method", 4579842196452395740},
                      {"dim_order_status", 4784586313023212920},
                      {"dim_location", 3172310873705320369},
                      {"dim_product", 7582592283286783530},
                      {"dim_customer", 6089605880093997026},
                  }));
  // fact_sales_row.row_hash stores it as these bytes: C362AD52AC58B3AA A799561375196F59.
  EXPECT_EQ(fact.row_hash, (RowHash{0xAAB358AC52AD62C3, 0x596F1975135699A7}));
}

TEST_F(StarBuilderTest, NullAttributesAreTheUnknownMember) {
  StarBuilder builder;
  FactSale fact = Build(builder, RowWith({{Column::kGender, ""},
                                          {Column::kCountry, ""},
                                          {Column::kState, ""},
                                          {Column::kCity, ""}}));
  EXPECT_EQ(KeyIn(fact, Dimension::kGender), 0);
  EXPECT_EQ(KeyIn(fact, Dimension::kLocation), 0);
  EXPECT_TRUE(Sighted(sightings_, Dimension::kGender).empty());
  EXPECT_TRUE(Sighted(sightings_, Dimension::kLocation).empty());
  EXPECT_EQ(builder.member_count(Dimension::kGender), 0u);

  std::map<Column, std::string_view> no_customer;
  for (Column column : kCustomerColumns) no_customer[column] = "";
  fact = Build(builder, RowWith(no_customer));
  EXPECT_EQ(KeyIn(fact, Dimension::kCustomer), 0);
  EXPECT_TRUE(Sighted(sightings_, Dimension::kCustomer).empty());
}

TEST_F(StarBuilderTest, APartlyNullMemberKeepsItsOtherAttributes) {
  StarBuilder builder;
  FactSale fact = Build(builder, RowWith({{Column::kState, ""}}));
  std::vector<Member> location = Sighted(sightings_, Dimension::kLocation);
  ASSERT_EQ(location.size(), 1u);
  EXPECT_EQ(location[0].lengths[1], Member::kNull);
  using Values = std::vector<std::optional<std::string>>;
  EXPECT_EQ(Attributes(location[0]), (Values{"Germany", std::nullopt, "Dortmund"}));

  FactSale full = Build(builder, kRow);
  EXPECT_NE(KeyIn(fact, Dimension::kLocation), KeyIn(full, Dimension::kLocation));
  EXPECT_NE(KeyIn(fact, Dimension::kLocation), 0);
}

// Categorical members compare by folded spelling; the smallest spelling seen is the label, and
// a smaller one is handed out again so that the warehouse relabels the member.
TEST_F(StarBuilderTest, SpellingsOfOneMemberShareAKeyAndTheSmallestIsItsLabel) {
  StarBuilder builder;
  auto brand = [](std::string_view spelling) {
    return RowWith({{Column::kProductBrand, spelling}});
  };
  auto label = [this] {
    std::vector<Member> product = Sighted(sightings_, Dimension::kProduct);
    EXPECT_LE(product.size(), 1u);
    return product.empty() ? std::nullopt : product[0].attribute(1);
  };

  int64_t key = KeyIn(Build(builder, brand("acme tools")), Dimension::kProduct);
  EXPECT_EQ(label(), "acme tools");
  EXPECT_EQ(KeyIn(Build(builder, brand("Acme Tools")), Dimension::kProduct), key);
  EXPECT_EQ(label(), "Acme Tools");  // smaller: handed out again
  EXPECT_EQ(KeyIn(Build(builder, brand("acme-tools")), Dimension::kProduct), key);
  EXPECT_EQ(label(), std::nullopt);  // larger: nothing new
  EXPECT_EQ(KeyIn(Build(builder, brand("ACME_TOOLS")), Dimension::kProduct), key);
  EXPECT_EQ(label(), "ACME_TOOLS");
  EXPECT_EQ(KeyIn(Build(builder, brand("Acme Tools")), Dimension::kProduct), key);
  EXPECT_EQ(label(), std::nullopt);
  EXPECT_EQ(builder.member_count(Dimension::kProduct), 1u);

  // The label does not change the key: a builder that saw only the label agrees.
  StarBuilder fresh;
  EXPECT_EQ(KeyIn(Build(fresh, brand("ACME_TOOLS")), Dimension::kProduct), key);
  EXPECT_NE(KeyIn(Build(fresh, brand("Acme Toolz")), Dimension::kProduct), key);
}

// Customer versions are exact: another spelling of a name is another version.
TEST_F(StarBuilderTest, CustomerVersionsAreExactValues) {
  StarBuilder builder;
  int64_t key = KeyIn(Build(builder, kRow), Dimension::kCustomer);
  int64_t shouted = KeyIn(Build(builder, RowWith({{Column::kName, "MICHELLE HARRINGTON"}})),
                          Dimension::kCustomer);
  EXPECT_NE(shouted, key);
  EXPECT_EQ(Sighted(sightings_, Dimension::kCustomer).size(), 1u);
  int64_t older = KeyIn(Build(builder, RowWith({{Column::kAge, "22.0"}})), Dimension::kCustomer);
  EXPECT_NE(older, key);
  EXPECT_NE(older, shouted);
  EXPECT_EQ(builder.member_count(Dimension::kCustomer), 3u);
}

TEST_F(StarBuilderTest, ReportsCustomerVersionsSeenOverWiderDates) {
  StarBuilder builder;
  int64_t key = KeyIn(Build(builder, kRow), Dimension::kCustomer);
  EXPECT_TRUE(builder.TakeWidenedCustomers().empty());

  Build(builder, RowWith({{Column::kDate, "9/20/2023"}}));
  EXPECT_TRUE(sightings_.empty());  // the same version: not handed out again
  auto widened = builder.TakeWidenedCustomers();
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_EQ(widened[0].key, key);
  EXPECT_EQ(widened[0].customer_id, "37249");
  EXPECT_EQ(widened[0].first, 20230918);
  EXPECT_EQ(widened[0].last, 20230920);
  EXPECT_TRUE(builder.TakeWidenedCustomers().empty());

  Build(builder, RowWith({{Column::kDate, "9/19/2023"}}));  // inside the range written
  EXPECT_TRUE(builder.TakeWidenedCustomers().empty());
  Build(builder, RowWith({{Column::kDate, ""}}));  // the Unknown date widens nothing
  EXPECT_TRUE(builder.TakeWidenedCustomers().empty());

  Build(builder, RowWith({{Column::kDate, "9/1/2023"}}));
  Build(builder, RowWith({{Column::kDate, "9/2/2023"}}));
  widened = builder.TakeWidenedCustomers();
  ASSERT_EQ(widened.size(), 1u);  // once per call, however often it widened
  EXPECT_EQ(widened[0].first, 20230901);
  EXPECT_EQ(widened[0].last, 20230920);

  EXPECT_EQ(builder.dates(),
            (std::vector<int32_t>{20230918, 20230920, 20230919, 20230901, 20230902}));
}

TEST_F(StarBuilderTest, CustomerTextOutlivesTheBuilderInItsBatchArena) {
  auto builder = std::make_unique<StarBuilder>();
  Build(*builder, kRow);
  std::vector<Member> customers = Sighted(sightings_, Dimension::kCustomer);
  ASSERT_EQ(customers.size(), 1u);
  std::unique_ptr<TextArena> arena = builder->TakeBatchArena();
  for (int i = 0; i < 2000; ++i) {
    std::string id = std::to_string(50000 + i);
    Build(*builder, RowWith({{Column::kCustomerId, id}}));
    ASSERT_EQ(Sighted(sightings_, Dimension::kCustomer).size(), 1u);
  }
  builder.reset();
  EXPECT_EQ(customers[0].attribute(1), "Michelle Harrington");
  EXPECT_EQ(customers[0].attribute(7), "Regular");
}

// A value of more than a quarter of an arena block gets a block of its own; the values that
// come after it must not be written over it.
TEST_F(StarBuilderTest, ALongValueKeepsItsText) {
  StarBuilder builder;
  std::vector<Member> customers;
  const std::string long_name(300'000, 'N');
  for (int i = 0; i < 50; ++i) {
    std::string id = std::to_string(60000 + i);
    std::string name = i == 5 ? long_name : "Name " + std::to_string(i);
    Build(builder, RowWith({{Column::kCustomerId, id}, {Column::kName, name}}));
    std::vector<Member> sighted = Sighted(sightings_, Dimension::kCustomer);
    ASSERT_EQ(sighted.size(), 1u);
    customers.push_back(sighted[0]);
  }
  std::unique_ptr<TextArena> arena = builder.TakeBatchArena();
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(customers[i].attribute(0), std::to_string(60000 + i));
    if (i == 5) {
      ASSERT_EQ(customers[i].attribute(1), long_name);
    } else {
      ASSERT_EQ(customers[i].attribute(1), "Name " + std::to_string(i));
    }
  }
}

TEST_F(StarBuilderTest, RowHashIsTheCleanedContentWithoutTheLine) {
  StarBuilder builder;
  RowHash hash = Build(builder, kRow, 2).row_hash;
  EXPECT_EQ(Build(builder, kRow, 900).row_hash, hash);
  // Spelled otherwise, cleaned alike.
  EXPECT_EQ(Build(builder, RowWith({{Column::kShippingMethod, "same day"}})).row_hash, hash);
  EXPECT_NE(Build(builder, RowWith({{Column::kTransactionId, "8691789.0"}})).row_hash, hash);
  EXPECT_NE(Build(builder, RowWith({{Column::kTime, "22:03:56"}})).row_hash, hash);
  EXPECT_NE(Build(builder, RowWith({{Column::kRatings, "4.0"}})).row_hash, hash);
  EXPECT_NE(Build(builder, RowWith({{Column::kGender, "Female"}})).row_hash, hash);
  EXPECT_NE(
      Build(builder, RowWith({{Column::kAmount, "108.03"}, {Column::kTotalAmount, ""}})).row_hash,
      hash);
}

// Rows spelled with vocabulary spellings find their members by spelling ids; other rows by
// hashing the text. Both ways must give the same keys, whichever comes first.
TEST_F(StarBuilderTest, SpellingIdsAndTextGiveTheSameKeys) {
  for (bool ids_first : {true, false}) {
    SCOPED_TRACE(ids_first ? "ids first" : "text first");
    StarBuilder builder;
    StarBuilder reference;
    const CleanRow& row = rows_.Clean(kRow);
    CleanRow without_ids = row;
    without_ids.spelling_id.fill(0);
    ASSERT_NE(row.spelling_id[Index(Column::kGender)], 0);

    FactSale first;
    FactSale second;
    FactSale alone;
    std::vector<MemberSighting> first_sightings;
    std::vector<MemberSighting> second_sightings;
    std::vector<MemberSighting> ignored;
    builder.Build(ids_first ? row : without_ids, &first, &first_sightings);
    builder.Build(ids_first ? without_ids : row, &second, &second_sightings);
    reference.Build(ids_first ? without_ids : row, &alone, &ignored);
    EXPECT_EQ(first.keys, second.keys);
    EXPECT_EQ(first.keys, alone.keys);
    EXPECT_EQ(first.row_hash, second.row_hash);
    EXPECT_EQ(first_sightings.size(), kDimensionCount);
    EXPECT_TRUE(second_sightings.empty());
  }
}

TEST(TextArena, KeepsEveryAllocationInPlace) {
  TextArena arena;
  std::vector<std::pair<char*, std::string>> written;
  for (size_t i = 0; i < 5000; ++i) {
    // Mostly small values, now and then one larger than a quarter block (a block of its own).
    size_t size = i % 1000 == 999 ? (300u << 10) : 1 + i % 700;
    std::string text(size, static_cast<char>('a' + i % 26));
    char* at = arena.Allocate(size);
    std::memcpy(at, text.data(), size);
    written.emplace_back(at, std::move(text));
  }
  for (const auto& [at, text] : written) {
    ASSERT_EQ(std::string_view(at, text.size()), text);
  }
}

}  // namespace
}  // namespace till
