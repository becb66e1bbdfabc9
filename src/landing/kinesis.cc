#include "landing/kinesis.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <iterator>

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
      auto listed = ReadListedShards(*answer, name_, &token);
      TILL_RETURN_IF_ERROR(listed);
      shards.insert(shards.end(), std::make_move_iterator(listed->begin()),
                    std::make_move_iterator(listed->end()));
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
    if (!answer) {
      KinesisBatch batch;
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
    return ReadRecordsAnswer(*answer, name_);
  }

 private:
  AwsJsonService service_;
  std::string name_;
};

}  // namespace

Result<std::vector<KinesisShard>> ReadListedShards(const json& answer, std::string_view stream,
                                                   std::string* next_token) {
  const std::string token = AwsString(answer, "NextToken");
  if (!token.empty() && token == *next_token) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("Kinesis ListShards on {}: the same NextToken again", stream));
  }
  *next_token = token;
  auto list = answer.is_object() ? answer.find("Shards") : answer.end();
  if (list == answer.end() || !list->is_array()) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("Kinesis ListShards on {}: Shards is not a list", stream));
  }
  std::vector<KinesisShard> shards;
  for (const json& item : *list) {
    KinesisShard shard;
    shard.id = AwsString(item, "ShardId");
    if (shard.id.empty()) continue;
    shard.parent = AwsString(item, "ParentShardId");
    shard.adjacent_parent = AwsString(item, "AdjacentParentShardId");
    auto range = item.find("SequenceNumberRange");
    shard.closed = range != item.end() && !AwsString(*range, "EndingSequenceNumber").empty();
    shards.push_back(std::move(shard));
  }
  return shards;
}

Result<KinesisBatch> ReadRecordsAnswer(const json& answer, std::string_view stream) {
  KinesisBatch batch;
  batch.next_iterator = AwsString(answer, "NextShardIterator");
  auto list = answer.is_object() ? answer.find("Records") : answer.end();
  if (list == answer.end() || !list->is_array()) {
    return MakeError(ErrorCode::kIoError,
                     fmt::format("Kinesis GetRecords on {}: Records is not a list", stream));
  }
  if (auto behind = answer.find("MillisBehindLatest");
      behind != answer.end() && behind->is_number_integer()) {
    batch.millis_behind_latest = behind->get<int64_t>();
  }
  for (const json& item : *list) {
    KinesisRecord record;
    record.sequence_number = AwsString(item, "SequenceNumber");
    auto data = item.is_object() ? item.find("Data") : item.end();
    if (record.sequence_number.empty() || data == item.end() || !data->is_string()) {
      return MakeError(ErrorCode::kIoError,
                       fmt::format("Kinesis GetRecords on {}: a record without SequenceNumber "
                                   "or Data",
                                   stream));
    }
    auto decoded = DecodeBase64(data->get_ref<const std::string&>());
    if (!decoded) {
      return MakeError(ErrorCode::kIoError,
                       fmt::format("Kinesis GetRecords on {}: record {} has Data that is not "
                                   "base64",
                                   stream, record.sequence_number));
    }
    record.data = std::move(*decoded);
    record.partition_key = AwsString(item, "PartitionKey");
    if (auto arrival = item.find("ApproximateArrivalTimestamp");
        arrival != item.end() && arrival->is_number()) {
      record.arrival = arrival->get<double>();
    }
    batch.records.push_back(std::move(record));
  }
  return batch;
}

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
