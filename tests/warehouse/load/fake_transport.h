// An in-memory LoadTransport for testing the load policy without a database: tables as plain
// containers, and a log of the calls that matter to the policy's decisions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "warehouse/load/load_transport.h"

namespace till::testing {

// What a warehouse holds, shared by the loads made on it.
struct FakeTables {
  struct Fact {
    int64_t sale_id;
    int64_t file_id;
    int64_t source_line;
  };
  struct Customer {
    int64_t key;
    std::optional<std::string> id;
    SeenRange seen;
    bool current;
  };
  struct Holder {
    RowHash hash;
    int64_t file_id;
    int64_t source_line;
    friend bool operator==(const Holder&, const Holder&) = default;
  };

  std::vector<Fact> facts;
  std::map<std::pair<uint64_t, uint64_t>, RowClaim> rows;  // fact_sales_row by hash
  std::vector<int64_t> row_files;                          // file of each claim, as appended
  std::vector<RowHash> claim_order;                        // each claim's hash, as appended
  std::vector<Holder> holders;
  std::vector<Customer> customers;  // besides Unknown, in the order appended
  std::vector<int32_t> dates;
  // The back end wants an empty claim table written at commit, in key order (SQLite's).
  bool claims_at_commit = false;
  int64_t next_file_id = 1;

  const Fact* FactOf(const RowClaim& claim) const {
    for (const Fact& fact : facts) {
      if (fact.sale_id == claim.sale_id) return &fact;
    }
    return nullptr;
  }
  Customer* CustomerOf(int64_t key) {
    auto it = customer_at.find(key);
    return it == customer_at.end() ? nullptr : &customers[it->second];
  }
  std::unordered_map<int64_t, size_t> customer_at;  // index into customers, by key
};

class FakeTransport final : public LoadTransport {
 public:
  FakeTransport(FakeTables& tables, std::vector<std::string>& log)
      : tables_(tables), log_(log), file_id_(tables.next_file_id++) {}

  int64_t file_id() const override { return file_id_; }

  Result<LoadStart> BeginBulk() override {
    log_.push_back("begin");
    LoadStart start;
    for (const auto& fact : tables_.facts) {
      start.next_sale_id = std::max(start.next_sale_id, fact.sale_id + 1);
    }
    start.rows_stored = !tables_.rows.empty();
    start.customers_stored = !tables_.customers.empty();
    start.claims_at_commit = tables_.claims_at_commit && !start.rows_stored;
    return start;
  }
  Status EndBulk() override {
    log_.push_back("end");
    return {};
  }
  Status UpsertMembers(Dimension, std::span<const Member>) override { return {}; }
  Result<std::optional<std::pair<int32_t, int32_t>>> DateBounds() override {
    if (tables_.dates.empty()) return std::optional<std::pair<int32_t, int32_t>>();
    auto [low, high] = std::minmax_element(tables_.dates.begin(), tables_.dates.end());
    return std::optional<std::pair<int32_t, int32_t>>(std::pair{*low, *high});
  }
  Status AppendDates(std::span<const CalendarDay> days) override {
    for (const CalendarDay& day : days) {
      if (std::find(tables_.dates.begin(), tables_.dates.end(), day.key) == tables_.dates.end()) {
        tables_.dates.push_back(day.key);
      }
    }
    return {};
  }
  Status AppendFacts(std::span<const FactSale* const> facts, int64_t first_sale_id) override {
    for (const FactSale* fact : facts) {
      tables_.facts.push_back({first_sale_id++, file_id_, fact->source_line});
    }
    return {};
  }
  Result<std::vector<RowOwner>> FindRowOwners(std::span<const RowHash> hashes) override {
    ++row_lookups;
    rows_asked += static_cast<int64_t>(hashes.size());
    std::vector<RowOwner> owners;
    for (const RowHash& hash : hashes) {
      auto it = tables_.rows.find({hash.high, hash.low});
      if (it == tables_.rows.end()) {
        owners.push_back(RowOwner::kNone);
      } else {
        const auto* fact = tables_.FactOf(it->second);
        owners.push_back(fact && fact->file_id == file_id_ ? RowOwner::kThisFile
                                                           : RowOwner::kOtherFile);
      }
    }
    return owners;
  }
  Status AppendRowClaims(std::span<RowClaim> claims) override {
    log_.push_back("claims " + std::to_string(claims.size()));
    for (const RowClaim& claim : claims) {
      bool added = tables_.rows.emplace(std::pair{claim.hash.high, claim.hash.low}, claim).second;
      if (!added) return MakeError(ErrorCode::kInternal, "a claim stored twice");
      tables_.claim_order.push_back(claim.hash);
    }
    return {};
  }
  // The mark is the number of claims read, in the order they were appended.
  Status ReadStoredRows(StoredRowFilter& filter) override {
    ++stored_readings;
    size_t read = filter.mark().empty() ? 0 : std::stoul(filter.mark());
    if (filter.mark().empty()) filter.Clear();
    for (; read < tables_.claim_order.size(); ++read) filter.Add(tables_.claim_order[read]);
    filter.set_mark(std::to_string(read));
    return {};
  }
  Status AppendRowHolders(std::span<const RowHolder> holders) override {
    for (const RowHolder& holder : holders) {
      tables_.holders.push_back({holder.hash, file_id_, holder.source_line});
    }
    return {};
  }
  Status AppendRejects(std::span<const RejectRecord>) override { return {}; }
  Status AppendCustomers(std::span<const CustomerRow> versions) override {
    log_.push_back("customers " + std::to_string(versions.size()));
    for (const CustomerRow& version : versions) {
      if (tables_.CustomerOf(version.member.key)) {
        return MakeError(ErrorCode::kInternal, "a customer version stored twice");
      }
      auto id = version.member.attribute(0);
      tables_.customer_at.emplace(version.member.key, tables_.customers.size());
      tables_.customers.push_back({version.member.key,
                                   id ? std::optional<std::string>(*id) : std::nullopt,
                                   version.seen, version.current});
    }
    return {};
  }
  Result<std::vector<std::optional<SeenRange>>> FindCustomers(
      std::span<const int64_t> keys) override {
    ++customer_lookups;
    customer_keys_asked += static_cast<int64_t>(keys.size());
    std::vector<std::optional<SeenRange>> found;
    for (int64_t key : keys) {
      auto* customer = tables_.CustomerOf(key);
      found.push_back(customer ? std::optional<SeenRange>(customer->seen) : std::nullopt);
    }
    return found;
  }
  Status SetCustomersSeen(std::span<const CustomerVersion> versions) override {
    for (const CustomerVersion& version : versions) {
      log_.push_back("seen " + std::to_string(version.key));
      tables_.CustomerOf(version.key)->seen = version.seen;
    }
    return {};
  }
  Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> customer_ids) override {
    ++current_lookups;
    customer_ids_asked += static_cast<int64_t>(customer_ids.size());
    std::vector<std::optional<CustomerVersion>> found;
    for (std::string_view id : customer_ids) {
      auto& version = found.emplace_back();
      for (const auto& customer : tables_.customers) {
        if (customer.current && customer.id == id) version = {customer.key, customer.seen};
      }
    }
    return found;
  }
  Status SetCustomersCurrent(std::span<const int64_t> keys, bool current) override {
    for (int64_t key : keys) tables_.CustomerOf(key)->current = current;
    return {};
  }
  Status AppendSteps(std::span<const StepTiming>) override { return {}; }
  Status UnloadFile(int64_t) override { return {}; }
  Status Write(const BookkeepingWrite& write) override {
    if (write.sql.starts_with("UPDATE etl_file")) log_.push_back("file");
    return {};
  }
  Status Commit() override {
    log_.push_back("commit");
    return {};
  }

  int row_lookups = 0;
  int stored_readings = 0;
  int customer_lookups = 0;
  int current_lookups = 0;
  // What those calls asked about: row hashes, customer keys, customer ids.
  int64_t rows_asked = 0;
  int64_t customer_keys_asked = 0;
  int64_t customer_ids_asked = 0;

 private:
  FakeTables& tables_;
  std::vector<std::string>& log_;
  const int64_t file_id_;
};

}  // namespace till::testing
