#include "warehouse/load/bookkeeping.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/text.h"

namespace till {
namespace {

std::optional<std::string> Nullable(std::string text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

BookkeepingWrite FinishFileWrite(int64_t file_id, const FileOutcome& outcome) {
  return {
      "UPDATE etl_file SET status = 'loaded', rows_read = $1, rows_loaded = $2, "
      "rows_rejected = $3, rows_duplicate = $4, values_nulled = $5, year_mismatches = $6, "
      "month_mismatches = $7, extra_columns = $8, missing_columns = $9, finished_at = $10 "
      "WHERE file_id = $11",
      {std::to_string(outcome.rows_read), std::to_string(outcome.rows_loaded),
       std::to_string(outcome.rows_rejected), std::to_string(outcome.rows_duplicate),
       std::to_string(outcome.values_nulled), std::to_string(outcome.year_mismatches),
       std::to_string(outcome.month_mismatches),
       // No columns is NULL.
       Nullable(fmt::format("{}", fmt::join(outcome.extra_columns, ","))),
       Nullable(fmt::format("{}", fmt::join(outcome.missing_columns, ","))),
       Nullable(outcome.finished_at), std::to_string(file_id)}};
}

BookkeepingWrite LandingEntryWrite(const LandingEntry& entry, std::string_view now) {
  return {
      "INSERT INTO landing_key (zone, key, version, size_bytes, sha256, file_id, status, error, "
      "seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "ON CONFLICT (zone, key) DO UPDATE SET version = excluded.version, "
      "size_bytes = excluded.size_bytes, sha256 = excluded.sha256, file_id = excluded.file_id, "
      "status = excluded.status, error = excluded.error, seen_at = excluded.seen_at",
      {entry.zone, entry.key, entry.version, std::to_string(entry.size_bytes),
       Nullable(entry.sha256),
       entry.file_id ? std::optional<std::string>(std::to_string(*entry.file_id)) : std::nullopt,
       std::string(entry.loaded ? "loaded" : "failed"),
       // An error may quote a key or a file's bytes that are not UTF-8; the ledger keeps text.
       Nullable(ReplaceInvalidUtf8(entry.error)), std::string(now)}};
}

BookkeepingWrite StreamRequestWrite(const StreamRequest& request, int64_t file_id,
                                    std::string_view now) {
  return {
      "INSERT INTO stream_request (idempotency_key, body_sha256, file_id, answer, received_at) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING",
      {request.idempotency_key, request.body_sha256, std::to_string(file_id), request.answer,
       std::string(now)}};
}

BookkeepingWrite ForgetLandingKeyWrite(std::string_view zone, std::string_view key) {
  return {"DELETE FROM landing_key WHERE zone = $1 AND key = $2",
          {std::string(zone), std::string(key)}};
}

}  // namespace till
