// What `till serve` answers from: the sales cube and the pipeline's records, read from the
// warehouse in one consistent read and replaced whole when the warehouse changes. Requests hold
// a shared_ptr to the Snapshot they started with, so a refresh never changes an answer midway.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "serve/cube.h"
#include "warehouse/warehouse.h"

namespace till {

// Up to this many of the latest runs, files and rejects are kept for the pipeline endpoints.
inline constexpr size_t kPipelineRows = 1000;

// Whether the warehouse is a replica, and how far behind its primary: read again at every
// refresh, changed or not, so it lives outside the (immutable) Snapshot that shares it.
// Thread-safe.
class ReplicaState {
 public:
  void Set(std::optional<StandbyStatus> status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  std::optional<StandbyStatus> Get() const {
    std::lock_guard lock(mutex_);
    return status_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<StandbyStatus> status_;
};

struct Snapshot {
  std::shared_ptr<const Cube> cube;
  int64_t data_version = 0;
  std::string refreshed_at;  // ISO 8601 UTC
  std::string warehouse;     // Describe() of the warehouse, never with a password
  std::shared_ptr<const ReplicaState> replica;  // the same object in every Snapshot of a reader

  nlohmann::ordered_json runs = nlohmann::ordered_json::array();     // newest first
  nlohmann::ordered_json files = nlohmann::ordered_json::array();    // newest first
  nlohmann::ordered_json reasons = nlohmann::ordered_json::array();  // most first
  nlohmann::ordered_json recent_rejects = nlohmann::ordered_json::array();

  struct Freshness {
    std::string last_success_at;  // empty: never
    std::optional<double> last_success_epoch;
    int64_t files_loaded = 0, files_failed = 0, files_skipped = 0;
    int64_t rows_loaded = 0, rows_rejected = 0, rows_duplicate = 0;
    int64_t runs_running = 0;
  } freshness;

  // Each stream that loaded batches (`till stream`, `till watch kinesis://`), in that order.
  struct Stream {
    std::string source;  // "till stream" or "kinesis://NAME"
    int64_t batches = 0, failed_batches = 0;
    int64_t rows_loaded = 0, rows_rejected = 0, rows_duplicate = 0;
    std::string last_batch_at;  // ISO 8601 UTC; empty: none loaded
    std::optional<double> last_batch_epoch;
    // When each of its newest batches finished (seconds since the epoch) and the rows it
    // loaded, newest first: its recent rate, counted when asked.
    std::vector<std::pair<double, int64_t>> recent;
  };
  std::vector<Stream> streams;
};

// The newest batches of all streams kept in a Snapshot for their recent rates.
inline constexpr int64_t kRecentStreamBatches = 2000;

// Reads a warehouse into Snapshots. Not thread-safe: one refreshing thread owns it.
class SnapshotReader {
 public:
  explicit SnapshotReader(std::unique_ptr<Warehouse> warehouse);

  // A new Snapshot when the warehouse changed since `current` was read (or when there is no
  // `current`), else `current` itself. Sales of files loaded since are added to the cube; a
  // file unloaded since makes the cube be read again whole.
  // Reads the replica's state too, every time.
  Result<std::shared_ptr<const Snapshot>> Refresh(std::shared_ptr<const Snapshot> current);
  // Waits up to `timeout` for a commit to the warehouse (Warehouse::WaitForCommit): true when
  // one may have happened, and Refresh has something to read.
  Result<bool> WaitForCommit(std::chrono::milliseconds timeout) {
    return warehouse_->WaitForCommit(timeout);
  }

 private:
  Result<std::shared_ptr<const Snapshot>> Read(std::shared_ptr<const Snapshot> current);
  Status ReadDimensions();
  Status ReadSales(std::span<const int64_t> file_ids);
  Status ReadPipeline(Snapshot& snapshot);
  Status ReadStreams(Snapshot& snapshot);

  std::unique_ptr<Warehouse> warehouse_;
  std::string signature_;
  std::set<int64_t> loaded_files_;
  std::unique_ptr<CubeBuilder> builder_;
  std::shared_ptr<const Cube> cube_;
  int64_t version_ = 0;
  std::shared_ptr<ReplicaState> replica_ = std::make_shared<ReplicaState>();
};

}  // namespace till
