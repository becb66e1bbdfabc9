// The bookkeeping a load and the landing-zone ledger write, once for both back ends: each
// statement's text, with its parameters written $1, $2 … (which SQLite and PostgreSQL both
// bind), and its values as text. A back end only runs them (LoadTransport::Write,
// Warehouse::RecordLandingEntry and ForgetLandingKey).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "record/run_record.h"
#include "warehouse/warehouse.h"

namespace till {

struct BookkeepingWrite {
  std::string_view sql;
  std::vector<std::optional<std::string>> values;  // nullopt binds NULL
};

// Marks file `file_id` loaded with the final counts of `outcome`.
BookkeepingWrite FinishFileWrite(int64_t file_id, const FileOutcome& outcome);

// Records what key `entry.key` of zone `entry.zone` holds, replacing what it held, seen at `now`
// (a timestamp as FormatTimestamp writes it).
BookkeepingWrite LandingEntryWrite(const LandingEntry& entry, std::string_view now);

// Records the answer to stream request `request`, whose rows file `file_id` loads, received at
// `now`; a key recorded already keeps its first answer.
BookkeepingWrite StreamRequestWrite(const StreamRequest& request, int64_t file_id,
                                    std::string_view now);

// Forgets key `key` of zone `zone`.
BookkeepingWrite ForgetLandingKeyWrite(std::string_view zone, std::string_view key);

}  // namespace till
