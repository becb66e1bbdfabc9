// Fuzzes the readers of what AWS services answer Till (any bytes: an endpoint may be another
// S3-compatible store, a proxy, or broken): SQS ReceiveMessage, Kinesis ListShards and
// GetRecords, and the role credentials an ECS task or EC2 instance endpoint gives. Checks what
// they promise:
// - no exception, whatever the types of the fields (a field of another type reads as missing);
// - an SQS message given back always has a receipt to delete it by, and no more messages than
//   the answer holds;
// - a shard always has an id; a record always has its sequence number, and a batch read has
//   every record of the answer or fails (a record is never skipped past);
// - credentials read have all three keys.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "landing/aws_credentials.h"
#include "landing/kinesis.h"
#include "landing/zone_events.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail = "") {
  std::fprintf(stderr, "aws_answers_fuzz: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// How many items the array `name` of `answer` holds, or 0.
size_t Items(const nlohmann::json& answer, const char* name) {
  if (!answer.is_object()) return 0;
  auto it = answer.find(name);
  return it != answer.end() && it->is_array() ? it->size() : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);

  auto credentials = till::ParseRoleCredentials(body, "role");
  if (credentials && (credentials->access_key.empty() || credentials->secret_key.empty() ||
                      credentials->session_token.empty())) {
    Fail("credentials without a key");
  }

  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) return 0;

  auto messages = till::ReadReceivedMessages(answer, till::S3Location{"landing", "raw_data/"}, "q");
  if (messages) {
    if (messages->size() > Items(answer, "Messages")) Fail("more messages than the answer holds");
    for (const till::EventMessage& message : *messages) {
      if (message.receipt.empty()) Fail("a message without a receipt");
      if (message.receive_count < 0) Fail("a negative receive count");
    }
  }

  std::string token = "sent";
  auto shards = till::ReadListedShards(answer, "s", &token);
  if (shards) {
    if (shards->size() > Items(answer, "Shards")) Fail("more shards than the answer holds");
    for (const till::KinesisShard& shard : *shards) {
      if (shard.id.empty()) Fail("a shard without an id");
    }
    if (token == "sent") Fail("the same NextToken taken again");
  }

  auto batch = till::ReadRecordsAnswer(answer, "s");
  if (batch) {
    if (batch->records.size() != Items(answer, "Records")) Fail("a record skipped past");
    for (const till::KinesisRecord& record : batch->records) {
      if (record.sequence_number.empty()) Fail("a record without a sequence number");
    }
  }
  return 0;
}
