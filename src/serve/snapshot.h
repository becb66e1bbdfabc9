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
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "serve/cube.h"
#include "warehouse/reads.h"
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

// Where the sales cube of the latest Snapshot came from.
enum class CubeOrigin {
  kNone,           // no Snapshot read yet
  kFile,           // the cube file, the warehouse holding the same files as when it was written
  kFileRefreshed,  // the cube file, and the sales of the files loaded since
  kRefreshed,      // the last cube, and the sales of the files loaded since
  kWarehouse,      // every sale read from the warehouse
};
// How the logs name an origin: "cube file", "warehouse", ...
std::string_view CubeOriginName(CubeOrigin origin);

// Reads a warehouse into Snapshots. Not thread-safe: one refreshing thread owns it.
class SnapshotReader {
 public:
  // With a `cube_file` (cube_file.h), the first Refresh reads the cube from it when the
  // warehouse still holds every file the cube holds (the sales of files loaded since are read
  // and added), and SaveCube writes each new cube to it.
  explicit SnapshotReader(std::unique_ptr<Warehouse> warehouse, std::string cube_file = {});

  // A new Snapshot when the warehouse changed since `current` was read (or when there is no
  // `current`), else `current` itself. Sales of files loaded since are added to the cube; a
  // file unloaded since makes the cube be read again whole.
  // Reads the replica's state too, every time.
  Result<std::shared_ptr<const Snapshot>> Refresh(std::shared_ptr<const Snapshot> current);
  // Brings the cube alone up to date with the warehouse, as Refresh does, reading none of the
  // pipeline's records: what a load runs once it committed (UpdateCubeFile).
  Status RefreshCube();
  // Waits up to `timeout` for a commit to the warehouse (Warehouse::WaitForCommit): true when
  // one may have happened, and Refresh has something to read.
  Result<bool> WaitForCommit(std::chrono::milliseconds timeout) {
    return warehouse_->WaitForCommit(timeout);
  }
  // Writes the cube the last Refresh read to the cube file, unless it is there already, or one
  // was written less than `interval` ago (a stream's commits each make a new cube; the file
  // follows at this pace, and a restart adds what it misses).
  Status SaveCube(std::chrono::seconds interval = std::chrono::seconds(30));
  CubeOrigin cube_origin() const { return origin_; }
  size_t cube_rows() const { return cube_ ? cube_->rows() : 0; }
  // Why the cube file was not read at the first Refresh (empty: it was, or there is none).
  const std::string& cube_file_problem() const { return cube_file_problem_; }

 private:
  Result<std::shared_ptr<const Snapshot>> Read(std::shared_ptr<const Snapshot> current);
  // Makes cube_ the cube of the files `loaded` (the warehouse's now): from the cube file at the
  // first call, then from the last cube plus the sales of the files loaded since, or from every
  // sale when a file the cube holds is gone or loaded again.
  Status UpdateCube(std::vector<LoadedFile> loaded);
  Status ReadDimensions(CubeBuilder& builder);
  Status ReadSales(CubeBuilder& builder, std::span<const int64_t> file_ids);
  Status ReadPipeline(Snapshot& snapshot);
  Status ReadStreams(Snapshot& snapshot);

  std::unique_ptr<Warehouse> warehouse_;
  std::string signature_;
  std::vector<LoadedFile> loaded_files_;  // the files cube_ holds, by id
  std::shared_ptr<const Cube> cube_;
  std::string cube_file_;
  bool cube_file_read_ = false;
  std::string cube_file_problem_;
  bool cube_saved_ = true;  // cube_ is in the cube file, or there is none
  std::optional<std::chrono::steady_clock::time_point> last_save_;
  CubeOrigin origin_ = CubeOrigin::kNone;
  int64_t version_ = 0;
  std::shared_ptr<ReplicaState> replica_ = std::make_shared<ReplicaState>();
};

// What UpdateCubeFile did.
struct CubeFileUpdate {
  CubeOrigin origin = CubeOrigin::kNone;  // kFile: the file was up to date, and left as it was
  size_t sales = 0;                       // the sales the file now holds
  std::string problem;                    // why the file there could not be used (empty: none)
};

// What a load runs once it committed, so that the next `till serve` reads the cube file rather
// than every sale: the cube file brought up to date with `warehouse` (a connection of its own,
// read-only is enough) the way `till serve` does it (SnapshotReader): the file read and the
// sales of the files loaded since it was written added, or, without a usable file, every sale
// read; then written beside its name and renamed over it. On failure the file is the last good
// one (or none) and the error is returned for the caller to report.
Result<CubeFileUpdate> UpdateCubeFile(std::unique_ptr<Warehouse> warehouse,
                                      const std::string& cube_file);

}  // namespace till
