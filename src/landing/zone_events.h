// Event notifications of a landing zone: an S3 bucket tells an SQS queue of each object created
// or removed, and the watcher reads the queue instead of waiting for its next listing.
//
// Notifications are at-least-once, may come late, twice, out of order or not at all, so an
// event is only a hint of which key to look at: the watcher looks the key up in the zone and
// the ledger decides what loads. A message is deleted (Done) only once what it told of is in
// the warehouse, or when it tells of nothing the zone holds.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "landing/s3_zone.h"

namespace till {

enum class ZoneEventKind {
  kCreated,  // an object was written under the zone's prefix
  kRemoved,  // an object under the prefix was deleted
  kIgnored,  // of no concern to the zone (see `reason`)
};

struct ZoneEvent {
  ZoneEventKind kind = ZoneEventKind::kIgnored;
  std::string key;  // within the zone, as LandingObject::key; empty for kIgnored
  // When S3 says the event happened, in seconds since the Unix epoch, if it said.
  std::optional<double> time;
  // For kIgnored: "test event", "other bucket", "outside the prefix", "not a raw file",
  // "unknown event".
  std::string reason;
};

// One message of the queue: the events it carried, or why it could not be read.
struct EventMessage {
  std::string id;
  std::string receipt;    // what Done needs
  int receive_count = 0;  // how many times the queue handed it out, this time included
  std::vector<ZoneEvent> events;
  // Set when the body is not an S3 notification (not JSON, no Records, a record without its
  // key): such a message never becomes readable, so it is logged and deleted.
  std::string malformed;
};

// The events of one message body for the zone s3://`zone.bucket`/`zone.key` (the prefix, ending
// in '/' or empty). The body is an S3 event notification ({"Records": [...]}, keys
// URL-encoded), an S3 test event ({"Event": "s3:TestEvent"}), or either wrapped in an SNS
// notification ({"Type": "Notification", "Message": "..."}). Fails with kBadFormat and the
// reason for anything else.
Result<std::vector<ZoneEvent>> ParseS3Notification(std::string_view body, const S3Location& zone);

// The messages of an SQS ReceiveMessage answer, each with the events of its body for `zone`
// (a body that is not a notification makes a message with `malformed` set). A message without
// a ReceiptHandle is left out: it cannot be deleted, and the queue hands it out again. Fails
// with kIoError, naming `queue`, when Messages is there but not a list.
Result<std::vector<EventMessage>> ReadReceivedMessages(const nlohmann::json& answer,
                                                       const S3Location& zone,
                                                       std::string_view queue);

// Where events come from: the seam between the watcher and the queue.
class ZoneEvents {
 public:
  virtual ~ZoneEvents() = default;

  // The queue's name for logs: its URL.
  virtual const std::string& name() const = 0;
  // Up to ten messages, waiting up to `wait` (whole seconds, at most 20) for the first.
  virtual Result<std::vector<EventMessage>> Receive(std::chrono::seconds wait) = 0;
  // Deletes the message: what it told of is handled.
  virtual Status Done(const EventMessage& message) = 0;
};

// An SQS queue, spoken to with the JSON protocol, requests signed (SigV4) by libcurl with the
// credentials and region S3 uses (S3SettingsFromEnvironment). `queue` is the queue's URL as
// `aws sqs create-queue` prints it (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), or
// sqs://HOST/ACCOUNT/NAME for https://HOST/ACCOUNT/NAME. Requests go to AWS_ENDPOINT_URL_SQS,
// else AWS_ENDPOINT_URL, else the profile's endpoint_url, else the queue URL's host; the region
// is the one in an AWS queue host name, else S3's. Opening asks for the queue's attributes
// (sqs:GetQueueAttributes), so that a queue that is missing or not allowed fails at once.
Result<std::unique_ptr<ZoneEvents>> OpenSqsEvents(const std::string& queue,
                                                  const std::string& zone_uri);

// What the queue says of itself, for `till doctor`.
struct QueueState {
  std::string url;
  int64_t messages_waiting = 0;    // ApproximateNumberOfMessages
  int64_t messages_in_flight = 0;  // ApproximateNumberOfMessagesNotVisible: received, not deleted
  int64_t visibility_timeout_s = 0;
};

// Asks the queue `queue` names (as OpenSqsEvents) for its attributes (sqs:GetQueueAttributes),
// with the same endpoint, region and credentials a watcher would use, and nothing else: no
// message is received, so none is hidden from the watcher or counted towards a dead-letter
// queue's maxReceiveCount. Fails with kNotFound when the queue does not exist, kInvalidArgument
// when `queue` is not a queue URL, and kIoError with what SQS said otherwise.
Result<QueueState> InspectSqsQueue(const std::string& queue);

// The queue URL `queue` names (see OpenSqsEvents), or kInvalidArgument.
Result<std::string> SqsQueueUrl(std::string_view queue);

}  // namespace till
