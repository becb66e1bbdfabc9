// The scheduled digest: a short summary of the latest sales for a chat channel, the way BI tools
// send subscriptions. Revenue and orders of the last days of the data against as many days
// before, the categories that moved most, the share of rows rejected and the data's freshness.
// Reads one Snapshot and nothing else.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>

#include "serve/snapshot.h"

namespace till {

// The digest of the `days` days ending on the data's last sale date (the data's own clock: raw
// files arrive after the fact), as a JSON object whose "text" field is the message for
// Slack-style webhooks, beside the figures it states. A comparison whose earlier period the data
// does not fully cover is stated as not available, never as a change.
nlohmann::ordered_json Digest(const Snapshot& snapshot, int days,
                              std::chrono::system_clock::time_point now);

}  // namespace till
