// Fuzzes the reader of the S3 event notifications that `till watch --events` takes from an SQS
// queue (any bytes: a queue holds whatever was sent to it). Checks what ParseS3Notification
// promises:
// - anything that is not a notification is kBadFormat with its reason, never an exception;
// - whether a body reads does not depend on the zone, and it gives one event per record (or
//   the one test event) whatever the zone;
// - an event of the zone names a raw file under the prefix, by its key within the zone, and
//   that key read back from a notification S3 would write for it (form-encoded) is the same
//   event; an ignored event has no key and one of the documented reasons;
// - an event time, when there is one, is a finite number.
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "landing/landing_zone.h"
#include "landing/zone_events.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "s3_notification_fuzz: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// The key as S3 writes it in a notification: unreserved bytes as they are, a space as '+', any
// other byte as %XX.
std::string FormEncode(std::string_view key) {
  std::string out;
  for (char c : key) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", byte);
      out += escaped;
    }
  }
  return out;
}

std::string OneRecord(const std::string& event, const std::string& bucket, const std::string& key) {
  nlohmann::json record = {{"eventName", event},
                           {"s3", {{"bucket", {{"name", bucket}}}, {"object", {{"key", key}}}}}};
  return nlohmann::json{{"Records", nlohmann::json::array({record})}}.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const till::S3Location zone{"landing", "raw_data/"};
  auto events = till::ParseS3Notification(body, zone);
  auto elsewhere = till::ParseS3Notification(body, till::S3Location{"", ""});
  if (static_cast<bool>(events) != static_cast<bool>(elsewhere)) {
    Fail("a body that reads for one zone and not for another");
  }
  if (!events) {
    if (events.error().code() != till::ErrorCode::kBadFormat) Fail("an error not kBadFormat");
    if (!events.error().message().starts_with("not an S3 notification: ")) {
      Fail("an error without its reason", events.error().message());
    }
    return 0;
  }
  if (events->empty() || events->size() != elsewhere->size()) {
    Fail("events that depend on the zone in number");
  }
  for (const till::ZoneEvent& event : *events) {
    if (event.time && !std::isfinite(*event.time)) Fail("a time that is not finite");
    if (event.kind == till::ZoneEventKind::kIgnored) {
      static const std::string_view kReasons[] = {
          "test event", "other bucket", "outside the prefix", "not a raw file", "unknown event"};
      bool known = false;
      for (auto reason : kReasons) known = known || reason == event.reason;
      if (!known) Fail("an unknown reason", event.reason);
      if (!event.key.empty()) Fail("an ignored event with a key", event.key);
      continue;
    }
    if (event.key.empty() || !till::HasRawExtension(event.key) || !event.reason.empty()) {
      Fail("an event of the zone that is not a raw file", event.key);
    }
    std::string base = event.key.substr(event.key.find_last_of('/') + 1);
    if (base.empty() || base[0] == '.') Fail("an event of a hidden file", event.key);
    const char* name =
        event.kind == till::ZoneEventKind::kCreated ? "ObjectCreated:Put" : "ObjectRemoved:Delete";
    std::string again = OneRecord(name, zone.bucket, FormEncode(zone.key + event.key));
    auto reread = till::ParseS3Notification(again, zone);
    if (!reread || reread->size() != 1 || (*reread)[0].kind != event.kind ||
        (*reread)[0].key != event.key) {
      Fail("an event key that does not read back", event.key);
    }
  }
  return 0;
}
