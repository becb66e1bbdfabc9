#include "stream/kinesis_consumer.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/sha256.h"
#include "pipeline/file_loader.h"
#include "stream/body.h"

namespace till {
namespace {

using Steady = std::chrono::steady_clock;

// A reject keeps the record's text up to this much (a record may be 10 MiB).
constexpr size_t kRawBytes = 64 * 1024;

struct HeldShard {
  std::string id;
  std::string checkpoint;  // the last sequence number committed; empty: none yet
  std::string iterator;    // empty: take one from the checkpoint
  bool finished = false;   // closed and read to its end
  bool caught_up = false;  // the last read brought nothing and nothing newer is in the shard
  Steady::time_point throttled_until{};
};

int64_t LinesOf(std::string_view data) {
  int64_t lines = std::count(data.begin(), data.end(), '\n');
  if (data.empty() || data.back() != '\n') ++lines;
  return lines;
}

class Consumer {
 public:
  Consumer(KinesisStream& stream, Warehouse& warehouse, const KinesisConsumerOptions& options)
      : stream_(stream),
        warehouse_(warehouse),
        options_(options),
        zone_("kinesis://" + stream.name()) {}

  Status Run() {
    TILL_RETURN_IF_ERROR(warehouse_.LockWatcher(zone_));
    auto run = warehouse_.StartRun("kinesis");
    TILL_RETURN_IF_ERROR(run);
    run_id_ = *run;
    Status status = Loop();
    (void)warehouse_.FinishRun(run_id_, static_cast<bool>(status),
                               status ? "" : status.error().message());
    return status;
  }

 private:
  Status Loop() {
    Steady::time_point next_refresh{};
    for (;;) {
      if (options_.stop && options_.stop()) return {};
      if (Steady::now() >= next_refresh) {
        TILL_RETURN_IF_ERROR(ClaimShards());
        next_refresh = Steady::now() + options_.shard_refresh;
      }
      bool brought = false;
      for (auto& [id, shard] : held_) {
        if (options_.stop && options_.stop()) return {};
        if (shard.finished || Steady::now() < shard.throttled_until) continue;
        auto read = ReadShard(shard);
        TILL_RETURN_IF_ERROR(read);
        brought = brought || *read;
      }
      if (options_.until_caught_up && !held_.empty() &&
          std::all_of(held_.begin(), held_.end(),
                      [](const auto& s) { return s.second.finished || s.second.caught_up; })) {
        return {};
      }
      if (!brought) std::this_thread::sleep_for(options_.idle_wait);
    }
  }

  // Claims the shards of the stream no other consumer holds, each with its checkpoint.
  Status ClaimShards() {
    auto shards = stream_.ListShards();
    TILL_RETURN_IF_ERROR(shards);
    std::map<std::string, std::string> checkpoints;
    bool read_checkpoints = false;
    for (const KinesisShard& shard : *shards) {
      if (held_.count(shard.id)) continue;
      auto claimed = warehouse_.ClaimLandingKey(zone_, shard.id);
      TILL_RETURN_IF_ERROR(claimed);
      if (!*claimed) continue;
      if (!read_checkpoints) {
        // Read after the claims: a shard another consumer left has its last commit in here.
        auto entries = warehouse_.LandingEntries(zone_);
        TILL_RETURN_IF_ERROR(entries);
        for (const LandingEntry& entry : *entries) checkpoints[entry.key] = entry.version;
        read_checkpoints = true;
      }
      HeldShard& held = held_[shard.id];
      held.id = shard.id;
      held.checkpoint = checkpoints.count(shard.id) ? checkpoints[shard.id] : "";
      Log(LogLevel::kInfo, "kinesis: reading a shard",
          {{"stream", stream_.name()},
           {"shard", shard.id},
           {"after", held.checkpoint.empty() ? "TRIM_HORIZON" : held.checkpoint}});
      if (options_.on_shard_claimed) options_.on_shard_claimed(shard.id);
    }
    return {};
  }

  // Reads the shard once and loads what it brought. True when it brought records.
  Result<bool> ReadShard(HeldShard& shard) {
    if (shard.iterator.empty()) {
      auto iterator = stream_.ShardIterator(shard.id, shard.checkpoint);
      TILL_RETURN_IF_ERROR(iterator);
      shard.iterator = *iterator;
    }
    auto batch = stream_.Records(shard.iterator, options_.records_per_read);
    TILL_RETURN_IF_ERROR(batch);
    switch (batch->outcome) {
      case KinesisBatch::Outcome::kThrottled:
        shard.throttled_until = Steady::now() + std::chrono::seconds(1);
        return false;
      case KinesisBatch::Outcome::kExpired:
        shard.iterator.clear();
        return false;
      case KinesisBatch::Outcome::kRead:
        break;
    }
    if (batch->millis_behind_latest && options_.on_lag) {
      options_.on_lag(shard.id, *batch->millis_behind_latest);
    }
    if (!batch->records.empty()) {
      TILL_RETURN_IF_ERROR(Load(shard, batch->records));
      shard.checkpoint = batch->records.back().sequence_number;
    }
    shard.iterator = batch->next_iterator;
    shard.caught_up = batch->records.empty() && batch->millis_behind_latest.value_or(0) == 0;
    if (shard.iterator.empty()) {
      shard.finished = true;
      Log(LogLevel::kInfo, "kinesis: a closed shard is read to its end",
          {{"stream", stream_.name()}, {"shard", shard.id}});
    }
    return !batch->records.empty();
  }

  // Loads the records of one read in one transaction, with the shard's new checkpoint.
  Status Load(const HeldShard& shard, const std::vector<KinesisRecord>& records) {
    auto started = Steady::now();
    const std::string& first = records.front().sequence_number;
    const std::string& last = records.back().sequence_number;
    FileOutcome outcome;
    outcome.uri = fmt::format("kinesis:{}/{}:{}-{}", stream_.name(), shard.id, first, last);
    Sha256 content;
    content.Update(outcome.uri);
    outcome.sha256 = content.HexDigest();
    for (const KinesisRecord& record : records) {
      outcome.size_bytes += static_cast<int64_t>(record.data.size());
    }
    outcome.started_at = FormatTimestamp(Clock::Real().Now());

    // The NDJSON records that read, laid end to end with a blank line for each line of the
    // other records, so that a row's line is its line in the batch; CSV records load one by
    // one (each has its header); records that do not read are rejects.
    std::string ndjson;
    std::vector<std::pair<int64_t, const KinesisRecord*>> csv;  // (first line, record)
    std::vector<RejectRecord> unreadable;
    int64_t line = 1;
    for (const KinesisRecord& record : records) {
      int64_t lines = LinesOf(record.data);
      size_t start = record.data.find_first_not_of(" \t\r\n");
      BodyFormat format = start != std::string::npos && record.data[start] == '{'
                              ? BodyFormat::kNdjson
                              : BodyFormat::kCsv;
      BodyError error;
      auto body = ReadRequestBody(record.data, format, &error);
      if (body && format == BodyFormat::kNdjson) {
        ndjson += record.data;
        if (record.data.empty() || record.data.back() != '\n') ndjson += '\n';
      } else {
        if (body) csv.emplace_back(line, &record);
        ndjson.append(static_cast<size_t>(lines), '\n');
      }
      if (!body) {
        unreadable.push_back(
            RejectRecord{line + std::max<int64_t>(error.line, 1) - 1, error.column, error.reason,
                         fmt::format("record {} of shard {}: {}", record.sequence_number, shard.id,
                                     error.message),
                         record.data.substr(0, kRawBytes), true});
      }
      line += lines;
    }

    auto load = warehouse_.BeginBatchLoad(run_id_, outcome);
    TILL_RETURN_IF_ERROR(load);
    IngestOptions ingest;
    ingest.trigger = "kinesis";
    std::unique_ptr<FileLoader> loader = MakeFileLoader(ingest, FileReaderOptions(','), &outcome);
    if (ndjson.find_first_not_of('\n') != std::string::npos) {
      BodyError error;
      auto body = ReadRequestBody(std::move(ndjson), BodyFormat::kNdjson, &error);
      if (!body) {
        // Every record read alone; together they can only fail through a bug.
        return MakeError(ErrorCode::kInternal,
                         fmt::format("{}: the batch's records do not read together: {}",
                                     outcome.uri, error.message));
      }
      auto rows = body->Records();
      RowCleaner cleaner(body->header(), body->decimal_mark());
      TILL_RETURN_IF_ERROR(loader->Run(*rows, cleaner, **load, body->size_bytes(), 0));
    }
    for (const auto& [first_line, record] : csv) {
      BodyError error;
      auto body = ReadRequestBody(record->data, BodyFormat::kCsv, &error);
      if (!body) return MakeError(ErrorCode::kInternal, error.message);
      auto rows = body->Records();
      RowCleaner cleaner(body->header(), body->decimal_mark());
      TILL_RETURN_IF_ERROR(loader->Run(*rows, cleaner, **load, body->size_bytes(), first_line - 1));
    }
    if (!unreadable.empty()) {
      TILL_RETURN_IF_ERROR((*load)->AddRejects(unreadable));
      outcome.rows_read += static_cast<int64_t>(unreadable.size());
      outcome.rows_rejected += static_cast<int64_t>(unreadable.size());
    }
    TILL_RETURN_IF_ERROR(loader->Finish(**load));
    TILL_RETURN_IF_ERROR((*load)->SetLandingEntry(LandingEntry{
        zone_, shard.id, last, outcome.size_bytes, outcome.sha256, (*load)->file_id(), true, ""}));
    outcome.status = FileStatus::kLoaded;
    outcome.finished_at = FormatTimestamp(Clock::Real().Now());
    TILL_RETURN_IF_ERROR((*load)->Commit(outcome));
    if (options_.on_batch) {
      options_.on_batch(KinesisBatchReport{
          shard.id, outcome.uri, (*load)->file_id(), static_cast<int64_t>(records.size()),
          outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected, outcome.rows_duplicate,
          std::chrono::duration<double>(Steady::now() - started).count()});
    }
    return {};
  }

  KinesisStream& stream_;
  Warehouse& warehouse_;
  const KinesisConsumerOptions& options_;
  std::string zone_;
  int64_t run_id_ = 0;
  std::map<std::string, HeldShard> held_;
};

}  // namespace

Status ConsumeKinesis(KinesisStream& stream, Warehouse& warehouse,
                      const KinesisConsumerOptions& options) {
  return Consumer(stream, warehouse, options).Run();
}

}  // namespace till
