// The customer versions of a load (slowly changing dimension, type 2): every profile a customer
// id was seen with is a version, with the first and last date it was seen and whether it is the
// customer's current one.
//
// Versions new to the warehouse are kept in memory and written once, with their final seen
// range and flag, at commit (or when `limit` of them are kept): nearly every row of a real file
// brings one, and writing each as it comes and again when it is widened or made current costs
// several times as much as writing it once. Into a dimension that held no versions when the load
// began they are written in key order, so that its key index is built from sorted rows; into
// one that held some, in the order they came, after those. Versions the warehouse holds already
// are looked up a batch at a time, and widened or flagged where they are; into a dimension that
// held none before, only those that a filter of the versions this load wrote (spill_filter.h)
// may hold.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "warehouse/load/load_transport.h"
#include "warehouse/load/spill_filter.h"

namespace till {

class CustomerVersions {
 public:
  // `stored`: dim_customer held versions besides Unknown when the load began.
  CustomerVersions(LoadTransport& transport, size_t limit, bool stored);

  bool stored_before() const { return stored_before_; }

  // See WarehouseLoad::UpsertCustomers.
  Result<std::vector<SeenRange>> Upsert(std::span<const CustomerWrite> versions);
  // See WarehouseLoad::WidenCustomers.
  Result<std::vector<SeenRange>> Widen(std::span<const CustomerVersion> versions);
  // The current version of each id among those stored: the versions kept in memory are not
  // current in the warehouse yet.
  Result<std::vector<std::optional<CustomerVersion>>> Current(
      std::span<const std::string_view> customer_ids);
  Status SetCurrent(std::span<const int64_t> customer_keys, bool current);

  // Writes the versions kept in memory; from then on they are stored versions like any other.
  Status Flush();

  size_t in_memory() const { return pending_.size(); }

 private:
  // Widens the stored versions among `versions`; returns the range after the merge of each one
  // stored, by key. Only ranges that grow are written.
  Result<absl::flat_hash_map<int64_t, SeenRange>> WidenStored(
      std::span<const CustomerVersion> versions);
  // Appends a copy of `version` to pending_; the caller indexes it.
  void Keep(const CustomerWrite& version);
  // Adds the keys and ids of pending_, about to be written, to the filters.
  void RememberPending();
  // False for a key the warehouse surely does not hold.
  bool MayBeStored(int64_t key) const;

  LoadTransport& transport_;
  const size_t limit_;
  const bool stored_before_;
  bool probe_stored_;                 // a version may be stored already: look before keeping it
  std::vector<CustomerRow> pending_;  // their text in text_
  absl::flat_hash_map<int64_t, size_t> pending_index_;
  std::unique_ptr<TextArena> text_ = std::make_unique<TextArena>();
  // The keys and customer ids of the versions this load wrote before its commit, when the
  // dimension held none before it.
  SpillFilter written_keys_;
  SpillFilter written_ids_;
};

}  // namespace till
