// The row hashes a warehouse holds, as a filter that a process which loads many times (`till
// stream`, `till watch kinesis://`) keeps from one load to the next, so that a row the filter says
// is not stored needs no lookup in the warehouse.
//
// Why: into a warehouse that holds rows, every row of every load was looked up by its hash
// before it was claimed, a B-tree descent on the server for each (on PostgreSQL, a third of the
// server's work for a stream batch of new rows, and as much for a file into a large warehouse),
// although nearly every row is new. The filter answers "not stored" for nearly all of them from
// memory, and "maybe" (then the warehouse is asked, as before) for the rest.
//
// It speaks for the warehouse only as far as it has read: each load, under the load lock and
// before it claims a row, has its transport add the claims of the loads committed since the
// filter's mark (every claim, the first time) and move the mark (LoadTransport::
// ReadStoredRows). A row's hash stays in the filter when the row is unloaded: that costs a
// lookup, never a duplicate loaded twice. Not thread-safe: one warehouse connection's loads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/star.h"
#include "warehouse/load/spill_filter.h"

namespace till {

class StoredRowFilter {
 public:
  // Past `max_keys` hashes the filter stops answering "not stored" (memory stays at about 2 to
  // 4 bytes a key of that) until Clear().
  explicit StoredRowFilter(size_t max_keys) : max_keys_(max_keys) {}

  // It has read the warehouse's claims up to its mark and holds them all.
  bool usable() const { return !mark_.empty() && keys_ <= max_keys_; }

  // False only for a hash not stored when the filter was last brought up to date (or for any
  // hash while it is not usable: then true).
  bool MayHold(const RowHash& hash) const {
    return !usable() || filter_.MayHold(hash.low, hash.high);
  }

  // Forgets every hash and the mark: the next reading starts from nothing.
  void Clear() {
    filter_ = SpillFilter();
    keys_ = 0;
    mark_.clear();
  }

  void Add(const RowHash& hash) {
    if (keys_++ >= max_keys_) return;  // no longer usable; the memory stays bounded
    filter_.Add(hash.low, hash.high);
  }

  // Where the reading of the warehouse's claims stopped, in the transport's own terms; empty
  // before the first reading.
  const std::string& mark() const { return mark_; }
  void set_mark(std::string mark) { mark_ = std::move(mark); }

  size_t keys() const { return keys_; }

 private:
  const size_t max_keys_;
  SpillFilter filter_;
  size_t keys_ = 0;
  std::string mark_;
};

}  // namespace till
