#include "monitor/metrics.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <map>
#include <stdexcept>

#include "base/clock.h"

namespace till {
namespace {

using prometheus::Histogram;

// Seconds, from a small file (tens of milliseconds) to a very large one (tens of minutes).
const Histogram::BucketBoundaries& DurationBuckets() {
  static const Histogram::BucketBoundaries buckets = {0.01, 0.05, 0.1, 0.25, 0.5, 1,   2.5, 5,
                                                      10,   30,   60,  120,  300, 900, 1800};
  return buckets;
}

}  // namespace

struct WatchMetrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::string zone;
  prometheus::Family<prometheus::Counter>* rows = nullptr;
  prometheus::Family<prometheus::Counter>* files = nullptr;
  prometheus::Family<prometheus::Histogram>* steps = nullptr;
  prometheus::Histogram* file_seconds = nullptr;
  prometheus::Histogram* run_seconds = nullptr;
  prometheus::Counter* runs_failed = nullptr;
  prometheus::Gauge* last_success = nullptr;
  prometheus::Gauge* backlog = nullptr;
  prometheus::Counter* retries = nullptr;
  prometheus::Family<prometheus::Counter>* event_messages = nullptr;
  prometheus::Histogram* event_lag = nullptr;
  prometheus::Counter* stream_records = nullptr;
  prometheus::Family<prometheus::Counter>* stream_rows = nullptr;
  prometheus::Histogram* stream_commit_seconds = nullptr;
  prometheus::Family<prometheus::Gauge>* shard_lag = nullptr;
  std::unique_ptr<prometheus::Exposer> exposer;
};

WatchMetrics::WatchMetrics(std::string zone, std::string version)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.zone = std::move(zone);
  auto& registry = *s.registry;
  s.rows = &prometheus::BuildCounter()
                .Name("till_rows_total")
                .Help("Raw rows of loaded files, by what became of them")
                .Register(registry);
  for (const char* outcome : {"loaded", "rejected", "duplicate"}) {
    s.rows->Add({{"outcome", outcome}});
  }
  s.files = &prometheus::BuildCounter()
                 .Name("till_files_total")
                 .Help("Files the watcher handled, by status")
                 .Register(registry);
  for (const char* status : {"loaded", "skipped", "failed"}) s.files->Add({{"status", status}});
  s.steps = &prometheus::BuildHistogram()
                 .Name("till_step_duration_seconds")
                 .Help("Time each pipeline step of a loaded file took")
                 .Register(registry);
  s.file_seconds = &prometheus::BuildHistogram()
                        .Name("till_file_duration_seconds")
                        .Help("Time from the start of a file's load to its commit")
                        .Register(registry)
                        .Add({}, DurationBuckets());
  auto& runs = prometheus::BuildHistogram()
                   .Name("till_run_duration_seconds")
                   .Help("Time a watcher run (one pass over the files that changed) took")
                   .Register(registry);
  s.run_seconds = &runs.Add({}, DurationBuckets());
  s.runs_failed = &prometheus::BuildCounter()
                       .Name("till_runs_failed_total")
                       .Help("Watcher runs in which a file failed")
                       .Register(registry)
                       .Add({});
  s.last_success = &prometheus::BuildGauge()
                        .Name("till_last_success_timestamp_seconds")
                        .Help("When a file of the landing zone last loaded, as a Unix time")
                        .Register(registry)
                        .Add({{"zone", s.zone}});
  s.backlog = &prometheus::BuildGauge()
                   .Name("till_watch_backlog_files")
                   .Help("Files of the landing zone waiting to be loaded at the last listing")
                   .Register(registry)
                   .Add({{"zone", s.zone}});
  s.retries = &prometheus::BuildCounter()
                   .Name("till_transient_retries_total")
                   .Help("Failures of the zone or the warehouse that will be tried again")
                   .Register(registry)
                   .Add({});
  s.event_messages = &prometheus::BuildCounter()
                          .Name("till_event_messages_total")
                          .Help("Event notifications received from the zone's queue, by outcome")
                          .Register(registry);
  for (const char* outcome : {"received", "ignored"}) s.event_messages->Add({{"outcome", outcome}});
  s.event_lag = &prometheus::BuildHistogram()
                     .Name("till_event_lag_seconds")
                     .Help("Time from an object's event to the commit of its load")
                     .Register(registry)
                     .Add({}, DurationBuckets());
  s.stream_records = &prometheus::BuildCounter()
                          .Name("till_stream_records_total")
                          .Help("Records read from the stream's shards and committed")
                          .Register(registry)
                          .Add({{"zone", s.zone}});
  s.stream_rows = &prometheus::BuildCounter()
                       .Name("till_stream_rows_total")
                       .Help("Rows of the stream's records, by what became of them")
                       .Register(registry);
  for (const char* outcome : {"received", "accepted", "rejected", "duplicate"}) {
    s.stream_rows->Add({{"outcome", outcome}});
  }
  s.stream_commit_seconds = &prometheus::BuildHistogram()
                                 .Name("till_stream_batch_duration_seconds")
                                 .Help("Time from a stream batch's read to its commit")
                                 .Register(registry)
                                 .Add({}, DurationBuckets());
  s.shard_lag = &prometheus::BuildGauge()
                     .Name("till_stream_shard_lag_milliseconds")
                     .Help(
                         "How far the consumer of a shard is behind its newest record "
                         "(MillisBehindLatest)")
                     .Register(registry);
  prometheus::BuildGauge()
      .Name("till_build_info")
      .Help("The Till version serving these metrics")
      .Register(registry)
      .Add({{"version", std::move(version)}})
      .Set(1);
}

WatchMetrics::~WatchMetrics() = default;

Status WatchMetrics::Serve(const std::string& address) {
  try {
    state_->exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("cannot serve metrics on {}: {}", address, e.what()));
  }
  state_->exposer->RegisterCollectable(state_->registry);
  return {};
}

void WatchMetrics::OnFile(const FileOutcome& file) {
  State& s = *state_;
  s.files->Add({{"status", std::string(FileStatusName(file.status))}}).Increment();
  if (file.status != FileStatus::kLoaded) {
    if (file.status == FileStatus::kFailed && file.transient) s.retries->Increment();
    return;
  }
  s.rows->Add({{"outcome", "loaded"}}).Increment(static_cast<double>(file.rows_loaded));
  s.rows->Add({{"outcome", "rejected"}}).Increment(static_cast<double>(file.rows_rejected));
  s.rows->Add({{"outcome", "duplicate"}}).Increment(static_cast<double>(file.rows_duplicate));
  for (const StepTiming& step : file.steps) {
    s.steps->Add({{"step", step.step}}, DurationBuckets()).Observe(step.seconds);
  }
  auto started = ParseTimestamp(file.started_at);
  auto finished = ParseTimestamp(file.finished_at);
  if (started && finished) s.file_seconds->Observe(*finished - *started);
  s.last_success->Set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void WatchMetrics::OnRun(double seconds, bool succeeded) {
  state_->run_seconds->Observe(seconds);
  if (!succeeded) state_->runs_failed->Increment();
}

void WatchMetrics::OnBacklog(int64_t files) { state_->backlog->Set(static_cast<double>(files)); }

void WatchMetrics::OnRetry() { state_->retries->Increment(); }

// Every message counts as received; the ignored ones count again as ignored.
void WatchMetrics::OnEventMessage(bool ignored) {
  state_->event_messages->Add({{"outcome", "received"}}).Increment();
  if (ignored) state_->event_messages->Add({{"outcome", "ignored"}}).Increment();
}

void WatchMetrics::OnEventLag(double seconds) { state_->event_lag->Observe(seconds); }

void WatchMetrics::OnStreamBatch(int64_t records, int64_t rows, int64_t accepted, int64_t rejected,
                                 int64_t duplicate, double commit_seconds) {
  State& s = *state_;
  s.stream_records->Increment(static_cast<double>(records));
  s.stream_rows->Add({{"outcome", "received"}}).Increment(static_cast<double>(rows));
  s.stream_rows->Add({{"outcome", "accepted"}}).Increment(static_cast<double>(accepted));
  s.stream_rows->Add({{"outcome", "rejected"}}).Increment(static_cast<double>(rejected));
  s.stream_rows->Add({{"outcome", "duplicate"}}).Increment(static_cast<double>(duplicate));
  s.stream_commit_seconds->Observe(commit_seconds);
  s.last_success->Set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void WatchMetrics::OnShardLag(const std::string& shard, int64_t millis) {
  state_->shard_lag->Add({{"zone", state_->zone}, {"shard", shard}})
      .Set(static_cast<double>(millis));
}

std::string WatchMetrics::Text() const {
  return prometheus::TextSerializer().Serialize(state_->registry->Collect());
}

}  // namespace till
