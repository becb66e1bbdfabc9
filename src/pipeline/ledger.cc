#include "pipeline/ledger.h"

#include <algorithm>
#include <set>
#include <utility>

namespace till {

Ledger LedgerByKey(std::vector<LandingEntry> entries) {
  Ledger ledger;
  for (LandingEntry& entry : entries) {
    std::string key = entry.key;
    ledger.emplace(std::move(key), std::move(entry));
  }
  return ledger;
}

bool IsCurrent(const LandingEntry& entry, const LandingObject& object) {
  return entry.version == object.version && entry.size_bytes == object.size;
}

bool IsCurrent(const Ledger& ledger, const LandingObject& object) {
  auto known = ledger.find(object.key);
  return known != ledger.end() && IsCurrent(known->second, object);
}

int64_t CountPending(const Ledger& ledger, const std::vector<LandingObject>& listing) {
  return std::count_if(listing.begin(), listing.end(),
                       [&](const LandingObject& object) { return !IsCurrent(ledger, object); });
}

bool HeldByAnotherKey(const Ledger& ledger, std::string_view key, std::optional<int64_t> file_id) {
  if (!file_id) return false;
  return std::any_of(ledger.begin(), ledger.end(), [&](const auto& item) {
    return item.first != key && item.second.file_id == file_id;
  });
}

std::vector<std::string> KeysGoneFrom(const Ledger& ledger,
                                      const std::vector<LandingObject>& listing) {
  std::set<std::string_view> listed;
  for (const LandingObject& object : listing) listed.insert(object.key);
  std::vector<std::string> gone;
  for (const auto& [key, entry] : ledger) {
    if (!listed.contains(key)) gone.push_back(key);
  }
  return gone;
}

}  // namespace till
