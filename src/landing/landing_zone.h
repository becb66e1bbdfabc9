// Landing zones: where raw files arrive and stay, as they came. A zone lists its files (keys)
// with a version that tells contents apart without reading them, says which files are still
// being written, and wakes its watcher when something arrives.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace till {

struct LandingObject {
  std::string key;   // the path within the zone, '/'-separated
  std::string path;  // where to read it
  int64_t size = 0;
  std::string version;  // folder: modification time, size and inode; S3: ETag and size
  bool settled = true;  // false while the file may still be being written
};

// A landing-zone file on local disk for reading: the file itself, or a downloaded copy that is
// removed when this goes.
class LocalCopy {
 public:
  // `lock_fd`, when not -1, is a descriptor of the temporary copy holding a lock on it for as
  // long as the copy lives (closed with it): how the next start tells the copies of a killed
  // process from those in use (see s3_zone.h).
  LocalCopy(std::string path, bool temporary, int lock_fd = -1)
      : path_(std::move(path)), temporary_(temporary), lock_fd_(lock_fd) {}
  LocalCopy(LocalCopy&& other) noexcept
      : path_(std::move(other.path_)),
        temporary_(std::exchange(other.temporary_, false)),
        lock_fd_(std::exchange(other.lock_fd_, -1)) {}
  LocalCopy& operator=(LocalCopy&&) = delete;
  ~LocalCopy();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool temporary_;
  int lock_fd_;
};

class LandingZone {
 public:
  virtual ~LandingZone() = default;

  // The zone's name in the ledger: "file:///data/raw/".
  virtual const std::string& uri() const = 0;
  // Every raw file (*.csv, *.tsv) in the zone, in key order.
  virtual Result<std::vector<LandingObject>> List() = 0;
  // The raw file at `key` as List would give it, or nullopt when the zone has no such file.
  // This default lists the whole zone; a zone that can look one key up does so.
  virtual Result<std::optional<LandingObject>> Find(const std::string& key) {
    auto objects = List();
    if (!objects) return Unexpected<Error>(objects.error());
    for (LandingObject& object : *objects) {
      if (object.key == key) return std::optional<LandingObject>(std::move(object));
    }
    return std::optional<LandingObject>();
  }
  // The object's bytes on local disk. S3 objects are streamed to a temporary file (under
  // TMPDIR), never held in memory.
  virtual Result<LocalCopy> Fetch(const LandingObject& object) = 0;
  // How long to wait between listings when nothing tells of news: 2 s for a folder (inotify
  // tells of most), 5 s for S3 (polling only).
  virtual std::chrono::milliseconds default_rescan() const = 0;
  // Returns true as soon as something may have arrived, false after `timeout` without news.
  virtual bool Wait(std::chrono::milliseconds timeout) = 0;
};

// Opens the zone `location` names: a folder path, a file:// URL, or s3://bucket/prefix/.
Result<std::unique_ptr<LandingZone>> OpenLandingZone(const std::string& location);

// True for the raw files a zone takes: *.csv and *.tsv, in any case.
bool HasRawExtension(std::string_view name);

}  // namespace till
