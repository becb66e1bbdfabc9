// The sales cube kept in a file, so that `till serve` starts without reading the warehouse's
// sales again: the cube's columns as they are in memory, read back at disk speed, with the
// warehouse's state the cube was read from (its loaded files) for the reader to compare with
// the warehouse's state now.
//
// The format: "TILLCUBE", a format version (uint32), the payload's size (uint64) and its CRC-32,
// then the payload (the loaded files, then the cube), little-endian as this machine writes it.
// A file of another version, of the wrong size or checksum, or shorter than it says is refused
// (an error), never half read: the caller reads the warehouse instead and writes the file again.
// A file is written beside its final name and renamed over it, so a reader never sees a file
// being written, and a write that fails midway leaves the last good file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "serve/cube.h"
#include "warehouse/reads.h"

namespace till {

class CubeFile {
 public:
  // Changes whenever the layout does; a file of another version is read again from the warehouse.
  static constexpr uint32_t kVersion = 1;

  struct Contents {
    std::shared_ptr<const Cube> cube;
    std::vector<LoadedFile> files;  // by file id
  };
  static Result<Contents> Read(const std::string& path);
  static Status Write(const std::string& path, const Cube& cube,
                      const std::vector<LoadedFile>& files);
};

// Where `till serve` keeps the cube of the warehouse that Warehouse::Describe() names, unless
// told otherwise: beside a SQLite file ("till.db.cube"); for PostgreSQL in the user's cache
// directory ($XDG_CACHE_HOME, else ~/.cache; /tmp without either), under till/, named by a hash
// of the description (host, port, database and user, never a password).
std::string DefaultCubeFile(std::string_view warehouse_description);

}  // namespace till
