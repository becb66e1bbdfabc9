// S3 event notifications read for a zone: bodies as S3 and moto write them, a test event, SNS
// wrapping, and what is not a notification. (The queue itself: s3_zone_test.cc, against
// moto_server's SQS.)
#include "landing/zone_events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace till {
namespace {

const S3Location kZone{"landing", "raw_data/"};

// A notification of one record, as S3 writes it.
std::string Notification(const std::string& event, const std::string& bucket,
                         const std::string& key,
                         const std::string& time = "2024-02-01T10:00:00.250Z") {
  return R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",)"
         R"("eventTime":")" +
         time + R"(","eventName":")" + event + R"(","s3":{"s3SchemaVersion":"1.0",)" +
         R"("bucket":{"name":")" + bucket + R"(","arn":"arn:aws:s3:::)" + bucket + R"("},)" +
         R"("object":{"key":")" + key +
         R"(","size":3,"eTag":"764efa883dda1e11db47671c4a3bbd9e"}}}]})";
}

TEST(ParseS3NotificationTest, ACreatedObjectUnderThePrefixIsItsKeyDecoded) {
  // S3 form-encodes keys: '+' for a space, %2B for '+', %XX for UTF-8 bytes.
  auto events = ParseS3Notification(
      Notification("ObjectCreated:Put", "landing", "raw_data%2Fnew+2024-02%2Bcaf%C3%A9.csv"),
      kZone);
  ASSERT_TRUE(events) << events.error().message();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, ZoneEventKind::kCreated);
  EXPECT_EQ((*events)[0].key, "new 2024-02+caf\xC3\xA9.csv");
  ASSERT_TRUE((*events)[0].time);
  EXPECT_DOUBLE_EQ(*(*events)[0].time, 1706781600.25);  // date -d 2024-02-01T10:00:00Z +%s

  // moto leaves the "Z" out and writes microseconds; the time is UTC all the same.
  auto moto = ParseS3Notification(Notification("ObjectCreated:CompleteMultipartUpload", "landing",
                                               "raw_data/a.csv", "2024-02-01T10:00:00.250000"),
                                  kZone);
  ASSERT_TRUE(moto) << moto.error().message();
  EXPECT_EQ((*moto)[0].kind, ZoneEventKind::kCreated);
  EXPECT_DOUBLE_EQ(*(*moto)[0].time, 1706781600.25);
}

TEST(ParseS3NotificationTest, RemovalsAreRemovedAndEverythingElseIgnoredWithItsReason) {
  auto removed =
      ParseS3Notification(Notification("ObjectRemoved:Delete", "landing", "raw_data/a.csv"), kZone);
  ASSERT_TRUE(removed);
  EXPECT_EQ((*removed)[0].kind, ZoneEventKind::kRemoved);
  EXPECT_EQ((*removed)[0].key, "a.csv");

  struct Case {
    std::string body;
    std::string reason;
  };
  const Case cases[] = {
      {R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-02-01T10:00:00.000Z",)"
       R"("Bucket":"landing","RequestId":"X","HostId":"Y"})",
       "test event"},
      {Notification("ObjectCreated:Put", "landing", "elsewhere%2Fa.csv"), "outside the prefix"},
      {Notification("ObjectCreated:Put", "landing", "raw_data_old%2Fa.csv"), "outside the prefix"},
      {Notification("ObjectCreated:Put", "other", "raw_data%2Fa.csv"), "other bucket"},
      {Notification("ObjectCreated:Put", "landing", "raw_data%2Freadme.txt"), "not a raw file"},
      {Notification("ObjectCreated:Put", "landing", "raw_data%2F.hidden.csv"), "not a raw file"},
      {Notification("ObjectRestore:Completed", "landing", "raw_data%2Fa.csv"), "unknown event"},
  };
  for (const Case& c : cases) {
    auto events = ParseS3Notification(c.body, kZone);
    ASSERT_TRUE(events) << c.body << ": " << events.error().message();
    ASSERT_EQ(events->size(), 1u) << c.body;
    EXPECT_EQ((*events)[0].kind, ZoneEventKind::kIgnored) << c.body;
    EXPECT_EQ((*events)[0].reason, c.reason) << c.body;
  }
}

TEST(ParseS3NotificationTest, ANotificationDeliveredThroughSnsIsUnwrapped) {
  std::string inner = Notification("ObjectCreated:Put", "landing", "raw_data%2Fb.csv");
  std::string escaped;
  for (char c : inner) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  auto events = ParseS3Notification(
      R"({"Type":"Notification","MessageId":"m","TopicArn":"arn:aws:sns:us-east-1:1:t",)"
      R"("Message":")" +
          escaped + R"("})",
      kZone);
  ASSERT_TRUE(events) << events.error().message();
  EXPECT_EQ((*events)[0].kind, ZoneEventKind::kCreated);
  EXPECT_EQ((*events)[0].key, "b.csv");
}

TEST(ParseS3NotificationTest, WhatIsNotANotificationIsABadFormatWithItsReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "not JSON"},
      {"hello", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {"{}", "no Records"},
      {R"({"Records":[]})", "Records is empty"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put"}]})", "s3.object.key"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":7}}}]})",
       "s3.object.key"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"raw_data%2"}}}]})",
       "URL-encoded"},
      {R"({"Type":"Notification","Message":"not json"})", "SNS message"},
      // A "Type" that is not a string is no SNS envelope (reading it as one used to throw).
      {R"({"Type":1,"Message":"{}"})", "no Records"},
      {R"({"Type":["Notification"],"Records":7})", "no Records"},
  };
  for (const auto& [body, reason] : cases) {
    auto events = ParseS3Notification(body, kZone);
    ASSERT_FALSE(events) << body;
    EXPECT_EQ(events.error().code(), ErrorCode::kBadFormat) << body;
    EXPECT_NE(events.error().message().find(reason), std::string::npos)
        << body << ": " << events.error().message();
  }
}

TEST(ReadReceivedMessagesTest, AReceiveCountThatIsNotAPositiveNumberIsUnknown) {
  const std::pair<std::string, int> cases[] = {
      {R"("3")", 3}, {R"("-5")", 0}, {R"("0")", 0},           {R"("2x")", 0},
      {R"("")", 0},  {"4", 0},       {R"("99999999999")", 0},
  };
  for (const auto& [count, expected] : cases) {
    const std::string answer = R"({"Messages":[{"ReceiptHandle":"r","MessageId":"m",)"
                               R"("Attributes":{"ApproximateReceiveCount":)" +
                               count + R"(},"Body":"{}"}]})";
    auto messages = ReadReceivedMessages(nlohmann::json::parse(answer), kZone, "q");
    ASSERT_TRUE(messages) << count;
    ASSERT_EQ(messages->size(), 1u) << count;
    EXPECT_EQ((*messages)[0].receive_count, expected) << count;
  }
}

TEST(SqsQueueUrlTest, TakesAQueueUrlOrAnSqsUrl) {
  EXPECT_EQ(*SqsQueueUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/landing"),
            "https://sqs.eu-west-1.amazonaws.com/123456789012/landing");
  EXPECT_EQ(*SqsQueueUrl("sqs://sqs.eu-west-1.amazonaws.com/123456789012/landing"),
            "https://sqs.eu-west-1.amazonaws.com/123456789012/landing");
  EXPECT_EQ(*SqsQueueUrl("sqs://http://127.0.0.1:5000/123456789012/landing"),
            "http://127.0.0.1:5000/123456789012/landing");
  for (const char* bad : {"landing", "sqs://", "https://sqs.amazonaws.com", "s3://bucket/x"}) {
    auto url = SqsQueueUrl(bad);
    ASSERT_FALSE(url) << bad;
    EXPECT_EQ(url.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace till
