#include "landing/zone_events.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "landing/aws_json.h"
#include "landing/landing_zone.h"

namespace till {
namespace {

using nlohmann::json;

// S3 writes a notification's object key form-encoded: '+' for a space, %XX for other bytes.
std::optional<std::string> FormDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        return std::nullopt;
      }
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// "2024-02-01T10:00:00.250Z" as S3 writes event times (some stores leave the "Z" out; the time
// is UTC either way), in seconds since the Unix epoch.
std::optional<double> ParseEventTime(std::string_view text) {
  std::tm tm{};
  int consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  double seconds = static_cast<double>(::timegm(&tm));
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  if (rest.starts_with('.')) {
    size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    seconds += std::strtod(std::string("0").append(rest.substr(0, digits)).c_str(), nullptr);
    rest.remove_prefix(digits);
  }
  if (!rest.empty() && rest != "Z" && rest != "+00:00") return std::nullopt;
  return seconds;
}

// What an S3 record is to the zone.
ZoneEvent RecordEvent(const json& record, const S3Location& zone, std::string* malformed) {
  ZoneEvent event;
  const json* s3 = record.contains("s3") ? &record["s3"] : nullptr;
  if (!record.is_object() || !s3 || !s3->is_object() || !s3->contains("object") ||
      !(*s3)["object"].is_object() || !(*s3)["object"].contains("key") ||
      !(*s3)["object"]["key"].is_string() || !record.contains("eventName") ||
      !record["eventName"].is_string()) {
    *malformed = "a record without eventName or s3.object.key";
    return event;
  }
  std::string name = record["eventName"].get<std::string>();
  auto key = FormDecode((*s3)["object"]["key"].get<std::string>());
  if (!key) {
    *malformed = "an object key that is not URL-encoded";
    return event;
  }
  std::string bucket;
  if (s3->contains("bucket") && (*s3)["bucket"].is_object() && (*s3)["bucket"].contains("name") &&
      (*s3)["bucket"]["name"].is_string()) {
    bucket = (*s3)["bucket"]["name"].get<std::string>();
  }
  if (record.contains("eventTime") && record["eventTime"].is_string()) {
    event.time = ParseEventTime(record["eventTime"].get<std::string>());
  }
  if (name.starts_with("s3:")) name.erase(0, 3);
  if (bucket != zone.bucket) {
    event.reason = "other bucket";
  } else if (!key->starts_with(zone.key)) {
    event.reason = "outside the prefix";
  } else {
    std::string within = key->substr(zone.key.size());
    std::string base = within.substr(within.find_last_of('/') + 1);
    if (base.empty() || base[0] == '.' || !HasRawExtension(within)) {
      event.reason = "not a raw file";
    } else if (name.starts_with("ObjectCreated:")) {
      event.kind = ZoneEventKind::kCreated;
      event.key = within;
    } else if (name.starts_with("ObjectRemoved:") || name.starts_with("LifecycleExpiration:")) {
      event.kind = ZoneEventKind::kRemoved;
      event.key = within;
    } else {
      event.reason = "unknown event";
    }
  }
  return event;
}

}  // namespace

Result<std::vector<ZoneEvent>> ParseS3Notification(std::string_view body, const S3Location& zone) {
  auto bad = [](std::string_view why) {
    return MakeError(ErrorCode::kBadFormat, fmt::format("not an S3 notification: {}", why));
  };
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return bad("the body is not JSON");
  if (!document.is_object()) return bad("the body is not a JSON object");
  // Delivered through SNS: the notification is the string in "Message".
  // (Compared as JSON: value("Type", "") would throw on a "Type" that is not a string.)
  if (document.contains("Type") && document["Type"] == "Notification" &&
      document.contains("Message") && document["Message"].is_string()) {
    document = json::parse(document["Message"].get<std::string>(), nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
      return bad("the SNS message is not a JSON object");
    }
  }
  std::vector<ZoneEvent> events;
  if (document.contains("Event") && document["Event"] == "s3:TestEvent") {
    ZoneEvent& test = events.emplace_back();
    test.reason = "test event";
    return events;
  }
  if (!document.contains("Records") || !document["Records"].is_array()) {
    return bad("no Records");
  }
  if (document["Records"].empty()) return bad("Records is empty");
  for (const json& record : document["Records"]) {
    std::string malformed;
    ZoneEvent event = RecordEvent(record, zone, &malformed);
    if (!malformed.empty()) return bad(malformed);
    events.push_back(std::move(event));
  }
  return events;
}

Result<std::string> SqsQueueUrl(std::string_view queue) {
  std::string url(queue);
  if (url.starts_with("sqs://")) {
    url.erase(0, 6);
    if (!url.starts_with("https://") && !url.starts_with("http://")) url = "https://" + url;
  }
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: not a queue: give its URL (https://sqs.REGION.amazonaws.com/"
                                 "ACCOUNT/NAME) or sqs://HOST/ACCOUNT/NAME",
                                 queue));
  }
  size_t host = url.find("://") + 3;
  size_t path = url.find('/', host);
  if (path == std::string::npos || path + 1 >= url.size() || path == host) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: the queue URL has no /ACCOUNT/NAME path", queue));
  }
  return url;
}

Result<std::vector<EventMessage>> ReadReceivedMessages(const json& answer, const S3Location& zone,
                                                       std::string_view queue) {
  std::vector<EventMessage> messages;
  auto list = answer.is_object() ? answer.find("Messages") : answer.end();
  if (list == answer.end()) return messages;
  if (!list->is_array()) {
    return MakeError(ErrorCode::kIoError, fmt::format("SQS: {}: Messages is not a list", queue));
  }
  for (const json& item : *list) {
    EventMessage message;
    message.receipt = AwsString(item, "ReceiptHandle");
    if (message.receipt.empty()) continue;  // nothing to delete it by; the queue hands it out again
    message.id = AwsString(item, "MessageId");
    if (auto attributes = item.find("Attributes"); attributes != item.end()) {
      // A count that is not a whole number of at least one (another store, a proxy) is unknown.
      const std::string count = AwsString(*attributes, "ApproximateReceiveCount");
      int parsed = 0;
      const auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), parsed);
      if (error == std::errc() && end == count.data() + count.size() && parsed > 0) {
        message.receive_count = parsed;
      }
    }
    auto events = ParseS3Notification(AwsString(item, "Body"), zone);
    if (events) {
      message.events = std::move(*events);
    } else {
      message.malformed = events.error().message();
    }
    messages.push_back(std::move(message));
  }
  return messages;
}

namespace {

class SqsEvents final : public ZoneEvents {
 public:
  SqsEvents(S3Settings settings, std::string url, std::string endpoint, std::string region,
            S3Location zone)
      : service_{std::move(settings),
                 std::move(endpoint),
                 std::move(region),
                 "sqs",
                 "AmazonSQS.",
                 "application/x-amz-json-1.0",
                 "SQS"},
        url_(std::move(url)),
        zone_(std::move(zone)) {}

  const std::string& name() const override { return url_; }

  Status Check() {
    auto state = Inspect();
    TILL_RETURN_IF_ERROR(state);
    Log(LogLevel::kInfo, "reading events",
        {{"queue", url_}, {"visibility_timeout_s", std::to_string(state->visibility_timeout_s)}});
    return {};
  }

  Result<QueueState> Inspect() const {
    auto answer = Call("GetQueueAttributes", {{"QueueUrl", url_},
                                              {"AttributeNames",
                                               {"VisibilityTimeout", "ApproximateNumberOfMessages",
                                                "ApproximateNumberOfMessagesNotVisible"}}});
    TILL_RETURN_IF_ERROR(answer);
    // SQS gives every attribute as a string of digits.
    json attributes = answer->value("Attributes", json::object());
    auto number = [&](const char* name) -> int64_t {
      if (!attributes.is_object() || !attributes.contains(name) || !attributes[name].is_string()) {
        return 0;
      }
      return std::atoll(attributes[name].get<std::string>().c_str());
    };
    QueueState state;
    state.url = url_;
    state.messages_waiting = number("ApproximateNumberOfMessages");
    state.messages_in_flight = number("ApproximateNumberOfMessagesNotVisible");
    state.visibility_timeout_s = number("VisibilityTimeout");
    return state;
  }

  Result<std::vector<EventMessage>> Receive(std::chrono::seconds wait) override {
    auto answer = Call("ReceiveMessage",
                       {{"QueueUrl", url_},
                        {"MaxNumberOfMessages", 10},
                        {"WaitTimeSeconds", std::clamp<int64_t>(wait.count(), 0, 20)},
                        {"MessageSystemAttributeNames", {"ApproximateReceiveCount"}},
                        {"AttributeNames", {"ApproximateReceiveCount"}}},
                       wait + std::chrono::seconds(15));
    TILL_RETURN_IF_ERROR(answer);
    return ReadReceivedMessages(*answer, zone_, url_);
  }

  Status Done(const EventMessage& message) override {
    auto answer = Call("DeleteMessage", {{"QueueUrl", url_}, {"ReceiptHandle", message.receipt}});
    TILL_RETURN_IF_ERROR(answer);
    return {};
  }

 private:
  Result<json> Call(const std::string& action, const json& request,
                    std::chrono::seconds timeout = std::chrono::seconds(30)) const {
    return CallAwsJson(service_, action, request, url_, timeout);
  }

  AwsJsonService service_;
  std::string url_;
  S3Location zone_;
};

// The region of an AWS queue host: sqs.REGION.amazonaws.com[.cn] or REGION.queue.amazonaws.com.
std::string RegionOfHost(std::string_view host) {
  if (host.starts_with("sqs.")) {
    host.remove_prefix(4);
    size_t dot = host.find('.');
    if (dot != std::string_view::npos && host.substr(dot).starts_with(".amazonaws.com")) {
      return std::string(host.substr(0, dot));
    }
  }
  size_t queue = host.find(".queue.amazonaws.com");
  if (queue != std::string_view::npos && queue > 0) return std::string(host.substr(0, queue));
  return "";
}

// The queue `queue` names, spoken to as its watcher would, for events of `zone`.
Result<std::unique_ptr<SqsEvents>> MakeSqsEvents(const std::string& queue, S3Location zone) {
  auto url = SqsQueueUrl(queue);
  TILL_RETURN_IF_ERROR(url);
  auto settings = S3SettingsFromEnvironment();
  TILL_RETURN_IF_ERROR(settings);
  size_t host_start = url->find("://") + 3;
  size_t path = url->find('/', host_start);
  std::string host = url->substr(host_start, path - host_start);
  std::string region = RegionOfHost(host);
  if (region.empty()) region = settings->region;
  std::string endpoint =
      AwsServiceEndpoint(*settings, std::getenv("AWS_ENDPOINT_URL_SQS"), url->substr(0, path));
  return std::make_unique<SqsEvents>(std::move(*settings), *url, endpoint, region, std::move(zone));
}

}  // namespace

Result<std::unique_ptr<ZoneEvents>> OpenSqsEvents(const std::string& queue,
                                                  const std::string& zone_uri) {
  auto zone = ParseS3Location(zone_uri);
  TILL_RETURN_IF_ERROR(zone);
  if (!zone->key.empty() && !zone->key.ends_with('/')) zone->key += '/';
  auto events = MakeSqsEvents(queue, std::move(*zone));
  TILL_RETURN_IF_ERROR(events);
  TILL_RETURN_IF_ERROR((*events)->Check());
  return std::unique_ptr<ZoneEvents>(std::move(*events));
}

Result<QueueState> InspectSqsQueue(const std::string& queue) {
  auto events = MakeSqsEvents(queue, S3Location{});
  TILL_RETURN_IF_ERROR(events);
  return (*events)->Inspect();
}

}  // namespace till
