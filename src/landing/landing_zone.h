// Landing zones: where raw files arrive and stay, as they came. A zone lists its files (keys)
// with a version that tells contents apart without reading them, says which files are still
// being written, and wakes its watcher when something arrives.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace till {

struct LandingObject {
  std::string key;   // the path within the zone, '/'-separated
  std::string path;  // where to read it
  int64_t size = 0;
  std::string version;  // folder: modification time, size and inode
  bool settled = true;  // false while the file may still be being written
};

class LandingZone {
 public:
  virtual ~LandingZone() = default;

  // The zone's name in the ledger: "file:///data/raw/".
  virtual const std::string& uri() const = 0;
  // Every raw file (*.csv, *.tsv) in the zone, in key order.
  virtual Result<std::vector<LandingObject>> List() = 0;
  // Returns true as soon as something may have arrived, false after `timeout` without news.
  virtual bool Wait(std::chrono::milliseconds timeout) = 0;
};

// Opens the zone `location` names: a folder path or a file:// URL.
Result<std::unique_ptr<LandingZone>> OpenLandingZone(const std::string& location);

}  // namespace till
