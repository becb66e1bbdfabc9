#include "domain/domains.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <span>
#include <string>

#include "base/text.h"

namespace till {
namespace {

using Hierarchy = std::map<std::string, std::vector<std::string>>;

std::set<std::string> KeysOf(const Hierarchy& map) {
  std::set<std::string> keys;
  for (const auto& [key, unused] : map) keys.insert(key);
  return keys;
}

std::set<std::string> ValuesOf(const Hierarchy& map) {
  std::set<std::string> values;
  for (const auto& [unused, list] : map) values.insert(list.begin(), list.end());
  return values;
}

// No two spellings of `values` fold alike: a raw value folds to one known spelling at most.
void ExpectFoldedDistinct(std::span<const std::string_view> values) {
  std::set<std::string> folded;
  for (std::string_view value : values) {
    EXPECT_TRUE(folded.insert(FoldKey(value)).second) << value << " folds like another spelling";
  }
}

TEST(Domains, TheEmbeddedTextIsDomainsJson) {
  std::filesystem::path source =
      std::filesystem::path(TILL_TEST_DATA_DIR) / ".." / ".." / "src" / "domain" / "domains.json";
  std::ifstream in(source, std::ios::binary);
  ASSERT_TRUE(in) << source;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(DomainsJson(), text);
}

TEST(Domains, ParsesTheHierarchiesOfThePublicData) {
  const Domains& d = Domains::Get();
  EXPECT_EQ(&d, &Domains::Get());  // parsed once
  EXPECT_EQ(KeysOf(d.category_to_brands),
            (std::set<std::string>{"Books", "Clothing", "Electronics", "Grocery", "Home Decor"}));
  EXPECT_EQ(d.category_to_brands.at("Clothing"),
            (std::vector<std::string>{"Adidas", "Nike", "Zara"}));
  EXPECT_EQ(KeysOf(d.country_to_cities),
            (std::set<std::string>{"Australia", "Canada", "Germany", "UK", "USA"}));
  EXPECT_EQ(d.country_to_states.at("Germany"), std::vector<std::string>{"Berlin"});
  EXPECT_EQ(d.country_to_states.at("USA").size(), 50u);
  EXPECT_EQ(d.brand_to_product_types.size(), 18u);
  EXPECT_EQ(d.product_type_to_products.size(), 33u);
}

TEST(Domains, KeepsTheRealDatasMisspellings) {
  // The public file spells these brands so; the cleaner must recognise them as written.
  const Domains& d = Domains::Get();
  const auto& electronics = d.category_to_brands.at("Electronics");
  EXPECT_NE(std::find(electronics.begin(), electronics.end(), "Whirepool"), electronics.end());
  EXPECT_NE(std::find(electronics.begin(), electronics.end(), "Mitsubhisi"), electronics.end());
  EXPECT_EQ(d.brand_to_product_types.at("Whirepool"), std::vector<std::string>{"Fridge"});
}

TEST(Domains, HierarchiesAgree) {
  const Domains& d = Domains::Get();
  // Every brand of a category has its product types, and they are that category's.
  EXPECT_EQ(ValuesOf(d.category_to_brands), KeysOf(d.brand_to_product_types));
  for (const auto& [category, brands] : d.category_to_brands) {
    std::set<std::string> of_brands;
    for (const std::string& brand : brands) {
      const auto& types = d.brand_to_product_types.at(brand);
      of_brands.insert(types.begin(), types.end());
    }
    const auto& types = d.category_to_product_types.at(category);
    EXPECT_EQ(of_brands, std::set<std::string>(types.begin(), types.end())) << category;
  }
  EXPECT_EQ(KeysOf(d.category_to_product_types), KeysOf(d.category_to_brands));
  EXPECT_EQ(ValuesOf(d.category_to_product_types), KeysOf(d.product_type_to_products));
  EXPECT_EQ(KeysOf(d.country_to_states), KeysOf(d.country_to_cities));
}

TEST(Domains, ListsAreSortedWithoutRepeatsOrEmptySpellings) {
  const Domains& d = Domains::Get();
  for (const Hierarchy* map :
       {&d.category_to_brands, &d.brand_to_product_types, &d.category_to_product_types,
        &d.product_type_to_products, &d.country_to_cities, &d.country_to_states}) {
    for (const auto& [key, list] : *map) {
      EXPECT_FALSE(key.empty());
      EXPECT_FALSE(list.empty()) << key;
      EXPECT_TRUE(std::is_sorted(list.begin(), list.end())) << key;
      EXPECT_EQ(std::adjacent_find(list.begin(), list.end()), list.end()) << key;
      for (const std::string& value : list) {
        EXPECT_FALSE(value.empty()) << key;
        EXPECT_EQ(TrimAscii(value), value) << key;
      }
    }
  }
}

TEST(Domains, ClosedSetsHaveOneSpellingPerValue) {
  ExpectFoldedDistinct(kGenders);
  ExpectFoldedDistinct(kIncomes);
  ExpectFoldedDistinct(kSegments);
  ExpectFoldedDistinct(kFeedbacks);
  ExpectFoldedDistinct(kShippingMethods);
  ExpectFoldedDistinct(kPaymentMethods);
  ExpectFoldedDistinct(kOrderStatuses);
  ExpectFoldedDistinct(kMonthNames);
  EXPECT_EQ(std::size(kMonthNames), 12u);
  EXPECT_EQ(kMonthNames[0], "January");
  EXPECT_EQ(kMonthNames[11], "December");
  EXPECT_EQ(kShippingMethods[0], "Same-Day");  // most frequent first
}

TEST(Domains, CategoricalKeysHaveOneSpellingPerValue) {
  const Domains& d = Domains::Get();
  for (const Hierarchy* map : {&d.category_to_brands, &d.brand_to_product_types,
                               &d.product_type_to_products, &d.country_to_cities}) {
    std::set<std::string> keys = KeysOf(*map);
    std::vector<std::string_view> spellings(keys.begin(), keys.end());
    ExpectFoldedDistinct(spellings);
  }
}

}  // namespace
}  // namespace till
