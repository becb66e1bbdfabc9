#include "stream/writer.h"

#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "base/sha256.h"
#include "pipeline/file_loader.h"
#include "warehouse/reads.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using Steady = std::chrono::steady_clock;

double SecondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

WriterAnswer ErrorAnswer(unsigned status, std::string_view message) {
  return {status, nlohmann::json{{"error", message}}.dump()};
}

// The writer loads many times: it keeps a filter of the stored rows from one group to the next.
WarehouseOptions KeptOptions() {
  return WarehouseOptions{.stored_row_filter_keys = kKeptRowFilterKeys};
}

// Reads the filter of the stored rows before the first request waits on it; on failure the
// first group reads it.
void ReadStoredRows(Warehouse& warehouse) {
  if (Status read = warehouse.ReadStoredRows(); !read) {
    Log(LogLevel::kWarn, "stream: the stored rows were not read at the start",
        {{"error", read.error().message()}});
  }
}

struct Queued {
  Submission submission;
  Steady::time_point received;
};

// The load's source: the clients of the group, a few named.
std::string SourceOf(const std::vector<Queued*>& group) {
  std::set<std::string> peers;
  for (const Queued* queued : group) peers.insert(queued->submission.peer);
  std::string source = "stream:http:";
  int named = 0;
  for (const std::string& peer : peers) {
    if (named == 3) {
      source += fmt::format("+{}", peers.size() - 3);
      break;
    }
    source += fmt::format("{}{}", named++ ? "," : "", peer);
  }
  return source;
}

}  // namespace

struct StreamWriter::State {
  WriterOptions options;
  StreamMetrics& metrics;
  std::unique_ptr<Warehouse> warehouse;
  int64_t run_id = 0;
  int64_t groups = 0;

  std::mutex mutex;  // guards what follows
  std::condition_variable wake;
  std::deque<Queued> queue;
  int64_t queued_rows = 0;
  bool stopping = false;
  bool warehouse_down = false;
  std::thread thread;

  State(WriterOptions o, StreamMetrics& m) : options(std::move(o)), metrics(m) {}

  void Loop();
  void Write(std::vector<Queued>& group);
  Status Load(std::vector<Queued*>& loading, std::vector<WriterAnswer>* answers);
  bool Reconnect();
};

StreamWriter::StreamWriter(WriterOptions options, StreamMetrics& metrics)
    : state_(std::make_unique<State>(std::move(options), metrics)) {}

StreamWriter::~StreamWriter() { Stop(); }

Status StreamWriter::Start() {
  auto warehouse = OpenWarehouse(state_->options.warehouse, Access::kReadWrite, KeptOptions());
  TILL_RETURN_IF_ERROR(warehouse);
  TILL_RETURN_IF_ERROR((*warehouse)->Migrate());
  ReadStoredRows(**warehouse);
  state_->warehouse = std::move(*warehouse);
  state_->thread = std::thread([state = state_.get()] {
    pthread_setname_np(pthread_self(), "till-write");
    state->Loop();
  });
  return {};
}

StreamWriter::Admission StreamWriter::Submit(Submission& submission) {
  State& s = *state_;
  int64_t rows = submission.body->rows();
  {
    std::lock_guard lock(s.mutex);
    if (s.warehouse_down) return Admission::kWarehouseDown;
    // One request larger than the whole queue is still taken when the queue is empty.
    if (s.stopping || (s.queued_rows > 0 && s.queued_rows + rows > s.options.queue_rows)) {
      return Admission::kQueueFull;
    }
    s.queue.push_back(Queued{std::move(submission), Steady::now()});
    s.queued_rows += rows;
    s.metrics.SetQueue(static_cast<int64_t>(s.queue.size()), s.queued_rows);
  }
  s.metrics.OnReceived(rows);
  s.wake.notify_one();
  return Admission::kQueued;
}

void StreamWriter::Stop() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_one();
  if (s.thread.joinable()) s.thread.join();
  if (s.warehouse && s.run_id) (void)s.warehouse->FinishRun(s.run_id, true, "");
  s.run_id = 0;
}

void StreamWriter::State::Loop() {
  for (;;) {
    std::vector<Queued> group;
    {
      std::unique_lock lock(mutex);
      wake.wait(lock, [&] { return stopping || !queue.empty() || warehouse_down; });
      if (warehouse_down) {
        lock.unlock();
        if (!Reconnect()) std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      if (queue.empty()) return;  // stopping, and nothing left to write
      // The group closes `group_seconds` after its first request came, or at `group_rows`.
      auto deadline =
          queue.front().received + std::chrono::duration_cast<Steady::duration>(
                                       std::chrono::duration<double>(options.group_seconds));
      wake.wait_until(lock, deadline,
                      [&] { return stopping || queued_rows >= options.group_rows; });
      int64_t rows = 0;
      while (!queue.empty() && (group.empty() || rows < options.group_rows)) {
        rows += queue.front().submission.body->rows();
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      queued_rows -= rows;
      metrics.SetQueue(static_cast<int64_t>(queue.size()), queued_rows);
    }
    Write(group);
  }
}

bool StreamWriter::State::Reconnect() {
  auto reopened = OpenWarehouse(options.warehouse, Access::kReadWrite, KeptOptions());
  if (!reopened || !(*reopened)->Migrate()) return false;
  ReadStoredRows(**reopened);
  warehouse = std::move(*reopened);
  run_id = 0;
  std::lock_guard lock(mutex);
  warehouse_down = false;
  Log(LogLevel::kInfo, "stream: the warehouse is reachable again", {});
  return true;
}

// Answers the requests whose key is answered already, then loads the others in one load.
void StreamWriter::State::Write(std::vector<Queued>& group) {
  std::vector<WriterAnswer> answers(group.size());
  std::vector<bool> answered(group.size(), false);
  std::map<std::string, size_t> first_with_key;
  std::vector<std::pair<size_t, size_t>> followers;  // (request, the one with its key first)
  std::vector<std::string> keys;
  for (size_t i = 0; i < group.size(); ++i) {
    const std::string& key = group[i].submission.idempotency_key;
    if (key.empty()) continue;
    auto [it, added] = first_with_key.try_emplace(key, i);
    if (added) {
      keys.push_back(key);
    } else {
      followers.emplace_back(i, it->second);
      answered[i] = true;
    }
  }
  Status status;
  if (!keys.empty()) {
    auto stored = ReadStreamAnswers(*warehouse, keys);
    status = stored ? Status{} : Status(Unexpected<Error>(stored.error()));
    if (stored) {
      for (const auto& [key, request] : *stored) {
        size_t i = first_with_key.at(key);
        answered[i] = true;
        answers[i] = request.body_sha256 == group[i].submission.body_sha256
                         ? WriterAnswer{200, request.answer}
                         : ErrorAnswer(422, "this Idempotency-Key was used with another body");
      }
    }
  }
  std::vector<Queued*> loading;
  std::vector<size_t> loading_index;
  for (size_t i = 0; i < group.size(); ++i) {
    if (!answered[i]) {
      loading.push_back(&group[i]);
      loading_index.push_back(i);
    }
  }
  if (status && !loading.empty()) {
    std::vector<WriterAnswer> loaded;
    try {
      status = Load(loading, &loaded);
    } catch (const std::exception& e) {
      status = MakeError(ErrorCode::kInternal, fmt::format("internal error: {}", e.what()));
    }
    if (status) {
      for (size_t j = 0; j < loading.size(); ++j) answers[loading_index[j]] = loaded[j];
    }
  }
  if (!status) {
    Log(LogLevel::kError, "stream: a group did not load",
        {{"requests", group.size()}, {"error", status.error().message()}});
    bool down = status.error().code() == ErrorCode::kWarehouseError;
    if (down) {
      std::lock_guard lock(mutex);
      warehouse_down = true;
    }
    for (size_t i = 0; i < group.size(); ++i) {
      // Answers read from the warehouse stand; the rest were not loaded.
      bool stands = answered[i] && answers[i].status != 0 && !answers[i].body.empty();
      if (!stands) {
        answers[i] = down ? ErrorAnswer(503,
                                        "the warehouse is unreachable; nothing of this "
                                        "request was loaded, send it again")
                          : ErrorAnswer(500,
                                        "internal error; nothing of this request was "
                                        "loaded");
      }
    }
  }
  for (auto [i, first] : followers) answers[i] = answers[first];
  for (size_t i = 0; i < group.size(); ++i) {
    metrics.OnAnswered(SecondsSince(group[i].received));
    if (group[i].submission.answer) group[i].submission.answer(std::move(answers[i]));
  }
}

// Loads `loading` in one load and fills `answers`, one each, once it is committed.
Status StreamWriter::State::Load(std::vector<Queued*>& loading,
                                 std::vector<WriterAnswer>* answers) {
  auto started = Steady::now();
  if (run_id == 0) {
    auto run = warehouse->StartRun("stream");
    TILL_RETURN_IF_ERROR(run);
    run_id = *run;
  }
  FileOutcome outcome;
  Sha256 content;
  // A group's content is new by construction: its process, its number and its bodies.
  content.Update(fmt::format("stream {} {} {}\n", getpid(), run_id, ++groups));
  for (Queued* queued : loading) {
    content.Update(queued->submission.body_sha256);
    outcome.size_bytes += queued->submission.body->size_bytes();
  }
  outcome.uri = SourceOf(loading);
  outcome.sha256 = content.HexDigest();
  outcome.started_at = FormatTimestamp(Clock::Real().Now());
  auto load = warehouse->BeginBatchLoad(run_id, outcome);
  TILL_RETURN_IF_ERROR(load);
  IngestOptions ingest;
  ingest.trigger = "stream";
  ingest.failed_reject_sample = std::numeric_limits<size_t>::max();  // every reject, answered
  std::unique_ptr<FileLoader> loader = MakeFileLoader(ingest, FileReaderOptions(','), &outcome);
  // The requests are the parts of one run of the loader: they share its batches, and so its
  // statements, rather than each making its own (on PostgreSQL a round trip each).
  std::vector<std::unique_ptr<RecordSource>> sources;
  std::vector<RowCleaner> cleaners;
  std::vector<FileLoader::Part> parts;
  sources.reserve(loading.size());
  cleaners.reserve(loading.size());
  int64_t line_offset = 0;
  for (Queued* queued : loading) {
    const RequestBody& body = *queued->submission.body;
    sources.push_back(body.Records());
    cleaners.emplace_back(body.header(), body.decimal_mark());
    parts.push_back(
        FileLoader::Part{sources.back().get(), &cleaners.back(), body.size_bytes(), line_offset});
    line_offset += body.last_line() + 1;
  }
  std::vector<FileLoader::PartCounts> counts;
  TILL_RETURN_IF_ERROR(loader->RunParts(parts, **load, &counts));
  std::vector<nlohmann::json> replies;
  const auto& sample = loader->reject_sample();
  for (size_t i = 0; i < parts.size(); ++i) {
    const FileLoader::PartCounts& count = counts[i];
    nlohmann::json rejects = nlohmann::json::array();
    for (size_t r = count.reject_begin; r < count.reject_end; ++r) {
      const RejectRecord& reject = sample[r];
      rejects.push_back({{"line", reject.line - parts[i].line_offset},
                         {"column", reject.column},
                         {"reason", reject.reason},
                         {"message", reject.message}});
    }
    replies.push_back({{"file_id", (*load)->file_id()},
                       {"rows", count.rows_read},
                       {"accepted", count.rows_loaded},
                       {"duplicate", count.rows_duplicate},
                       {"rejected", count.rows_rejected},
                       {"values_nulled", count.values_nulled},
                       {"rejects", std::move(rejects)}});
  }
  TILL_RETURN_IF_ERROR(loader->Finish(**load));
  answers->clear();
  for (size_t i = 0; i < loading.size(); ++i) {
    answers->push_back(WriterAnswer{200, replies[i].dump()});
    const Submission& submission = loading[i]->submission;
    if (!submission.idempotency_key.empty()) {
      TILL_RETURN_IF_ERROR((*load)->RecordStreamRequest(
          StreamRequest{submission.idempotency_key, submission.body_sha256, answers->back().body}));
    }
  }
  outcome.status = FileStatus::kLoaded;
  outcome.finished_at = FormatTimestamp(Clock::Real().Now());
  TILL_RETURN_IF_ERROR((*load)->Commit(outcome));
  metrics.OnGroup(outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected,
                  outcome.rows_duplicate, SecondsSince(started));
  return {};
}

}  // namespace till
