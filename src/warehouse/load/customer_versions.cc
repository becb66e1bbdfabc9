#include "warehouse/load/customer_versions.h"

#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>

#include <algorithm>
#include <cstring>

namespace till {

CustomerVersions::CustomerVersions(LoadTransport& transport, size_t limit, bool stored)
    : transport_(transport), limit_(limit), stored_before_(stored), probe_stored_(stored) {}

Result<std::vector<SeenRange>> CustomerVersions::Upsert(std::span<const CustomerWrite> versions) {
  if (!pending_.empty() && pending_.size() + versions.size() > limit_) {
    // The rest of the file is checked against what this write stores: remembered here, not in
    // WritePending(), which also runs at commit, when nothing follows.
    if (!stored_before_) RememberPending();
    TILL_RETURN_IF_ERROR(WritePending());  // memory stays bounded
  }
  std::vector<SeenRange> merged(versions.size());
  if (!probe_stored_) {
    // Nothing stored to look up: each version is kept or widened in one step.
    for (size_t i = 0; i < versions.size(); ++i) {
      const CustomerWrite& version = versions[i];
      auto [it, inserted] = pending_index_.try_emplace(version.member->key, pending_.size());
      if (inserted) {
        Keep(*version.member, version.seen, version.current, pending_, *text_);
        merged[i] = version.seen;
      } else {
        CustomerRow& pending = pending_[it->second];
        pending.seen = Widened(pending.seen, version.seen);
        merged[i] = pending.seen;
      }
    }
    return merged;
  }
  std::vector<size_t> unknown;  // neither kept by this load nor known to be new
  for (size_t i = 0; i < versions.size(); ++i) {
    CustomerRow* kept = Kept(versions[i].member->key);
    if (!kept) {
      unknown.push_back(i);
      continue;
    }
    kept->seen = Widened(kept->seen, versions[i].seen);
    merged[i] = kept->seen;
  }
  if (Deferring()) {
    for (size_t i : unknown) {
      const CustomerWrite& version = versions[i];
      const int64_t key = version.member->key;
      const bool doubtful = MayBeStored(key);
      auto& index = doubtful ? doubtful_index_ : pending_index_;
      std::vector<CustomerRow>& rows = doubtful ? doubtful_ : pending_;
      auto [it, inserted] = index.try_emplace(key, rows.size());
      if (inserted) {
        Keep(*version.member, version.seen, version.current, rows,
             doubtful ? *doubtful_text_ : *text_);
        merged[i] = version.seen;
      } else {
        CustomerRow& row = rows[it->second];  // met twice in this batch
        row.seen = Widened(row.seen, version.seen);
        merged[i] = row.seen;
      }
    }
    TILL_RETURN_IF_ERROR(SettleIfFull());
    return merged;
  }
  absl::flat_hash_map<int64_t, SeenRange> stored;
  std::vector<CustomerVersion> probe;
  for (size_t i : unknown) {
    if (MayBeStored(versions[i].member->key)) {
      probe.push_back({versions[i].member->key, versions[i].seen});
    }
  }
  if (!probe.empty()) {
    auto widened = WidenStored(probe);
    TILL_RETURN_IF_ERROR(widened);
    stored = std::move(*widened);
  }
  for (size_t i : unknown) {
    const CustomerWrite& version = versions[i];
    if (auto found = stored.find(version.member->key); found != stored.end()) {
      merged[i] = found->second;
      continue;
    }
    if (auto it = pending_index_.find(version.member->key); it != pending_index_.end()) {
      CustomerRow& pending = pending_[it->second];  // met twice in this batch
      pending.seen = Widened(pending.seen, version.seen);
      merged[i] = pending.seen;
      continue;
    }
    pending_index_.emplace(version.member->key, pending_.size());
    Keep(*version.member, version.seen, version.current, pending_, *text_);
    merged[i] = version.seen;
  }
  return merged;
}

CustomerRow* CustomerVersions::Kept(int64_t key) {
  if (auto it = pending_index_.find(key); it != pending_index_.end()) return &pending_[it->second];
  if (auto it = doubtful_index_.find(key); it != doubtful_index_.end())
    return &doubtful_[it->second];
  return nullptr;
}

void CustomerVersions::Keep(const Member& member, SeenRange seen, bool current,
                            std::vector<CustomerRow>& rows, TextArena& text) {
  size_t size = 0;
  for (size_t i = 0; i < member.arity; ++i) {
    if (member.lengths[i] != Member::kNull) size += member.lengths[i];
  }
  Member copy = member;
  char* copied = text.Allocate(size);
  if (size > 0) std::memcpy(copied, member.text, size);
  copy.text = copied;
  rows.push_back(CustomerRow{copy, seen, current});
}

Result<std::vector<SeenRange>> CustomerVersions::Widen(std::span<const CustomerVersion> versions) {
  std::vector<SeenRange> merged(versions.size());
  std::vector<CustomerVersion> elsewhere;
  std::vector<size_t> elsewhere_at;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (CustomerRow* kept = Kept(versions[i].key)) {
      kept->seen = Widened(kept->seen, versions[i].seen);
      merged[i] = kept->seen;
    } else if (Deferring()) {
      // Written by this load already: widened where it is when the load settles.
      widen_later_.push_back(versions[i]);
      merged[i] = versions[i].seen;
    } else {
      elsewhere.push_back(versions[i]);
      elsewhere_at.push_back(i);
    }
  }
  TILL_RETURN_IF_ERROR(SettleIfFull());
  if (elsewhere.empty()) return merged;
  auto stored = WidenStored(elsewhere);
  TILL_RETURN_IF_ERROR(stored);
  for (size_t i : elsewhere_at) {
    auto found = stored->find(versions[i].key);
    if (found == stored->end()) {
      return MakeError(ErrorCode::kInternal, "widening a customer version not written");
    }
    merged[i] = found->second;
  }
  return merged;
}

Result<absl::flat_hash_map<int64_t, SeenRange>> CustomerVersions::WidenStored(
    std::span<const CustomerVersion> versions) {
  std::vector<int64_t> keys;
  keys.reserve(versions.size());
  for (const CustomerVersion& version : versions) keys.push_back(version.key);
  auto found = transport_.FindCustomers(keys);
  TILL_RETURN_IF_ERROR(found);
  absl::flat_hash_map<int64_t, SeenRange> merged;
  for (size_t i = 0; i < keys.size(); ++i) {
    if ((*found)[i]) merged[keys[i]] = *(*found)[i];
  }
  std::vector<int64_t> grown;
  absl::flat_hash_set<int64_t> grown_keys;
  for (const CustomerVersion& version : versions) {
    auto it = merged.find(version.key);
    if (it == merged.end()) continue;
    SeenRange widened = Widened(it->second, version.seen);
    if (widened.first == it->second.first && widened.last == it->second.last) continue;
    it->second = widened;
    if (grown_keys.insert(version.key).second) grown.push_back(version.key);
  }
  if (!grown.empty()) {
    std::vector<CustomerVersion> updates;
    updates.reserve(grown.size());
    for (int64_t key : grown) updates.push_back(CustomerVersion{key, merged.at(key)});
    TILL_RETURN_IF_ERROR(transport_.SetCustomersSeen(updates));
  }
  return merged;
}

Result<std::vector<std::optional<CustomerVersion>>> CustomerVersions::Current(
    std::span<const std::string_view> customer_ids) {
  std::vector<std::optional<CustomerVersion>> current(customer_ids.size());
  if (!probe_stored_) return current;
  TILL_RETURN_IF_ERROR(Settle());
  if (stored_before_) return transport_.CurrentCustomers(customer_ids);
  std::vector<std::string_view> asked;
  std::vector<size_t> asked_at;
  for (size_t i = 0; i < customer_ids.size(); ++i) {
    const auto [a, b] = SpillFilter::Words(absl::HashOf(customer_ids[i]));
    if (written_ids_.MayHold(a, b)) {
      asked.push_back(customer_ids[i]);
      asked_at.push_back(i);
    }
  }
  if (asked.empty()) return current;
  auto found = transport_.CurrentCustomers(asked);
  TILL_RETURN_IF_ERROR(found);
  for (size_t j = 0; j < asked.size(); ++j) current[asked_at[j]] = std::move((*found)[j]);
  return current;
}

void CustomerVersions::RememberPending() {
  written_keys_.Reserve(pending_.size());
  written_ids_.Reserve(pending_.size());
  for (const CustomerRow& row : pending_) {
    const auto [a, b] = SpillFilter::Words(static_cast<uint64_t>(row.member.key));
    written_keys_.Add(a, b);
    if (const auto id = row.member.attribute(0)) {
      const auto [c, d] = SpillFilter::Words(absl::HashOf(*id));
      written_ids_.Add(c, d);
    }
  }
}

bool CustomerVersions::MayBeStored(int64_t key) const {
  if (stored_before_) return true;
  const auto [a, b] = SpillFilter::Words(static_cast<uint64_t>(key));
  return written_keys_.MayHold(a, b);
}

Status CustomerVersions::SetCurrent(std::span<const int64_t> customer_keys, bool current) {
  TILL_RETURN_IF_ERROR(Settle());
  std::vector<int64_t> stored;
  for (int64_t key : customer_keys) {
    if (auto it = pending_index_.find(key); it != pending_index_.end()) {
      pending_[it->second].current = current;
    } else {
      stored.push_back(key);
    }
  }
  if (stored.empty()) return {};
  return transport_.SetCustomersCurrent(stored, current);
}

Status CustomerVersions::Settle() {
  settled_ = true;
  if (doubtful_.empty() && widen_later_.empty()) return {};
  std::vector<CustomerVersion> asked = std::move(widen_later_);
  widen_later_ = {};
  const size_t written = asked.size();  // the versions widened that this load wrote
  for (const CustomerRow& row : doubtful_) asked.push_back({row.member.key, row.seen});
  auto stored = WidenStored(asked);
  TILL_RETURN_IF_ERROR(stored);
  for (size_t i = 0; i < written; ++i) {
    if (!stored->contains(asked[i].key)) {
      return MakeError(ErrorCode::kInternal, "widening a customer version not written");
    }
  }
  for (const CustomerRow& row : doubtful_) {
    if (stored->contains(row.member.key)) continue;
    // Not written after all: kept to be written, like any version new to the load.
    if (pending_index_.try_emplace(row.member.key, pending_.size()).second) {
      Keep(row.member, row.seen, row.current, pending_, *text_);
    }
  }
  doubtful_ = {};
  doubtful_index_ = {};
  doubtful_text_ = std::make_unique<TextArena>();
  return {};
}

Status CustomerVersions::SettleIfFull() {
  if (!Deferring() || doubtful_.size() + widen_later_.size() <= limit_) return {};
  return Settle();
}

Status CustomerVersions::Flush() {
  TILL_RETURN_IF_ERROR(Settle());
  return WritePending();
}

Status CustomerVersions::WritePending() {
  if (pending_.empty()) return {};
  if (!stored_before_) {
    std::sort(pending_.begin(), pending_.end(), [](const CustomerRow& a, const CustomerRow& b) {
      return a.member.key < b.member.key;
    });
  }
  TILL_RETURN_IF_ERROR(transport_.AppendCustomers(pending_));
  pending_ = {};
  pending_index_ = {};
  text_ = std::make_unique<TextArena>();
  probe_stored_ = true;
  return {};
}

}  // namespace till
