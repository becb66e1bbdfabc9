#include "generate/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "domain/columns.h"
#include "domain/domains.h"

namespace till {
namespace {

constexpr std::string_view kHeader =
    "Transaction_ID,Customer_ID,Name,Email,Phone,Address,City,State,Zipcode,Country,Age,Gender,"
    "Income,Customer_Segment,Date,Year,Month,Time,Total_Purchases,Amount,Total_Amount,"
    "Product_Category,Product_Brand,Product_Type,Feedback,Shipping_Method,Payment_Method,"
    "Order_Status,Ratings,products";

// Generates into a tmpfile() and reads it back, the way a caller writing a real file would.
std::string Generate(int64_t rows, uint64_t seed) {
  std::FILE* file = std::tmpfile();
  if (file == nullptr) {
    ADD_FAILURE() << "tmpfile() failed";
    return {};
  }
  const Status status = GenerateRawFile({.rows = rows, .seed = seed}, file);
  EXPECT_TRUE(status.has_value()) << status.error().message();
  std::string text;
  std::rewind(file);
  char chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0) text.append(chunk, got);
  std::fclose(file);
  return text;
}

// Files shared by the statistical tests, generated once per test binary.
const std::string& SampleFile() {
  static const std::string text = Generate(50000, 42);
  return text;
}
const std::string& FullFile() {
  static const std::string text = Generate(302010, 42);
  return text;
}

// Reads RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
class CsvRecords {
 public:
  explicit CsvRecords(std::string_view text) : text_(text) {}

  // The next record's raw text (for duplicate checks) and its unquoted fields.
  bool Next(std::string_view* raw, std::vector<std::string>* fields) {
    if (pos_ >= text_.size()) return false;
    const size_t begin = pos_;
    fields->clear();
    fields->emplace_back();
    bool quoted = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (quoted) {
        if (c != '"') {
          fields->back() += c;
        } else if (pos_ < text_.size() && text_[pos_] == '"') {
          fields->back() += '"';
          ++pos_;
        } else {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields->emplace_back();
      } else if (c == '\n') {
        break;
      } else {
        fields->back() += c;
      }
    }
    *raw = text_.substr(begin, pos_ - begin);
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Calls `visit(fields)` for every data row of `text`, after checking the header.
template <typename Visit>
void ForEachRow(std::string_view text, Visit visit) {
  CsvRecords records(text);
  std::string_view raw;
  std::vector<std::string> fields;
  ASSERT_TRUE(records.Next(&raw, &fields));
  ASSERT_EQ(raw, std::string(kHeader) + "\n");
  while (records.Next(&raw, &fields)) visit(fields);
}

const std::string& Get(const std::vector<std::string>& fields, Column column) {
  return fields[Index(column)];
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "37249.0" -> 37249; -1 when the text is not an integer written as a float.
long long FloatInt(std::string_view text) {
  if (text.size() < 3 || text.substr(text.size() - 2) != ".0") return -1;
  const std::string_view digits = text.substr(0, text.size() - 2);
  if (!AllDigits(digits) || (digits.size() > 1 && digits[0] == '0')) return -1;
  return std::stoll(std::string(digits));
}

double Number(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

struct Date {
  int year;
  int month;
  int day;
};

// The generator's spellings: M/D/YYYY for days above 12, MM-DD-YY for days up to 12.
bool ParseDate(std::string_view text, Date* date) {
  if (text.find('/') != std::string_view::npos) {
    const size_t a = text.find('/');
    const size_t b = text.find('/', a + 1);
    if (b == std::string_view::npos) return false;
    const std::string_view m = text.substr(0, a), d = text.substr(a + 1, b - a - 1),
                           y = text.substr(b + 1);
    if (!AllDigits(m) || !AllDigits(d) || !AllDigits(y) || m[0] == '0' || d[0] == '0' ||
        y.size() != 4) {
      return false;
    }
    *date = {std::stoi(std::string(y)), std::stoi(std::string(m)), std::stoi(std::string(d))};
    return date->day > 12;
  }
  if (text.size() != 8 || text[2] != '-' || text[5] != '-') return false;
  const std::string_view m = text.substr(0, 2), d = text.substr(3, 2), y = text.substr(6, 2);
  if (!AllDigits(m) || !AllDigits(d) || !AllDigits(y)) return false;
  *date = {2000 + std::stoi(std::string(y)), std::stoi(std::string(m)), std::stoi(std::string(d))};
  return date->day <= 12;
}

int DayNumber(const Date& d) { return d.year * 10000 + d.month * 100 + d.day; }

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

TEST(GenerateRawFile, IsDeterministic) {
  const std::string first = Generate(20000, 7);
  EXPECT_EQ(first, Generate(20000, 7));
  EXPECT_NE(first, Generate(20000, 8));
  // A longer file starts with different rows (the duplicate plan and blocks scale with it),
  // but the same options always give the same bytes.
  EXPECT_EQ(Generate(1000, 7), Generate(1000, 7));
}

TEST(GenerateRawFile, WritesTheExactHeaderAndLfLineEnds) {
  const std::string text = Generate(100, 1);
  EXPECT_EQ(text.substr(0, text.find('\n')), kHeader);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 101);
  EXPECT_EQ(text.back(), '\n');
}

TEST(GenerateRawFile, ZeroRowsWritesOnlyTheHeader) {
  EXPECT_EQ(Generate(0, 1), std::string(kHeader) + "\n");
}

TEST(GenerateRawFile, RejectsBadArguments) {
  const Status no_file = GenerateRawFile({}, nullptr);
  ASSERT_FALSE(no_file.has_value());
  EXPECT_EQ(no_file.error().code(), ErrorCode::kInvalidArgument);

  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const Status negative = GenerateRawFile({.rows = -1}, file);
  std::fclose(file);
  ASSERT_FALSE(negative.has_value());
  EXPECT_EQ(negative.error().code(), ErrorCode::kInvalidArgument);
}

TEST(GenerateRawFile, ReportsAFullDisk) {
  std::FILE* full = std::fopen("/dev/full", "wb");
  if (full == nullptr) GTEST_SKIP() << "no /dev/full here";
  const Status status = GenerateRawFile({.rows = 10000}, full);
  std::fclose(full);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), ErrorCode::kIoError);
}

TEST(GenerateRawFile, EveryRowHasThirtyFields) {
  int64_t rows = 0;
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& fields) {
    ++rows;
    ASSERT_EQ(fields.size(), kColumnCount) << "row " << rows;
  });
  EXPECT_EQ(rows, 50000);
}

TEST(GenerateRawFile, WritesIntegersAsFloats) {
  ForEachRow(SampleFile(), [](const std::vector<std::string>& f) {
    auto in_range = [&](Column column, long long low, long long high) {
      const std::string& text = Get(f, column);
      if (text.empty()) return;
      const long long value = FloatInt(text);
      EXPECT_GE(value, low) << RawName(column) << " " << text;
      EXPECT_LE(value, high) << RawName(column) << " " << text;
    };
    in_range(Column::kTransactionId, 1000000, 9999999);
    in_range(Column::kCustomerId, 10000, 99999);
    in_range(Column::kPhone, 1000000000, 9999999999);
    in_range(Column::kZipcode, 501, 99949);
    in_range(Column::kAge, 18, 70);
    in_range(Column::kYear, 2023, 2024);
    in_range(Column::kTotalPurchases, 1, 10);
    in_range(Column::kRatings, 1, 5);
  });
}

TEST(GenerateRawFile, TotalAmountIsPurchasesTimesAmount) {
  int64_t checked = 0;
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& f) {
    const std::string& purchases = Get(f, Column::kTotalPurchases);
    const std::string& amount = Get(f, Column::kAmount);
    const std::string& total = Get(f, Column::kTotalAmount);
    if (!amount.empty()) {
      EXPECT_GE(Number(amount), 10.0);
      EXPECT_LT(Number(amount), 500.0);
      // About 10 significant digits, never more.
      const size_t digits =
          std::count_if(amount.begin(), amount.end(), [](char c) { return c >= '0' && c <= '9'; });
      EXPECT_LE(digits, 10u) << amount;
    }
    if (purchases.empty() || amount.empty() || total.empty()) return;
    const double expected = Number(purchases) * Number(amount);
    EXPECT_LT(std::abs(Number(total) - expected) / expected, 1e-9)
        << purchases << " x " << amount << " = " << total;
    ++checked;
  });
  EXPECT_GT(checked, 49000);
}

TEST(GenerateRawFile, FeedbackAndRatingsAreCoupled) {
  const std::map<std::string, std::set<std::string>> allowed = {{"Bad", {"1.0"}},
                                                                {"Average", {"2.0"}},
                                                                {"Good", {"3.0", "4.0"}},
                                                                {"Excellent", {"4.0", "5.0"}}};
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& f) {
    const std::string& feedback = Get(f, Column::kFeedback);
    const std::string& rating = Get(f, Column::kRatings);
    ASSERT_EQ(feedback.empty(), rating.empty());
    if (feedback.empty()) return;
    ASSERT_TRUE(allowed.contains(feedback)) << feedback;
    EXPECT_TRUE(allowed.at(feedback).contains(rating)) << feedback << " " << rating;
  });
}

TEST(GenerateRawFile, RespectsTheProductHierarchy) {
  const Domains& domains = Domains::Get();
  std::set<std::string> types_seen;
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& f) {
    const std::string& category = Get(f, Column::kProductCategory);
    const std::string& brand = Get(f, Column::kProductBrand);
    const std::string& type = Get(f, Column::kProductType);
    const std::string& product = Get(f, Column::kProducts);
    ASSERT_FALSE(type.empty());
    ASSERT_FALSE(product.empty());
    types_seen.insert(type);
    if (!category.empty()) {
      EXPECT_TRUE(Contains(domains.category_to_product_types.at(category), type));
    }
    if (!category.empty() && !brand.empty()) {
      EXPECT_TRUE(Contains(domains.category_to_brands.at(category), brand));
    }
    if (!brand.empty()) {
      EXPECT_TRUE(Contains(domains.brand_to_product_types.at(brand), type));
    }
    EXPECT_TRUE(Contains(domains.product_type_to_products.at(type), product));
  });
  EXPECT_EQ(types_seen.size(), 33u);
}

TEST(GenerateRawFile, PlacesFollowTheCountryRules) {
  const Domains& domains = Domains::Get();
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& f) {
    const std::string& country = Get(f, Column::kCountry);
    if (country.empty()) return;
    ASSERT_TRUE(domains.country_to_cities.contains(country)) << country;
    const std::string& city = Get(f, Column::kCity);
    const std::string& state = Get(f, Column::kState);
    if (!city.empty()) {
      EXPECT_TRUE(Contains(domains.country_to_cities.at(country), city));
    }
    if (!state.empty()) {
      EXPECT_TRUE(Contains(domains.country_to_states.at(country), state));
    }
  });
}

TEST(GenerateRawFile, DatesUseTheCommonCopysSpellingsAndRange) {
  int64_t dated = 0;
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& f) {
    const std::string& text = Get(f, Column::kDate);
    if (text.empty()) return;
    Date date;
    ASSERT_TRUE(ParseDate(text, &date)) << text;
    EXPECT_GE(DayNumber(date), 20230301) << text;
    EXPECT_LE(DayNumber(date), 20240229) << text;
    const std::string& year = Get(f, Column::kYear);
    if (!year.empty()) {
      EXPECT_EQ(FloatInt(year), date.year) << text << " " << year;
    }
    ++dated;
  });
  EXPECT_GT(dated, 49000);
}

TEST(GenerateRawFile, TimesAreTwentyFourHourWithUnpaddedHours) {
  ForEachRow(SampleFile(), [](const std::vector<std::string>& f) {
    const std::string& time = Get(f, Column::kTime);
    if (time.empty()) return;
    const size_t colon = time.find(':');
    ASSERT_TRUE(colon == 1 || colon == 2) << time;
    ASSERT_EQ(time.size(), colon + 6) << time;
    const std::string hour = time.substr(0, colon);
    EXPECT_TRUE(AllDigits(hour) && (hour.size() == 1 || hour[0] != '0')) << time;
    EXPECT_LT(std::stoi(hour), 24);
    EXPECT_EQ(time[colon + 3], ':');
    EXPECT_LT(std::stoi(time.substr(colon + 1, 2)), 60);
    EXPECT_LT(std::stoi(time.substr(colon + 4, 2)), 60);
  });
}

TEST(GenerateRawFile, MonthDisagreesWithDateInAQuarterOfRows) {
  int64_t compared = 0;
  int64_t disagree = 0;
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& f) {
    const std::string& month = Get(f, Column::kMonth);
    Date date;
    if (month.empty() || !ParseDate(Get(f, Column::kDate), &date)) return;
    ASSERT_TRUE(std::find(std::begin(kMonthNames), std::end(kMonthNames), month) !=
                std::end(kMonthNames))
        << month;
    ++compared;
    if (kMonthNames[date.month - 1] != month) ++disagree;
  });
  const double rate = static_cast<double>(disagree) / static_cast<double>(compared);
  EXPECT_GT(rate, 0.20);
  EXPECT_LT(rate, 0.29);
}

TEST(GenerateRawFile, NamesEmailsAndAddressesLookLikeThePublicFile) {
  int64_t named = 0, titled = 0, mailed = 0, own_first_name = 0, with_secondary = 0;
  ForEachRow(SampleFile(), [&](const std::vector<std::string>& f) {
    const std::string& name = Get(f, Column::kName);
    const std::string& email = Get(f, Column::kEmail);
    const std::string& address = Get(f, Column::kAddress);
    if (!name.empty()) {
      ++named;
      EXPECT_GE(std::count(name.begin(), name.end(), ' '), 1) << name;
      if (std::count(name.begin(), name.end(), ' ') > 1) ++titled;
    }
    if (!email.empty()) {
      ++mailed;
      constexpr std::string_view kDomain = "@gmail.com";
      ASSERT_TRUE(email.ends_with(kDomain)) << email;
      const std::string local = email.substr(0, email.size() - kDomain.size());
      const size_t digits = local.find_first_of("0123456789");
      ASSERT_NE(digits, std::string::npos) << email;
      EXPECT_TRUE(AllDigits(local.substr(digits))) << email;
      EXPECT_LE(std::stoi(local.substr(digits)), 100) << email;
      if (!name.empty() && name.find(local.substr(0, digits) + " ") != std::string::npos) {
        ++own_first_name;
      }
    }
    if (!address.empty()) {
      const size_t space = address.find(' ');
      EXPECT_TRUE(space >= 3 && space <= 5 && AllDigits(address.substr(0, space))) << address;
      if (address.find(" Suite ") != std::string::npos ||
          address.find(" Apt. ") != std::string::npos) {
        ++with_secondary;
      }
    }
  });
  // A few per cent carry a title or suffix ("Miss Kristen Ingram", "John Smith PhD").
  EXPECT_GT(titled, named / 100);
  EXPECT_LT(titled, named / 10);
  // The e-mail's first name is usually someone else's.
  EXPECT_LT(own_first_name, mailed / 20);
  EXPECT_GT(with_secondary, 15000);
  EXPECT_LT(with_secondary, 35000);
}

// The statistical shape of a full-size file: nulls, duplicates, identifiers, distributions
// and the demand signal. Bounds are loose: they catch a broken generator, not noise.
TEST(GenerateRawFile, FullSizeFileHasThePublicShape) {
  constexpr double kRows = 302010;
  const std::map<Column, double> kPublicNulls = {
      {Column::kTransactionId, 333}, {Column::kName, 382},     {Column::kCity, 248},
      {Column::kAge, 173},           {Column::kDate, 359},     {Column::kMonth, 273},
      {Column::kAmount, 357},        {Column::kFeedback, 184}, {Column::kOrderStatus, 235}};

  std::vector<int64_t> nulls(kColumnCount, 0);
  std::unordered_set<std::string_view> seen_rows;
  int64_t duplicate_rows = 0;
  std::map<std::string, int64_t> transaction_ids;
  std::set<std::string> customer_ids;
  std::map<std::string, int64_t> countries, categories, years;
  std::map<int, int64_t> per_day;
  std::vector<int> ages;
  int64_t longest_chicago_run = 0, chicago_run = 0;

  CsvRecords records(FullFile());
  std::string_view raw;
  std::vector<std::string> f;
  ASSERT_TRUE(records.Next(&raw, &f));
  int64_t rows = 0;
  while (records.Next(&raw, &f)) {
    ++rows;
    if (!seen_rows.insert(raw).second) ++duplicate_rows;
    bool complete = true;
    for (size_t i = 0; i < kColumnCount; ++i) {
      if (f[i].empty()) {
        ++nulls[i];
        complete = false;
      }
    }
    if (complete) ++transaction_ids[Get(f, Column::kTransactionId)];
    if (!Get(f, Column::kCustomerId).empty()) customer_ids.insert(Get(f, Column::kCustomerId));
    ++countries[Get(f, Column::kCountry)];
    ++categories[Get(f, Column::kProductCategory)];
    ++years[Get(f, Column::kYear)];
    Date date;
    if (ParseDate(Get(f, Column::kDate), &date)) ++per_day[DayNumber(date)];
    if (!Get(f, Column::kAge).empty())
      ages.push_back(static_cast<int>(FloatInt(Get(f, Column::kAge))));
    // Heavy-city blocks are contiguous runs; a null city or state does not break one.
    const std::string& city = Get(f, Column::kCity);
    const std::string& state = Get(f, Column::kState);
    if ((city.empty() || city == "Chicago") && (state.empty() || state == "Connecticut")) {
      longest_chicago_run = std::max(longest_chicago_run, ++chicago_run);
    } else {
      chicago_run = 0;
    }
  }
  ASSERT_EQ(rows, 302010);

  for (const auto& [column, expected] : kPublicNulls) {
    EXPECT_GT(nulls[Index(column)], expected * 0.6) << RawName(column);
    EXPECT_LT(nulls[Index(column)], expected * 1.4) << RawName(column);
  }
  EXPECT_EQ(nulls[Index(Column::kProductType)], 0);
  EXPECT_EQ(nulls[Index(Column::kProducts)], 0);
  EXPECT_EQ(nulls[Index(Column::kRatings)], nulls[Index(Column::kFeedback)]);

  EXPECT_GE(duplicate_rows, 2);
  EXPECT_LE(duplicate_rows, 8);

  // 287,005 distinct Transaction_IDs in 293,911 complete public rows.
  int64_t complete_rows = 0, most_uses = 0;
  for (const auto& [id, uses] : transaction_ids) {
    complete_rows += uses;
    most_uses = std::max(most_uses, uses);
  }
  const double distinct_share =
      static_cast<double>(transaction_ids.size()) / static_cast<double>(complete_rows);
  EXPECT_GT(distinct_share, 0.970);
  EXPECT_LT(distinct_share, 0.983);
  EXPECT_GE(most_uses, 3);
  EXPECT_GT(customer_ids.size(), 85500u);
  EXPECT_LT(customer_ids.size(), 88000u);

  auto share = [&](const std::map<std::string, int64_t>& counts, const std::string& key) {
    return static_cast<double>(counts.contains(key) ? counts.at(key) : 0) / kRows;
  };
  EXPECT_NEAR(share(countries, "USA"), 0.315, 0.01);
  EXPECT_NEAR(share(countries, "UK"), 0.209, 0.01);
  EXPECT_NEAR(share(categories, "Electronics"), 0.236, 0.008);
  EXPECT_NEAR(share(categories, "Grocery"), 0.221, 0.008);
  EXPECT_NEAR(share(years, "2023.0"), 0.83, 0.01);

  std::sort(ages.begin(), ages.end());
  double age_sum = 0;
  for (int age : ages) age_sum += age;
  EXPECT_NEAR(age_sum / static_cast<double>(ages.size()), 35.5, 0.7);
  EXPECT_NEAR(ages[ages.size() / 2], 32, 1);
  EXPECT_EQ(ages.front(), 18);
  EXPECT_EQ(ages.back(), 70);

  EXPECT_GT(longest_chicago_run, 5000);

  EXPECT_EQ(per_day.size(), 366u);
  EXPECT_EQ(per_day.begin()->first, 20230301);
  EXPECT_EQ(per_day.rbegin()->first, 20240229);
}

TEST(GenerateRawFile, DatesCarryADemandSignal) {
  std::map<int, int64_t> per_day;
  ForEachRow(FullFile(), [&](const std::vector<std::string>& f) {
    Date date;
    if (ParseDate(Get(f, Column::kDate), &date)) ++per_day[DayNumber(date)];
  });
  auto mean_over = [&](int first, int last) {
    double sum = 0;
    int days = 0;
    for (auto it = per_day.lower_bound(first); it != per_day.end() && it->first <= last; ++it) {
      sum += static_cast<double>(it->second);
      ++days;
    }
    return sum / days;
  };
  // Weekends of March 2023 (4-5, 11-12, 18-19, 25-26) against its weekdays 6-10 and 13-17.
  const double weekend = (mean_over(20230304, 20230305) + mean_over(20230311, 20230312) +
                          mean_over(20230318, 20230319) + mean_over(20230325, 20230326)) /
                         4;
  const double weekday = (mean_over(20230306, 20230310) + mean_over(20230313, 20230317)) / 2;
  EXPECT_GT(weekend, weekday * 1.1);
  EXPECT_GT(static_cast<double>(per_day[20231124]), mean_over(20231101, 20231115) * 1.6);
  EXPECT_GT(mean_over(20231215, 20231223), mean_over(20231101, 20231115) * 1.3);
  EXPECT_GT(mean_over(20231001, 20231031), mean_over(20230401, 20230430));  // the trend
}

}  // namespace
}  // namespace till
