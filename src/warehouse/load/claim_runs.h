// The hashes of the row claims a load wrote before its commit, kept sorted in a temporary file,
// so that the rows the filter of them (spill_filter.h) may hold are looked up here rather than
// in the warehouse.
//
// Why: past its limit in memory a load writes its claims and the rest of the file finds them
// through the claim table. Asking the warehouse needs the table's index, and on PostgreSQL
// growing that index of random hashes by millions of rows at a time, past the server's buffers,
// was the one step of a 30-million-row load that grew faster than its rows. Answered here, the
// index of a first load is built once, at its end, in one sort.
//
// Each write is a run of hashes, sorted, appended to one unnamed file in the temporary folder
// ($TMPDIR, else /tmp), gone with the process; memory keeps the first hash of each block of
// 256 (4 KiB), a sixteenth of a byte a claim, and a lookup reads one block of each run. Nothing
// in the standard library or the project's dependencies keeps a sorted set on disk with that
// little memory; the file and its reads are a few lines. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/result.h"
#include "model/star.h"

namespace till {

class ClaimRuns {
 public:
  ClaimRuns() = default;
  ClaimRuns(const ClaimRuns&) = delete;
  ClaimRuns& operator=(const ClaimRuns&) = delete;
  ~ClaimRuns();

  // Adds the hashes of one write, in any order; reorders them.
  Status Add(std::vector<RowHash>& hashes);

  // Whether Add() was given `hash`.
  Result<bool> Holds(const RowHash& hash) const;

  bool empty() const { return runs_.empty(); }

  static constexpr size_t kBlock = 256;  // hashes a lookup reads of a run

 private:
  struct Run {
    uint64_t first = 0;  // its first hash's position in the file, in hashes
    size_t count = 0;
    std::vector<RowHash> fences;  // the first hash of each block
  };

  int fd_ = -1;
  uint64_t written_ = 0;  // hashes in the file
  std::vector<Run> runs_;
  mutable std::vector<RowHash> block_;
};

}  // namespace till
