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
// may hold, and not at once: they wait, with the range this load saw, until the load settles its
// versions (Current, SetCurrent or Flush), when all are looked up together. A lookup by key needs
// the dimension's key index, which a bulk load into an empty dimension builds once, from all its
// rows, at the end (SQLite): one asked for in the middle of the load was built then, and every
// later write of versions went into it at random places, a cost growing with the rows written
// (a sixth of a 10-million-row load). Most of these versions are the filter's false "maybe"s;
// the others, versions met again after they were written (duplicate rows, say), are few. When
// `limit` of them wait, the load settles them then and looks later ones up at once, as before.
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

  size_t in_memory() const { return pending_.size() + doubtful_.size(); }

 private:
  // Widens the stored versions among `versions`; returns the range after the merge of each one
  // stored, by key. Only ranges that grow are written.
  Result<absl::flat_hash_map<int64_t, SeenRange>> WidenStored(
      std::span<const CustomerVersion> versions);
  // The version of `key` held in memory (to be written, or waiting to be looked up), if any.
  CustomerRow* Kept(int64_t key);
  // Appends a copy of `member` to `rows`, its text in `text`; the caller indexes it.
  static void Keep(const Member& member, SeenRange seen, bool current,
                   std::vector<CustomerRow>& rows, TextArena& text);
  // Writes pending_ and forgets it.
  Status WritePending();
  // Whether a version that the filter says this load may have written waits to be looked up.
  bool Deferring() const { return !stored_before_ && !settled_; }
  // Looks up the versions waiting to be (doubtful_, widen_later_): those stored are widened
  // there, the others kept to be written. From then on, lookups are made at once.
  Status Settle();
  // Settles them when more than `limit_` wait: memory stays bounded.
  Status SettleIfFull();
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
  // Until Settle(), into a dimension that held none before: versions the filter says may be
  // written already, with their text, and the ranges to widen of versions written already.
  std::vector<CustomerRow> doubtful_;  // their text in doubtful_text_
  absl::flat_hash_map<int64_t, size_t> doubtful_index_;
  std::unique_ptr<TextArena> doubtful_text_ = std::make_unique<TextArena>();
  std::vector<CustomerVersion> widen_later_;
  bool settled_ = false;
};

}  // namespace till
