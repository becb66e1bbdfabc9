// The row claims a load wrote before its commit (or, on SQLite, set aside for it), kept sorted
// in a temporary file, so that the rows the filter of them (spill_filter.h) may hold are looked
// up here rather than in the warehouse.
//
// Why: past its limit in memory a load writes its claims and the rest of the file finds them
// through the claim table. Asking the warehouse needs the table's index, and growing that index
// of random hashes by millions of rows at a time, past the engine's cache, was the one step of a
// 30-million-row load that grew faster than its rows. Answered here, a first load into
// PostgreSQL builds the index once, at its end, in one sort; a first load into SQLite, whose
// claim table is its own index, writes the claims once, at its end, merged into key order.
//
// Each write is a run of claims in the order of their hashes' bytes (SQLite's order of the
// hash as a blob), appended to one unnamed file in the temporary folder ($TMPDIR, else /tmp),
// gone with the process: 32 bytes a claim. Memory keeps the first hash of each block of 128
// claims (4 KiB), an eighth of a byte a claim, and a lookup reads one block of each run.
// Nothing in the standard library or the project's dependencies keeps a sorted set on disk
// with that little memory; the file and its reads are a few lines. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/result.h"
#include "model/star.h"
#include "warehouse/load/load_transport.h"

namespace till {

class ClaimRuns {
 public:
  ClaimRuns() = default;
  ClaimRuns(const ClaimRuns&) = delete;
  ClaimRuns& operator=(const ClaimRuns&) = delete;
  ~ClaimRuns();

  // Adds the claims of one write, in any order; reorders them.
  Status Add(std::vector<RowClaim>& claims);

  // Whether Add() was given a claim of `hash`.
  Result<bool> Holds(const RowHash& hash) const;

  // Every claim added and every claim of `last`, merged into the order of their hashes' bytes,
  // handed to `write` up to `chunk` at a time; stops at the first error `write` returns.
  // Reorders `last`.
  Status Merge(std::vector<RowClaim>& last, size_t chunk,
               const std::function<Status(std::span<RowClaim>)>& write) const;

  bool empty() const { return runs_.empty(); }

  // The order of the runs: the hashes' bytes, as memcmp compares them.
  static bool Before(const RowHash& a, const RowHash& b);

  static constexpr size_t kBlock = 128;  // claims a lookup reads of a run

 private:
  struct Run {
    uint64_t first = 0;  // its first claim's position in the file, in claims
    size_t count = 0;
    std::vector<RowHash> fences;  // the first hash of each block
  };

  // Reads `count` claims from position `at` (in claims) into `into`.
  Status Read(uint64_t at, size_t count, RowClaim* into) const;

  int fd_ = -1;
  std::vector<Run> runs_;  // in the file's order
  mutable std::vector<RowClaim> block_;
};

}  // namespace till
