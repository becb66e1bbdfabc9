#include "warehouse/load/row_claims.h"

namespace till {

Result<std::vector<const FactSale*>> RowClaims::Claim(std::span<const FactSale> facts,
                                                      int64_t first_sale_id) {
  if (!claims_.empty() && claims_.size() + facts.size() > limit_) {
    // The rest of the file is checked against what this write stores: remembered here, not in
    // Flush(), which also runs at commit, when nothing follows.
    if (!stored_before_ || stored_) {
      written_.Reserve(claims_.size());
      std::vector<RowHash> hashes;
      hashes.reserve(claims_.size());
      for (const auto& [hash, sale_id] : claims_) {
        written_.Add(hash.low, hash.high);
        hashes.push_back(hash);
      }
      TILL_RETURN_IF_ERROR(runs_.Add(hashes));
    }
    TILL_RETURN_IF_ERROR(Flush());
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

Status RowClaims::Flush() {
  if (claims_.empty()) return {};
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
  return transport_.AppendRowClaims(rows);
}

}  // namespace till
