#include "warehouse/load/row_claims.h"

namespace till {

Result<std::vector<const FactSale*>> RowClaims::Claim(std::span<const FactSale> facts,
                                                      int64_t first_sale_id) {
  if (!claims_.empty() && claims_.size() + facts.size() > limit_) {
    std::vector<RowClaim> rows = TakeClaims();
    // The rest of the file is checked against what this write stores: remembered here, not in
    // Flush(), which also runs at commit, when nothing follows.
    if (!stored_before_ || stored_) {
      written_.Reserve(rows.size());
      for (const RowClaim& claim : rows) written_.Add(claim.hash.low, claim.hash.high);
      TILL_RETURN_IF_ERROR(runs_.Add(rows));
    }
    if (!at_commit_) TILL_RETURN_IF_ERROR(transport_.AppendRowClaims(rows));
  }
  std::vector<RowOwner> owners;
  // Without a filter of them, every stored claim may be any row's.
  const bool ask_all = stored_before_ && !stored_;
  if (ask_all || stored_ || !written_.empty()) {
    std::vector<RowHash> hashes;
    std::vector<size_t> asked;  // the fact of each hash looked up
    for (size_t i = 0; i < facts.size(); ++i) {
      const RowHash& hash = facts[i].row_hash;
      if (written_.MayHold(hash.low, hash.high)) {
        auto held = runs_.Holds(hash);
        TILL_RETURN_IF_ERROR(held);
        if (*held) {
          if (owners.empty()) owners.assign(facts.size(), RowOwner::kNone);
          owners[i] = RowOwner::kThisFile;
          continue;
        }
      }
      if (ask_all || (stored_ && stored_->MayHold(hash))) {
        hashes.push_back(hash);
        asked.push_back(i);
      }
    }
    if (!hashes.empty()) {
      auto found = transport_.FindRowOwners(hashes);
      TILL_RETURN_IF_ERROR(found);
      if (owners.empty()) owners.assign(facts.size(), RowOwner::kNone);
      for (size_t j = 0; j < asked.size(); ++j) owners[asked[j]] = (*found)[j];
    }
  }
  std::vector<const FactSale*> kept;
  kept.reserve(facts.size());
  std::vector<RowHolder> holders;
  int64_t sale_id = first_sale_id;
  for (size_t i = 0; i < facts.size(); ++i) {
    const FactSale& fact = facts[i];
    if (!owners.empty() && owners[i] != RowOwner::kNone) {
      // A row another file loaded: this file holds it too. One of this file's own, met again
      // after its claim was written, is a plain duplicate.
      if (owners[i] == RowOwner::kOtherFile) {
        holders.push_back(RowHolder{fact.row_hash, fact.source_line});
      }
      continue;
    }
    if (!claims_.try_emplace(fact.row_hash, sale_id).second) continue;  // its own row again
    if (lines_.empty()) first_held_ = sale_id;
    lines_.push_back(fact.source_line);
    ++sale_id;
    kept.push_back(&fact);
  }
  if (!holders.empty()) TILL_RETURN_IF_ERROR(transport_.AppendRowHolders(holders));
  return kept;
}

std::vector<RowClaim> RowClaims::TakeClaims() {
  std::vector<RowClaim> rows;
  rows.reserve(claims_.size());
  for (auto it = claims_.begin(); it != claims_.end();) {
    const int64_t sale_id = it->second;
    rows.push_back(
        RowClaim{it->first, sale_id, lines_[static_cast<size_t>(sale_id - first_held_)]});
    claims_.erase(it++);
  }
  claims_ = {};
  lines_ = {};
  return rows;
}

Status RowClaims::Flush() {
  std::vector<RowClaim> rows = TakeClaims();
  if (at_commit_ && !runs_.empty()) {
    // Every claim of the load, in one key order, a slice at a time.
    constexpr size_t kSlice = size_t{1} << 20;
    return runs_.Merge(
        rows, kSlice, [&](std::span<RowClaim> slice) { return transport_.AppendRowClaims(slice); });
  }
  if (rows.empty()) return {};
  return transport_.AppendRowClaims(rows);
}

}  // namespace till
