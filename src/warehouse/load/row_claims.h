// The duplicate check of a load: a row whose 128-bit hash (of its cleaned values) is already
// loaded, by this file or an earlier one, is a duplicate and loads once.
//
// This load's claims are kept in memory and written at commit, in the order the claim table's
// index wants, in one go: many times faster than growing the index row by row in random order.
// Stored claims are looked up a batch at a time, and only when the table may hold any (it held
// claims when the load began). Past `limit` claims in memory, the claims so far are written,
// and the rest of the file finds them in a file of their hashes (claim_runs.h), not in the
// table, so memory stays bounded whatever the file's size and the table's index is not needed
// before commit; only the rows a filter of the written claims (spill_filter.h) may hold are
// looked up there. A duplicate of a row another file loaded is recorded as held by this file
// too (fact_sales_dup), which keeps the row when that file is unloaded. Into a table that held
// claims, a filter of them that the warehouse keeps across its loads (stored_rows.h), when it
// has one, spares the lookup of the rows it says are not there, as the filter of the written
// claims does; without one, every row is looked up in the table, this load's written claims
// too.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "warehouse/load/claim_runs.h"
#include "warehouse/load/load_transport.h"
#include "warehouse/load/spill_filter.h"
#include "warehouse/load/stored_rows.h"

namespace till {

class RowClaims {
 public:
  // `rows_stored`: fact_sales_row held claims when the load began. `stored`: a usable filter of
  // those claims, or null (then each row is looked up). `at_commit`: into a table that held
  // none, the claims past the limit wait in the file of them and are all written at commit, in
  // key order (LoadStart::claims_at_commit).
  RowClaims(LoadTransport& transport, size_t limit, bool rows_stored,
            const StoredRowFilter* stored = nullptr, bool at_commit = false)
      : transport_(transport),
        limit_(limit),
        stored_before_(rows_stored),
        stored_(rows_stored ? stored : nullptr),
        at_commit_(at_commit && !rows_stored) {}

  // Claims the rows of `facts` no loaded row holds yet, giving them sale ids first_sale_id,
  // first_sale_id + 1, … in order; returns those facts, which point into `facts`. Records the
  // holders of rows other files loaded.
  Result<std::vector<const FactSale*>> Claim(std::span<const FactSale> facts,
                                             int64_t first_sale_id);

  // Writes the claims held in memory (and, with `at_commit`, those set aside). At commit.
  Status Flush();

  size_t in_memory() const { return claims_.size(); }

 private:
  LoadTransport& transport_;
  const size_t limit_;
  // fact_sales_row held claims when the load began: every row is looked up before it is
  // claimed, or, with `stored_`, the rows it may hold.
  const bool stored_before_;
  const StoredRowFilter* const stored_;
  const bool at_commit_;
  // The claims this load wrote before its commit: a filter of them, which says of nearly every
  // other row that it is not one, and their hashes, which answer for the rest.
  SpillFilter written_;
  ClaimRuns runs_;
  // This load's claims not written yet, each hash to its sale id; the source line of sale id
  // first_held_ + i is lines_[i]. Kept apart so that the table's slots stay small.
  absl::flat_hash_map<RowHash, int64_t, RowHashHasher> claims_;
  std::vector<int64_t> lines_;
  int64_t first_held_ = 0;

  // The claims held in memory, which it forgets.
  std::vector<RowClaim> TakeClaims();
};

}  // namespace till
