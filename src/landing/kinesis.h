// An AWS Kinesis data stream read shard by shard: the seam between the consumer of
// `till watch kinesis://STREAM` and the service. Records are read from a position in a shard
// (after a sequence number, or from the oldest record kept) with GetShardIterator and
// GetRecords; a shard closed by a reshard ends, and its children are listed by ListShards.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace till {

struct KinesisShard {
  std::string id;
  std::string parent;           // empty for a shard the stream was created with
  std::string adjacent_parent;  // the other parent of a merged shard
  bool closed = false;          // a reshard ended it: it holds no records past its last
};

struct KinesisRecord {
  std::string sequence_number;
  std::string partition_key;
  std::string data;               // decoded from base64
  std::optional<double> arrival;  // ApproximateArrivalTimestamp, seconds since the epoch
};

struct KinesisBatch {
  enum class Outcome {
    kRead,
    kThrottled,  // the shard's read rate is exceeded: wait, then read the same iterator again
    kExpired,    // the iterator expired (five minutes unused): take a new one
  };
  Outcome outcome = Outcome::kRead;
  std::vector<KinesisRecord> records;
  // Where to read on; empty once a closed shard is read to its end.
  std::string next_iterator;
  // How far the last record given is behind the newest record of the shard.
  std::optional<int64_t> millis_behind_latest;
};

// Thread-compatible: one consumer thread calls it.
class KinesisStream {
 public:
  virtual ~KinesisStream() = default;

  virtual const std::string& name() const = 0;
  // Every shard of the stream, open and closed (still kept), following NextToken.
  virtual Result<std::vector<KinesisShard>> ListShards() = 0;
  // An iterator reading `shard` after `sequence_number`, or from its oldest record kept
  // (TRIM_HORIZON) when it is empty.
  virtual Result<std::string> ShardIterator(const std::string& shard,
                                            const std::string& sequence_number) = 0;
  // Up to `limit` records from `iterator`, or, without records, that the read was throttled or
  // the iterator expired (see KinesisBatch::Outcome). Fails for anything else.
  virtual Result<KinesisBatch> Records(const std::string& iterator, int limit) = 0;
};

// The stream "kinesis://NAME" (or NAME, or its ARN) names, spoken to with the JSON protocol
// (aws_json.h) at AWS_ENDPOINT_URL_KINESIS, else AWS_ENDPOINT_URL, else the profile's
// endpoint_url, else kinesis.REGION.amazonaws.com, with the credentials and region S3 uses.
// Opening lists its shards, so that a stream missing or not allowed fails at once.
Result<std::unique_ptr<KinesisStream>> OpenKinesisStream(std::string_view uri);

// What a ListShards answer says: its shards (an item without a ShardId is left out) and, in
// *next_token, the NextToken to ask for more with ("" when there are no more). `next_token`
// holds the token this answer was asked with: the same one again fails, rather than list for
// ever. Fails with kIoError when Shards is not a list.
Result<std::vector<KinesisShard>> ReadListedShards(const nlohmann::json& answer,
                                                   std::string_view stream,
                                                   std::string* next_token);

// What a GetRecords answer says. Fails with kIoError when Records is not a list or a record
// has no SequenceNumber or no base64 Data: such an answer is not skipped past, so that no
// record is lost.
Result<KinesisBatch> ReadRecordsAnswer(const nlohmann::json& answer, std::string_view stream);

// The stream name of a kinesis:// URI, or kInvalidArgument.
Result<std::string> KinesisStreamName(std::string_view uri);

// Decodes standard base64 (RFC 4648, padding optional); nullopt for anything else.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace till
