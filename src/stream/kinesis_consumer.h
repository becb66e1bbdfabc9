// The consumer of `till watch kinesis://STREAM`: every shard of a Kinesis data stream read into
// the warehouse, exactly once.
//
// Each read of a shard (up to `records_per_read` records) is one load, recorded as a file of the
// consumer's run whose source is kinesis:STREAM/SHARD:FIRST-LAST (its first and last sequence
// numbers), with its rejects. The shard's checkpoint, the last sequence number loaded, is the
// ledger entry (landing_key) of key SHARD in zone kinesis://STREAM, written in the same
// transaction as the rows: a consumer killed at any moment resumes after the last committed
// record, so that nothing is lost and nothing loads twice. A shard without a checkpoint is read
// from its oldest record kept (TRIM_HORIZON).
//
// A record is NDJSON (its first character past blanks is '{': one object a line) or CSV with
// its own header line, read as a `till stream` body is (stream/body.h); its rows go through the
// cleaning and star-schema rules of a file. A record that cannot be read (not JSON, an unknown
// column, no header) is a reject of the batch with its reason and the record's text, never
// dropped silently. Lines of a batch are those of its records laid end to end.
//
// Shards are claimed (Warehouse::ClaimLandingKey): on PostgreSQL several consumers divide the
// shards, each taking those no other holds, and a consumer's shards are free again once its
// session ends; a SQLite warehouse has one consumer (Warehouse::LockWatcher). The shard list is
// read again every `shard_refresh`, so that the children of a reshard, and shards another
// consumer left, are picked up. A warehouse failure stops the consumer with the error: the
// uncommitted batch is rolled back, and a restart resumes from the checkpoints.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "landing/kinesis.h"
#include "warehouse/warehouse.h"

namespace till {

// What one batch of a shard brought.
struct KinesisBatchReport {
  std::string shard;
  std::string source;  // kinesis:STREAM/SHARD:FIRST-LAST
  int64_t file_id = 0;
  int64_t records = 0;
  int64_t rows_read = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;  // rows that did not clean, and records that could not be read
  int64_t duplicate = 0;
  double commit_seconds = 0;
};

struct KinesisConsumerOptions {
  int records_per_read = 10'000;  // the most GetRecords gives
  // The wait before reading again once a round of every shard brought nothing.
  std::chrono::milliseconds idle_wait{1000};
  std::chrono::milliseconds shard_refresh{10'000};
  // Stop once every shard held is read to its newest record (for tests and catch-up runs).
  bool until_caught_up = false;
  // Polled between reads: true stops the consumer after the batch in hand.
  std::function<bool()> stop;
  std::function<void(const KinesisBatchReport&)> on_batch;
  // A shard's MillisBehindLatest after each read.
  std::function<void(const std::string& shard, int64_t millis)> on_lag;
  std::function<void(const std::string& shard)> on_shard_claimed;
};

// Consumes `stream` into `warehouse` (migrated) until stopped, caught up (until_caught_up) or
// failed. Runs the consumer's run (trigger "kinesis") and finishes it. Not thread-safe.
Status ConsumeKinesis(KinesisStream& stream, Warehouse& warehouse,
                      const KinesisConsumerOptions& options);

}  // namespace till
