// Request bodies read into records: NDJSON and CSV, and every way a body is refused.
#include "stream/body.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace till {
namespace {

std::vector<CsvRecord> ReadAll(const RequestBody& body, std::vector<std::string>* raw) {
  std::vector<CsvRecord> records;
  auto source = body.Records();
  CsvRecord record;
  while (*source->Next(&record)) {
    raw->emplace_back(record.raw);
    records.push_back(record);
  }
  return records;
}

BodyError Refused(std::string text, BodyFormat format) {
  BodyError error;
  EXPECT_EQ(ReadRequestBody(std::move(text), format, &error), nullptr);
  return error;
}

TEST(BodyFormatTest, NamesTheFormatsByContentType) {
  EXPECT_EQ(BodyFormatOf("application/x-ndjson"), BodyFormat::kNdjson);
  EXPECT_EQ(BodyFormatOf("application/json; charset=utf-8"), BodyFormat::kNdjson);
  EXPECT_EQ(BodyFormatOf("Text/CSV"), BodyFormat::kCsv);
  EXPECT_EQ(BodyFormatOf("text/plain"), std::nullopt);
  EXPECT_EQ(BodyFormatOf(""), std::nullopt);
}

TEST(RequestBodyTest, NdjsonKeysMapLikeAHeaderAndMissingKeysAreNull) {
  BodyError error;
  auto body = ReadRequestBody(
      "{\"Transaction_ID\": \"1\", \"Date\": \"6/15/2023\", \"Amount\": 10, \"Total_Amount\": "
      "20.5}\n\n{\"date\": \"6/16/2023\", \"Total Purchases\": 2, \"Amount\": null}\r\n",
      BodyFormat::kNdjson, &error);
  ASSERT_NE(body, nullptr) << error.message;
  EXPECT_EQ(body->rows(), 2);
  EXPECT_TRUE(body->header().Has(Column::kDate));
  EXPECT_TRUE(body->header().Has(Column::kTotalPurchases));
  std::vector<std::string> raw;
  auto records = ReadAll(*body, &raw);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 3);  // the blank line counts
  ASSERT_EQ(records[0].fields.size(), 5u);
  auto field = [&](size_t record, Column column) {
    return std::string(records[record].fields[body->header().position[Index(column)]]);
  };
  EXPECT_EQ(field(0, Column::kTransactionId), "1");
  EXPECT_EQ(field(0, Column::kAmount), "10");
  EXPECT_EQ(field(0, Column::kTotalAmount), "20.5");
  EXPECT_EQ(field(0, Column::kTotalPurchases), "");  // not in the first object
  EXPECT_EQ(field(1, Column::kDate), "6/16/2023");
  EXPECT_EQ(field(1, Column::kAmount), "");  // null
  EXPECT_EQ(raw[1], "{\"date\": \"6/16/2023\", \"Total Purchases\": 2, \"Amount\": null}");
}

// Lines are read by a fast parser, and again by a slower one that explains what is wrong when
// the first does not take a line: both must give the same fields, and refuse the same lines.
TEST(RequestBodyTest, NdjsonValuesReadAlikeWhicheverParserTakesTheLine) {
  BodyError error;
  auto body = ReadRequestBody(
      "{\"Date\": \"6/15/2023\", \"Amount\": -3, \"Total_Amount\": 1.50, \"City\": "
      "\"S\\u00e3o \\\"Paulo\\\"\"}   \n"
      "{\"Date\": \"6/16/2023\", \"Amount\": 123456789012345678901234567890, "
      "\"Total_Amount\": 18446744073709551615}",  // the last line, unpadded, without its \n
      BodyFormat::kNdjson, &error);
  ASSERT_NE(body, nullptr) << error.message;
  std::vector<std::string> raw;
  auto records = ReadAll(*body, &raw);
  ASSERT_EQ(records.size(), 2u);
  auto field = [&](size_t record, Column column) {
    return std::string(records[record].fields[body->header().position[Index(column)]]);
  };
  EXPECT_EQ(field(0, Column::kAmount), "-3");
  EXPECT_EQ(field(0, Column::kTotalAmount), "1.5");  // as a JSON document prints the number
  EXPECT_EQ(field(0, Column::kCity), "S\u00e3o \"Paulo\"");
  // Beyond 64 bits: the slower parser's double, as before.
  EXPECT_EQ(field(1, Column::kAmount), "1.2345678901234568e+29");
  EXPECT_EQ(field(1, Column::kTotalAmount), "18446744073709551615");
  EXPECT_EQ(raw[1].back(), '}');

  // What follows an object, a key named twice, a nested value: refused, wherever on the line.
  error = Refused("{\"Date\": \"6/15/2023\", \"Amount\": 1, \"Total_Amount\": 1} {}\n",
                  BodyFormat::kNdjson);
  EXPECT_EQ(error.reason, "invalid_json");
  error = Refused("{\"Date\": \"6/15/2023\", \"Amount\": 1, \"Total_Amount\": 1, \"date\": \"x\"}",
                  BodyFormat::kNdjson);
  EXPECT_EQ(error.reason, "duplicate_column");
  EXPECT_EQ(error.column, "date");
  error = Refused("{\"Date\": \"6/15/2023\", \"Amount\": {\"a\": 1}, \"Total_Amount\": 1}",
                  BodyFormat::kNdjson);
  EXPECT_EQ(error.reason, "wrong_type");
  EXPECT_EQ(error.column, "Amount");
  EXPECT_EQ(
      Refused("{\"Date\": \"6/15/2023\", \"Amount\": 1, \"Total_Amount\": 1", BodyFormat::kNdjson)
          .reason,
      "invalid_json");
}

TEST(RequestBodyTest, CsvBodiesReadPastTheirHeader) {
  BodyError error;
  auto body = ReadRequestBody("Date;Amount;Total_Amount\n6/15/2023;10,5;21\n6/16/2023;1;2\n",
                              BodyFormat::kCsv, &error);
  ASSERT_NE(body, nullptr) << error.message;
  EXPECT_EQ(body->decimal_mark(), RowCleaner::DecimalMark::kPointOrComma);
  std::vector<std::string> raw;
  auto records = ReadAll(*body, &raw);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 2);
  EXPECT_EQ(records[0].fields[1], "10,5");
  // Read again from the start: a body is loaded again after a failed commit.
  raw.clear();
  EXPECT_EQ(ReadAll(*body, &raw).size(), 2u);
}

TEST(RequestBodyTest, ALoneCrInACsvBodyEndsALineForItsLineCount) {
  // The reader takes a lone CR inside an LF file as a line end; the body's line count must
  // too, or the records outrun rows() and last_line() (which number a batch's bodies apart).
  BodyError error;
  auto body =
      ReadRequestBody("Date,Amount,Total_Amount\n6/15/2023,1,2\r6/16/2023,3,4\r\n6/17/2023,5,6",
                      BodyFormat::kCsv, &error);
  ASSERT_NE(body, nullptr) << error.message;
  std::vector<std::string> raw;
  auto records = ReadAll(*body, &raw);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.back().line, 4);
  EXPECT_EQ(body->last_line(), 4);
  EXPECT_EQ(body->rows(), 3);
}

TEST(RequestBodyTest, RefusesWhatItCannotReadWithLineColumnAndReason) {
  BodyError error =
      Refused("{\"Date\": \"6/15/2023\", \"Amount\": 1, \"Total_Amount\": 1}\n{\"Date\": oops}\n",
              BodyFormat::kNdjson);
  EXPECT_EQ(error.reason, "invalid_json");
  EXPECT_EQ(error.line, 2);

  // A number beyond a double is no JSON that can be read (it used to escape as an exception).
  error = Refused("{\"Date\": \"6/15/2023\", \"Amount\": 1e400, \"Total_Amount\": 1}\n",
                  BodyFormat::kNdjson);
  EXPECT_EQ(error.reason, "invalid_json");
  EXPECT_EQ(error.line, 1);

  error = Refused("{\"Date\": \"6/15/2023\", \"Amount\": true, \"Total_Amount\": 1}\n",
                  BodyFormat::kNdjson);
  EXPECT_EQ(error.reason, "wrong_type");
  EXPECT_EQ(error.column, "Amount");
  EXPECT_EQ(error.line, 1);

  error = Refused(
      "{\"Date\": \"6/15/2023\", \"Amount\": 1, \"Total_Amount\": 1}\n"
      "{\"Date\": \"6/15/2023\", \"Colour\": \"red\"}\n",
      BodyFormat::kNdjson);
  EXPECT_EQ(error.reason, "unknown_column");
  EXPECT_EQ(error.column, "Colour");
  EXPECT_EQ(error.line, 2);

  EXPECT_EQ(Refused("[1, 2]\n", BodyFormat::kNdjson).reason, "not_an_object");
  EXPECT_EQ(Refused("\n \n", BodyFormat::kNdjson).reason, "empty_body");
  EXPECT_EQ(Refused("{\"Date\": \"6/15/2023\"}\n", BodyFormat::kNdjson).reason, "bad_header");
  EXPECT_EQ(
      Refused("Date,Amount,Total_Amount,Colour\n6/15/2023,1,1,red\n", BodyFormat::kCsv).reason,
      "unknown_column");
  EXPECT_EQ(Refused("Date,Amount,Total_Amount\n", BodyFormat::kCsv).reason, "empty_body");
  EXPECT_EQ(Refused("no,sales,here\n1,2,3\n", BodyFormat::kCsv).reason, "bad_header");
}

}  // namespace
}  // namespace till
