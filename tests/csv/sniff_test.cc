#include "csv/sniff.h"

#include <gtest/gtest.h>

#include <string>

namespace till {
namespace {

// The columns these tests know, spelled exactly.
bool IsKnown(std::string_view cell) {
  for (std::string_view name :
       {"Transaction_ID", "Customer_ID", "Date", "Amount", "Total_Amount"}) {
    if (cell == name) return true;
  }
  return false;
}

TEST(DetectDelimiter, PicksTheSeparatorThatNamesTheMostColumns) {
  EXPECT_EQ(DetectDelimiter("Transaction_ID,Customer_ID,Date,Amount,Total_Amount", IsKnown), ',');
  EXPECT_EQ(DetectDelimiter("Transaction_ID;Date;Amount;Total_Amount\r", IsKnown), ';');
  EXPECT_EQ(DetectDelimiter("Transaction_ID\tDate\t\"Amount\"\tTotal_Amount", IsKnown), '\t');
  EXPECT_EQ(DetectDelimiter("Date|Amount|Total_Amount", IsKnown), '|');
  EXPECT_EQ(DetectDelimiter(" Date | Amount ", IsKnown), '|');
  // A comma inside a quoted header cell does not split it.
  EXPECT_EQ(DetectDelimiter("\"Date, local\";Amount;Total_Amount", IsKnown), ';');
  EXPECT_EQ(DetectDelimiter("nothing,known;here", IsKnown), ',');
  EXPECT_EQ(DetectDelimiter("Date;Amount,Total_Amount,Customer_ID", IsKnown), ',');
  EXPECT_EQ(DetectDelimiter("", IsKnown), ',');
}

TEST(SniffCsvFormat, ReadsTheUsualExport) {
  auto format = SniffCsvFormat("Date,Amount,Total_Amount\n6/24/2023,1,2\n", IsKnown);
  ASSERT_TRUE(format);
  EXPECT_EQ(format->delimiter, ',');
  EXPECT_FALSE(format->cr_lines);
  EXPECT_FALSE(format->utf8_bom);
}

TEST(SniffCsvFormat, TellsTheDelimiterFromTheFirstLineOnly) {
  auto format =
      SniffCsvFormat("Date;Amount;Total_Amount\r\nDate|Amount|Total_Amount|x\r\n", IsKnown);
  ASSERT_TRUE(format);
  EXPECT_EQ(format->delimiter, ';');
  EXPECT_FALSE(format->cr_lines);
  // With no line end at all, the whole head is the first line.
  format = SniffCsvFormat("Date\tAmount", IsKnown);
  ASSERT_TRUE(format);
  EXPECT_EQ(format->delimiter, '\t');
}

TEST(SniffCsvFormat, SeesAByteOrderMarkAndLooksPastIt) {
  auto format = SniffCsvFormat(
      "\xEF\xBB\xBF"
      "Date;Amount;Total_Amount\n",
      IsKnown);
  ASSERT_TRUE(format);
  EXPECT_TRUE(format->utf8_bom);
  EXPECT_EQ(format->delimiter, ';');
}

TEST(SniffCsvFormat, TakesLinesEndedByALoneCrAsAnOldMacExport) {
  auto format = SniffCsvFormat("Date|Amount|Total_Amount\r1/2/2023|1|2\r", IsKnown);
  ASSERT_TRUE(format);
  EXPECT_TRUE(format->cr_lines);
  EXPECT_EQ(format->delimiter, '|');
  // One LF anywhere in the head makes CRs data or CRLF ends.
  format = SniffCsvFormat("Date|Amount\r1|2\r3|4\n", IsKnown);
  ASSERT_TRUE(format);
  EXPECT_FALSE(format->cr_lines);
  // The first line then runs to the LF, and '|' still splits a known column off it.
  EXPECT_EQ(format->delimiter, '|');
}

TEST(SniffCsvFormat, RefusesUtf16Text) {
  for (std::string head : {std::string("\xFF\xFE"
                                       "D\0a\0t\0e\0",
                                       10),
                           std::string("\xFE\xFF\0D\0a\0t\0e", 10)}) {
    auto format = SniffCsvFormat(head, IsKnown);
    ASSERT_FALSE(format);
    EXPECT_EQ(format.error().code(), ErrorCode::kBadFormat);
    EXPECT_EQ(format.error().message(),
              "the file is UTF-16 text; save it as UTF-8 (or \"CSV UTF-8\") and load it again");
  }
}

TEST(SniffCsvFormat, ReadsAnEmptyHeadAsTheUsualExport) {
  auto format = SniffCsvFormat("", IsKnown);
  ASSERT_TRUE(format);
  EXPECT_EQ(format->delimiter, ',');
  EXPECT_FALSE(format->cr_lines);
  EXPECT_FALSE(format->utf8_bom);
}

}  // namespace
}  // namespace till
