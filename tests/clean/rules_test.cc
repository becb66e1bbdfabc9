#include "clean/rules.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cstdint>
#include <random>
#include <string>

namespace till {
namespace {

TEST(ParseDecimal, ReadsIntegersFloatsAndExponents) {
  EXPECT_DOUBLE_EQ(ParseDecimal("104.5063373")->value, 104.5063373);
  EXPECT_EQ(ParseDecimal("104.5063373")->decimals, 7);
  EXPECT_DOUBLE_EQ(ParseDecimal("3")->value, 3);
  EXPECT_EQ(ParseDecimal("3")->decimals, 0);
  EXPECT_DOUBLE_EQ(ParseDecimal("-4.25")->value, -4.25);
  EXPECT_DOUBLE_EQ(ParseDecimal("+7.5")->value, 7.5);
  EXPECT_DOUBLE_EQ(ParseDecimal("2.5e3")->value, 2500);
  EXPECT_DOUBLE_EQ(ParseDecimal(".5")->value, 0.5);
}

TEST(ParseDecimal, GivesTheDoubleFromCharsGives) {
  // Plain decimals take a fast path of their own; it must agree bit for bit.
  std::mt19937_64 random(7);
  for (int n = 0; n < 100000; ++n) {
    std::string text = random() % 4 == 0 ? "-" : "";
    size_t digits = 1 + random() % 17;
    size_t point = random() % (digits + 1);
    for (size_t i = 0; i < digits; ++i) {
      if (i == point) text += '.';
      text += static_cast<char>('0' + random() % 10);
    }
    double expected = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), expected);
    ASSERT_EQ(error, std::errc()) << text;
    auto parsed = ParseDecimal(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(std::bit_cast<uint64_t>(parsed->value), std::bit_cast<uint64_t>(expected)) << text;
  }
}

TEST(ParseDecimal, RejectsWhatIsNotAPlainNumber) {
  for (const char* text : {"", "abc", "nan", "inf", "-inf", "1,234.5", "12a", "1.2.3", "0x1A", "-",
                           "+-1", "1e", "e5", "1 000"}) {
    EXPECT_FALSE(ParseDecimal(text)) << text;
  }
}

TEST(ParseWholeNumber, ReadsIntegralFloats) {
  EXPECT_EQ(ParseWholeNumber("8691788.0"), 8691788);
  EXPECT_EQ(ParseWholeNumber("1414786801.0"), 1414786801);
  EXPECT_EQ(ParseWholeNumber("21"), 21);
  EXPECT_EQ(ParseWholeNumber("2023.000"), 2023);
  EXPECT_EQ(ParseWholeNumber("-3"), -3);
  EXPECT_EQ(ParseWholeNumber("1.414786801E9"), 1414786801);
  EXPECT_EQ(ParseWholeNumber("12345678901234567"), std::nullopt);  // beyond 2^53
}

TEST(ParseWholeNumber, RejectsFractionsAndText) {
  EXPECT_FALSE(ParseWholeNumber("2.5"));
  EXPECT_FALSE(ParseWholeNumber("3.01"));
  EXPECT_FALSE(ParseWholeNumber("abc"));
  EXPECT_FALSE(ParseWholeNumber(""));
}

TEST(ParseDate, ReadsTheThreeMonthFirstSpellings) {
  EXPECT_EQ(ParseDate("6/24/2023"), (CivilDate{2023, 6, 24}));
  EXPECT_EQ(ParseDate("05-08-23"), (CivilDate{2023, 5, 8}));
  EXPECT_EQ(ParseDate("05-08-2023"), (CivilDate{2023, 5, 8}));
  EXPECT_EQ(ParseDate("2/29/2024"), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(ParseDate("12/31/2023"), (CivilDate{2023, 12, 31}));
}

TEST(ParseDate, ReadsIsoDates) { EXPECT_EQ(ParseDate("2023-05-08"), (CivilDate{2023, 5, 8})); }

TEST(ParseDate, RejectsImpossibleAndMalformedDates) {
  for (const char* text : {"2/29/2023", "13/01/2023", "00-10-23", "4/31/2023", "6/24", "6/24/",
                           "6/24/20233", "June 24 2023", "6/24-2023", "24/6/2023", "", "1/1/1800",
                           "2023-13-01", "6/24/2023 10:00"}) {
    EXPECT_FALSE(ParseDate(text)) << text;
  }
}

TEST(ParseTime, ReadsOneAndTwoDigitHours) {
  EXPECT_EQ(ParseTime("8:42:04"), 8 * 3600 + 42 * 60 + 4);
  EXPECT_EQ(ParseTime("0:16:01"), 16 * 60 + 1);
  EXPECT_EQ(ParseTime("22:03:55"), 22 * 3600 + 3 * 60 + 55);
  EXPECT_EQ(ParseTime("08:42"), 8 * 3600 + 42 * 60);
}

TEST(ParseTime, RejectsOutOfRangeAndMalformedTimes) {
  for (const char* text :
       {"24:00:00", "8:60:00", "8:00:60", "8:4:04", "8", "8:42:04pm", "", "::"}) {
    EXPECT_FALSE(ParseTime(text)) << text;
  }
}

TEST(FormatTime, PadsHours) { EXPECT_EQ(FormatTime(8 * 3600 + 42 * 60 + 4), "08:42:04"); }

TEST(ParseMonth, ReadsNamesAbbreviationsAndNumbers) {
  EXPECT_EQ(ParseMonth("September"), 9);
  EXPECT_EQ(ParseMonth("sep"), 9);
  EXPECT_EQ(ParseMonth("SEPT"), 9);
  EXPECT_EQ(ParseMonth("9"), 9);
  EXPECT_EQ(ParseMonth("9.0"), 9);
  EXPECT_FALSE(ParseMonth("13"));
  EXPECT_FALSE(ParseMonth("Ju"));
  EXPECT_FALSE(ParseMonth("Smarch"));
}

TEST(NormalizeIdentifier, DropsTheFloatFromIntegralIds) {
  std::string scratch;
  EXPECT_EQ(NormalizeIdentifier("8691788.0", &scratch), "8691788");
  EXPECT_EQ(NormalizeIdentifier("8691788", &scratch), "8691788");
  EXPECT_EQ(NormalizeIdentifier("1.414786801E9", &scratch), "1414786801");
  EXPECT_EQ(NormalizeIdentifier("A-1001", &scratch), "A-1001");
  EXPECT_EQ(NormalizeIdentifier("007", &scratch), "007");
  EXPECT_EQ(NormalizeIdentifier("12.5", &scratch), "12.5");
}

}  // namespace
}  // namespace till
