// The ledger's rules: how a landing zone's listing compares with the ledger, the warehouse's
// record of what each key of the zone holds (one LandingEntry per key). Pure functions, for the
// watcher that keeps the ledger and for `till status` that reports on it.
//
// They join a zone's LandingObject (src/landing/) with the warehouse's LandingEntry
// (src/warehouse/), so they live in the first library that links both: till_landing links only
// till_base, the landing zone being where the data's path starts, upstream of the warehouse.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "landing/landing_zone.h"
#include "warehouse/warehouse.h"

namespace till {

// A zone's ledger by key.
using Ledger = std::map<std::string, LandingEntry, std::less<>>;
Ledger LedgerByKey(std::vector<LandingEntry> entries);

// True when `entry` holds `object` as the zone lists it now: the same version and size. Such a
// key is not loaded again; any other is new or changed, and waits to be loaded.
bool IsCurrent(const LandingEntry& entry, const LandingObject& object);
// True when the ledger holds `object`'s key, and holds it as listed now.
bool IsCurrent(const Ledger& ledger, const LandingObject& object);

// How many objects of `listing` the ledger does not hold as listed: new or changed files.
int64_t CountPending(const Ledger& ledger, const std::vector<LandingObject>& listing);

// True when a key besides `key` holds loaded file `file_id` too (its rows then stay when `key`
// lets go of them). False for no file.
bool HeldByAnotherKey(const Ledger& ledger, std::string_view key, std::optional<int64_t> file_id);

// The keys of the ledger that `listing` no longer has, in key order.
std::vector<std::string> KeysGoneFrom(const Ledger& ledger,
                                      const std::vector<LandingObject>& listing);

}  // namespace till
