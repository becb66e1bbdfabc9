#include "stream/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace till {

struct StreamMetrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* rows = nullptr;
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Histogram* group_rows = nullptr;
  prometheus::Histogram* commit_seconds = nullptr;
  prometheus::Histogram* answer_seconds = nullptr;
  prometheus::Gauge* queue_requests = nullptr;
  prometheus::Gauge* queue_rows = nullptr;
};

StreamMetrics::StreamMetrics(std::string version) : state_(std::make_unique<State>()) {
  State& s = *state_;
  auto& registry = *s.registry;
  s.rows = &prometheus::BuildCounter()
                .Name("till_stream_rows_total")
                .Help("Rows posted to the stream, by what became of them")
                .Register(registry);
  for (const char* outcome : {"received", "accepted", "rejected", "duplicate"}) {
    s.rows->Add({{"outcome", outcome}});
  }
  s.requests = &prometheus::BuildCounter()
                    .Name("till_stream_requests_total")
                    .Help("Requests answered, by status code")
                    .Register(registry);
  const prometheus::Histogram::BucketBoundaries seconds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1,    2.5,   5,    10};
  s.group_rows = &prometheus::BuildHistogram()
                      .Name("till_stream_group_rows")
                      .Help("Rows of the requests grouped into one commit")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 100, 500, 1000, 5000,
                                                                       10000, 50000});
  s.commit_seconds = &prometheus::BuildHistogram()
                          .Name("till_stream_commit_duration_seconds")
                          .Help("Time from the start of a group's load to its commit")
                          .Register(registry)
                          .Add({}, seconds);
  s.answer_seconds = &prometheus::BuildHistogram()
                          .Name("till_stream_request_duration_seconds")
                          .Help("Time from a request's arrival to its committed answer")
                          .Register(registry)
                          .Add({}, seconds);
  s.queue_requests = &prometheus::BuildGauge()
                          .Name("till_stream_queue_requests")
                          .Help("Requests waiting to be written")
                          .Register(registry)
                          .Add({});
  s.queue_rows = &prometheus::BuildGauge()
                      .Name("till_stream_queue_rows")
                      .Help("Rows waiting to be written")
                      .Register(registry)
                      .Add({});
  prometheus::BuildGauge()
      .Name("till_build_info")
      .Help("The Till version serving these metrics")
      .Register(registry)
      .Add({{"version", std::move(version)}})
      .Set(1);
}

StreamMetrics::~StreamMetrics() = default;

void StreamMetrics::OnRequest(unsigned status) {
  state_->requests->Add({{"code", std::to_string(status)}}).Increment();
}

void StreamMetrics::OnReceived(int64_t rows) {
  state_->rows->Add({{"outcome", "received"}}).Increment(static_cast<double>(rows));
}

void StreamMetrics::OnGroup(int64_t rows, int64_t accepted, int64_t rejected, int64_t duplicate,
                            double commit_seconds) {
  State& s = *state_;
  s.rows->Add({{"outcome", "accepted"}}).Increment(static_cast<double>(accepted));
  s.rows->Add({{"outcome", "rejected"}}).Increment(static_cast<double>(rejected));
  s.rows->Add({{"outcome", "duplicate"}}).Increment(static_cast<double>(duplicate));
  s.group_rows->Observe(static_cast<double>(rows));
  s.commit_seconds->Observe(commit_seconds);
}

void StreamMetrics::OnAnswered(double seconds) { state_->answer_seconds->Observe(seconds); }

void StreamMetrics::SetQueue(int64_t requests, int64_t rows) {
  state_->queue_requests->Set(static_cast<double>(requests));
  state_->queue_rows->Set(static_cast<double>(rows));
}

std::string StreamMetrics::Text() const {
  return prometheus::TextSerializer().Serialize(state_->registry->Collect());
}

}  // namespace till
