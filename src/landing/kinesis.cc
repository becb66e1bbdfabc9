#include "landing/kinesis.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdlib>

#include "base/log.h"
#include "landing/aws_json.h"

namespace till {
namespace {

using nlohmann::json;

class HttpKinesisStream final : public KinesisStream {
 public:
  HttpKinesisStream(AwsJsonService service, std::string name)
      : service_(std::move(service)), name_(std::move(name)) {}

  const std::string& name() const override { return name_; }

  Result<std::vector<KinesisShard>> ListShards() override {
    std::vector<KinesisShard> shards;
    std::string token;
    do {
      // ListShards takes the stream's name or its NextToken, never both.
      json request = token.empty() ? json{{"StreamName", name_}} : json{{"NextToken", token}};
      auto answer = CallAwsJson(service_, "ListShards", request, name_);
      TILL_RETURN_IF_ERROR(answer);
      token = answer->value("NextToken", "");
      if (!answer->contains("Shards") || !(*answer)["Shards"].is_array()) {
        return MakeError(ErrorCode::kIoError,
                         fmt::format("Kinesis ListShards on {}: Shards is not a list", name_));
      }
      for (const json& item : (*answer)["Shards"]) {
        if (!item.is_object() || !item.contains("ShardId") || !item["ShardId"].is_string()) {
          continue;
        }
        KinesisShard& shard = shards.emplace_back();
        shard.id = item["ShardId"].get<std::string>();
        shard.parent = item.value("ParentShardId", "");
        shard.adjacent_parent = item.value("AdjacentParentShardId", "");
        const json range = item.value("SequenceNumberRange", json::object());
        shard.closed = range.is_object() && range.contains("EndingSequenceNumber") &&
                       range["EndingSequenceNumber"].is_string();
      }
    } while (!token.empty());
    return shards;
  }

  Result<std::string> ShardIterator(const std::string& shard,
                                    const std::string& sequence_number) override {
    json request = {{"StreamName", name_}, {"ShardId", shard}};
    if (sequence_number.empty()) {
      request["ShardIteratorType"] = "TRIM_HORIZON";
    } else {
      request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
      request["StartingSequenceNumber"] = sequence_number;
    }
    auto answer = CallAwsJson(service_, "GetShardIterator", request, name_ + "/" + shard);
    TILL_RETURN_IF_ERROR(answer);
    if (!answer->contains("ShardIterator") || !(*answer)["ShardIterator"].is_string()) {
      return MakeError(
          ErrorCode::kIoError,
          fmt::format("Kinesis GetShardIterator on {}/{}: no ShardIterator", name_, shard));
    }
    return (*answer)["ShardIterator"].get<std::string>();
  }

  Result<KinesisBatch> Records(const std::string& iterator, int limit) override {
    AwsJsonFailure failure;
    auto answer =
        CallAwsJson(service_, "GetRecords", {{"ShardIterator", iterator}, {"Limit", limit}}, name_,
                    std::chrono::seconds(30), &failure);
    KinesisBatch batch;
    if (!answer) {
      if (failure.type == "ProvisionedThroughputExceededException" ||
          failure.type == "LimitExceededException") {
        batch.outcome = KinesisBatch::Outcome::kThrottled;
        return batch;
      }
      if (failure.type == "ExpiredIteratorException") {
        batch.outcome = KinesisBatch::Outcome::kExpired;
        return batch;
      }
      return Unexpected<Error>(answer.error());
    }
    if (answer->contains("NextShardIterator") && (*answer)["NextShardIterator"].is_string()) {
      batch.next_iterator = (*answer)["NextShardIterator"].get<std::string>();
    }
    if (answer->contains("MillisBehindLatest") &&
        (*answer)["MillisBehindLatest"].is_number_integer()) {
      batch.millis_behind_latest = (*answer)["MillisBehindLatest"].get<int64_t>();
    }
    if (!answer->contains("Records") || !(*answer)["Records"].is_array()) {
      return MakeError(ErrorCode::kIoError,
                       fmt::format("Kinesis GetRecords on {}: Records is not a list", name_));
    }
    for (const json& item : (*answer)["Records"]) {
      if (!item.is_object() || !item.contains("SequenceNumber") ||
          !item["SequenceNumber"].is_string() || !item.contains("Data") ||
          !item["Data"].is_string()) {
        return MakeError(ErrorCode::kIoError,
                         fmt::format("Kinesis GetRecords on {}: a record without SequenceNumber "
                                     "or Data",
                                     name_));
      }
      KinesisRecord& record = batch.records.emplace_back();
      record.sequence_number = item["SequenceNumber"].get<std::string>();
      record.partition_key = item.value("PartitionKey", "");
      auto data = DecodeBase64(item["Data"].get<std::string>());
      if (!data) {
        return MakeError(ErrorCode::kIoError,
                         fmt::format("Kinesis GetRecords on {}: record {} has Data that is not "
                                     "base64",
                                     name_, record.sequence_number));
      }
      record.data = std::move(*data);
      if (item.contains("ApproximateArrivalTimestamp") &&
          item["ApproximateArrivalTimestamp"].is_number()) {
        record.arrival = item["ApproximateArrivalTimestamp"].get<double>();
      }
    }
    return batch;
  }

 private:
  AwsJsonService service_;
  std::string name_;
};

}  // namespace

Result<std::string> KinesisStreamName(std::string_view uri) {
  std::string_view name = uri;
  if (name.starts_with("kinesis://")) name.remove_prefix(10);
  // arn:aws:kinesis:REGION:ACCOUNT:stream/NAME
  if (name.starts_with("arn:")) {
    size_t slash = name.find(":stream/");
    name = slash == std::string_view::npos ? std::string_view() : name.substr(slash + 8);
  }
  while (name.ends_with('/')) name.remove_suffix(1);
  bool valid = !name.empty() && name.size() <= 128;
  for (char c : name) {
    valid =
        valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  }
  if (!valid) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: not a Kinesis stream: give kinesis://NAME (letters, digits, "
                                 "_ - . up to 128)",
                                 uri));
  }
  return std::string(name);
}

Result<std::unique_ptr<KinesisStream>> OpenKinesisStream(std::string_view uri) {
  auto name = KinesisStreamName(uri);
  TILL_RETURN_IF_ERROR(name);
  auto settings = S3SettingsFromEnvironment();
  TILL_RETURN_IF_ERROR(settings);
  std::string region = settings->region;
  std::string endpoint =
      AwsServiceEndpoint(*settings, std::getenv("AWS_ENDPOINT_URL_KINESIS"),
                         fmt::format("https://kinesis.{}.amazonaws.com", region));
  AwsJsonService service{
      std::move(*settings), std::move(endpoint),          std::move(region), "kinesis",
      "Kinesis_20131202.",  "application/x-amz-json-1.1", "Kinesis"};
  auto stream = std::make_unique<HttpKinesisStream>(std::move(service), *name);
  auto shards = stream->ListShards();
  TILL_RETURN_IF_ERROR(shards);
  Log(LogLevel::kInfo, "reading a Kinesis stream", {{"stream", *name}, {"shards", shards->size()}});
  return std::unique_ptr<KinesisStream>(std::move(stream));
}

// Written here because the libraries Till uses keep theirs internal (Boost.Beast's is in
// beast::detail); Kinesis sends record data as standard base64 with padding.
std::optional<std::string> DecodeBase64(std::string_view text) {
  static constexpr std::array<int8_t, 256> kValues = [] {
    std::array<int8_t, 256> values{};
    values.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
      values[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return values;
  }();
  while (text.ends_with('=')) text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int8_t value = kValues[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

}  // namespace till
