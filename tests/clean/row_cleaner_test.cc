#include "clean/row_cleaner.h"

#include <gtest/gtest.h>

#include "support/split.h"

namespace till {
namespace {

using testing::SplitCommas;

class RowCleanerTest : public ::testing::Test {
 protected:
  static constexpr std::string_view kHeader =
      "Transaction_ID,Customer_ID,Name,Email,Phone,Address,City,State,Zipcode,Country,Age,"
      "Gender,Income,Customer_Segment,Date,Year,Month,Time,Total_Purchases,Amount,Total_Amount,"
      "Product_Category,Product_Brand,Product_Type,Feedback,Shipping_Method,Payment_Method,"
      "Order_Status,Ratings,products";
  static constexpr std::string_view kRow =
      "8691788.0,37249.0,Michelle Harrington,Ebony39@gmail.com,1414786801.0,3959 Amanda Burgs,"
      "Dortmund,Berlin,77985.0,Germany,21.0,Male,Low,Regular,9/18/2023,2023.0,September,"
      "22:03:55,3.0,108.028757,324.08627,Clothing,Nike,Shorts,Excellent,Same-Day,Debit Card,"
      "Shipped,5.0,Cycling shorts";

  CleanOutcome CleanLine(std::string_view line, std::string_view header = kHeader) {
    header_fields_ = SplitCommas(header);
    std::vector<std::string_view> views(header_fields_.begin(), header_fields_.end());
    auto map = MapHeader(views);
    EXPECT_TRUE(map);
    cleaner_.emplace(*map);
    fields_ = SplitCommas(line);
    record_ = CsvRecord{};
    record_.fields.assign(fields_.begin(), fields_.end());
    record_.line = 2;
    record_.raw = line;
    return cleaner_->Clean(record_, &row_, &issues_);
  }

  // kRow with field `index` replaced by `value`.
  static std::string WithField(size_t index, std::string_view value) {
    auto fields = SplitCommas(kRow);
    fields[index] = value;
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
    return line;
  }

  std::vector<std::string> header_fields_;
  std::vector<std::string> fields_;
  std::optional<RowCleaner> cleaner_;
  CsvRecord record_;
  CleanRow row_;
  std::vector<RowIssue> issues_;
};

TEST_F(RowCleanerTest, CleansARealRow) {
  ASSERT_EQ(CleanLine(kRow), CleanOutcome::kClean);
  EXPECT_TRUE(issues_.empty());
  EXPECT_EQ(row_.Text(Column::kTransactionId), "8691788");
  EXPECT_EQ(row_.Text(Column::kPhone), "1414786801");
  EXPECT_EQ(row_.Text(Column::kZipcode), "77985");
  EXPECT_EQ(row_.Text(Column::kCity), "Dortmund");
  EXPECT_EQ(row_.Text(Column::kShippingMethod), "Same-Day");
  EXPECT_EQ(row_.date, (CivilDate{2023, 9, 18}));
  EXPECT_EQ(row_.time, 22 * 3600 + 3 * 60 + 55);
  EXPECT_EQ(row_.age, 21);
  EXPECT_EQ(row_.rating, 5);
  EXPECT_EQ(row_.amounts.quantity, 3);
  EXPECT_EQ(row_.amounts.total, 324.08627);
  EXPECT_FALSE(row_.month_mismatch);
  EXPECT_FALSE(row_.year_mismatch);
}

TEST_F(RowCleanerTest, MatchesCategoricalValuesToCanonicalSpellings) {
  ASSERT_EQ(CleanLine(WithField(25, " same day ")), CleanOutcome::kClean);
  EXPECT_EQ(row_.Text(Column::kShippingMethod), "Same-Day");
  ASSERT_EQ(CleanLine(WithField(6, "DORTMUND")), CleanOutcome::kClean);
  EXPECT_EQ(row_.Text(Column::kCity), "Dortmund");
}

TEST_F(RowCleanerTest, AcceptsNewCategoricalValuesAsWritten) {
  ASSERT_EQ(CleanLine(WithField(25, "Drone  Delivery")), CleanOutcome::kClean);
  EXPECT_EQ(row_.Text(Column::kShippingMethod), "Drone Delivery");
}

TEST_F(RowCleanerTest, NamesVocabularySpellingsById) {
  ASSERT_EQ(CleanLine(WithField(25, "Same-Day")), CleanOutcome::kClean);
  uint16_t same_day = row_.spelling_id[Index(Column::kShippingMethod)];
  EXPECT_NE(same_day, 0);
  EXPECT_EQ(row_.spelling_id[Index(Column::kName)], 0);  // not a categorical column
  ASSERT_EQ(CleanLine(WithField(25, "SAME_DAY")), CleanOutcome::kClean);
  EXPECT_EQ(row_.spelling_id[Index(Column::kShippingMethod)], same_day);
  ASSERT_EQ(CleanLine(WithField(25, "Express")), CleanOutcome::kClean);
  EXPECT_NE(row_.spelling_id[Index(Column::kShippingMethod)], same_day);
  ASSERT_EQ(CleanLine(WithField(25, "Drone")), CleanOutcome::kClean);  // a new member
  EXPECT_EQ(row_.spelling_id[Index(Column::kShippingMethod)], 0);
  ASSERT_EQ(CleanLine(WithField(25, "")), CleanOutcome::kClean);  // null
  EXPECT_EQ(row_.spelling_id[Index(Column::kShippingMethod)], 0);
}

TEST_F(RowCleanerTest, CountsAMonthThatDisagreesWithDate) {
  ASSERT_EQ(CleanLine(WithField(16, "March")), CleanOutcome::kClean);
  EXPECT_TRUE(row_.month_mismatch);
  EXPECT_EQ(row_.date->month, 9);
}

TEST_F(RowCleanerTest, AnEmptyDateIsTheUnknownDate) {
  ASSERT_EQ(CleanLine(WithField(14, "")), CleanOutcome::kClean);
  EXPECT_FALSE(row_.date);
}

TEST_F(RowCleanerTest, RejectsADateThatIsNotADate) {
  ASSERT_EQ(CleanLine(WithField(14, "2/30/2023")), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kBadDate);
  EXPECT_EQ(issues_.front().column, "Date");
}

TEST_F(RowCleanerTest, NullsAnUnreadableAgeAndSaysSo) {
  ASSERT_EQ(CleanLine(WithField(10, "twenty")), CleanOutcome::kClean);
  EXPECT_FALSE(row_.age);
  ASSERT_EQ(issues_.size(), 1u);
  EXPECT_EQ(issues_[0].code, IssueCode::kBadInteger);
  EXPECT_EQ(issues_[0].column, "Age");
  EXPECT_FALSE(RejectsRow(issues_[0].code));
}

TEST_F(RowCleanerTest, NullsAnUnreadableTime) {
  ASSERT_EQ(CleanLine(WithField(17, "25:00:00")), CleanOutcome::kClean);
  EXPECT_FALSE(row_.time);
  EXPECT_EQ(issues_.at(0).code, IssueCode::kBadTime);
}

TEST_F(RowCleanerTest, RecoversOneMissingAmount) {
  ASSERT_EQ(CleanLine(WithField(20, "")), CleanOutcome::kClean);
  EXPECT_EQ(row_.amounts.recovered, RecoveredAmount::kTotal);
  EXPECT_DOUBLE_EQ(row_.amounts.total, 3 * 108.028757);
}

TEST_F(RowCleanerTest, RejectsTwoMissingAmounts) {
  std::string line = WithField(20, "");
  auto fields = SplitCommas(line);
  fields[19] = "";
  std::string joined;
  for (size_t i = 0; i < fields.size(); ++i) joined += (i ? "," : "") + fields[i];
  ASSERT_EQ(CleanLine(joined), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kMissingAmounts);
}

TEST_F(RowCleanerTest, RejectsUnreadableAmounts) {
  ASSERT_EQ(CleanLine(WithField(19, "12,5")), CleanOutcome::kRejected);  // a 31st field
  EXPECT_EQ(issues_.front().code, IssueCode::kFieldCount);
  ASSERT_EQ(CleanLine(WithField(19, "twelve")), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kBadNumber);
  EXPECT_EQ(issues_.front().column, "Amount");
}

TEST_F(RowCleanerTest, ReadsDecimalCommasOnlyWhenAsked) {
  auto map = MapHeader(std::vector<std::string_view>{"Date", "Total_Purchases", "Amount"});
  ASSERT_TRUE(map);
  std::vector<std::string_view> fields = {"5/1/2023", "2", "10,5"};
  CsvRecord record;
  record.fields = fields;
  record.line = 2;
  record.raw = "5/1/2023;2;10,5";
  RowCleaner comma(*map, RowCleaner::DecimalMark::kPointOrComma);
  ASSERT_EQ(comma.Clean(record, &row_, &issues_), CleanOutcome::kClean);
  EXPECT_EQ(row_.amounts.unit_price, 10.5);
  RowCleaner point(*map);
  ASSERT_EQ(point.Clean(record, &row_, &issues_), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kBadNumber);
  fields[2] = "1,000.5";  // a thousands separator is never a decimal comma
  record.fields = fields;
  EXPECT_EQ(comma.Clean(record, &row_, &issues_), CleanOutcome::kRejected);
}

TEST_F(RowCleanerTest, RejectsInconsistentAmounts) {
  ASSERT_EQ(CleanLine(WithField(20, "400")), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kInconsistentAmounts);
}

TEST_F(RowCleanerTest, RejectsAnImplausibleAmountNamingItsColumn) {
  ASSERT_EQ(CleanLine(WithField(20, "1e308")), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kImplausibleAmount);
  EXPECT_EQ(IssueCodeName(issues_.front().code), "implausible_amount");
  EXPECT_EQ(issues_.front().column, "Total_Amount");
  EXPECT_NE(issues_.front().message.find("1e+308"), std::string::npos) << issues_.front().message;
}

TEST(DescribeIssueTest, NamesTheColumnAndTheRuleButNoValue) {
  EXPECT_EQ(DescribeIssue("bad_date", "Date"), "Date: not a month-first date");
  EXPECT_EQ(DescribeIssue("field_count", ""), "not the header's number of fields");
  EXPECT_EQ(DescribeIssue("implausible_amount", "Total_Amount"),
            "Total_Amount: beyond what one sale can plausibly be");
  EXPECT_EQ(DescribeIssue("some_new_code", "Age"), "Age: some_new_code");
}

TEST_F(RowCleanerTest, RejectsANonPositiveQuantity) {
  ASSERT_EQ(CleanLine(WithField(18, "0")), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kNonPositiveQuantity);
}

TEST_F(RowCleanerTest, RejectsInvalidUtf8NamingTheColumn) {
  ASSERT_EQ(CleanLine(WithField(2, "Bj\xF6rn")), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kInvalidUtf8);
  EXPECT_EQ(issues_.front().column, "Name");
}

TEST_F(RowCleanerTest, RejectsABlankLine) {
  ASSERT_EQ(CleanLine(""), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kBlankLine);
}

TEST_F(RowCleanerTest, RejectsRaggedRows) {
  ASSERT_EQ(CleanLine("1,2,3"), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kFieldCount);
  EXPECT_NE(issues_.front().message.find("expected 30"), std::string::npos);
}

TEST_F(RowCleanerTest, RejectsBrokenRecords) {
  CleanLine(kRow);
  record_.problem = RecordProblem::kUnterminatedQuote;
  EXPECT_EQ(cleaner_->Clean(record_, &row_, &issues_), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kUnterminatedQuote);
  record_.problem = RecordProblem::kFieldTooLong;
  record_.problem_field = 3;
  EXPECT_EQ(cleaner_->Clean(record_, &row_, &issues_), CleanOutcome::kRejected);
  EXPECT_EQ(issues_.front().code, IssueCode::kFieldTooLong);
}

TEST_F(RowCleanerTest, LoadsAFileWithOnlyTheRequiredColumns) {
  ASSERT_EQ(CleanLine("5/1/2023,2,10.5", "Date,Total_Purchases,Amount"), CleanOutcome::kClean);
  EXPECT_EQ(row_.amounts.total, 21.0);
  EXPECT_FALSE(row_.Text(Column::kName));
}

}  // namespace
}  // namespace till
