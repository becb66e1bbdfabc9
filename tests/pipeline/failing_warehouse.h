// A warehouse that fails its Nth call: a fault injected at the warehouse interface, the way
// SQLite's tests sweep an I/O error over every call of a load.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "warehouse/warehouse.h"

namespace till::testing {

class FailingWarehouse final : public Warehouse {
 public:
  // Fails call number `fail_at` (1-based) of any method of the warehouse or its loads; 0 never.
  FailingWarehouse(Warehouse& inner, int fail_at) : inner_(inner), fail_at_(fail_at) {}

  int calls() const { return calls_; }

  // Runs before the next BeginLoad reaches the inner warehouse (once): what another loader does
  // while this one waits for the warehouse.
  void BeforeBeginLoad(std::function<void()> hook) { before_begin_load_ = std::move(hook); }

  // True when this call is the one to fail. Counts every call.
  bool Tick() { return ++calls_ == fail_at_; }

  static Unexpected<Error> Injected() {
    return MakeError(ErrorCode::kWarehouseError, "injected fault");
  }

  Status Migrate() override { return Tick() ? Injected() : inner_.Migrate(); }
  Result<int> SchemaVersion() override {
    if (Tick()) return Injected();
    return inner_.SchemaVersion();
  }
  int NewestSchemaVersion() const override { return inner_.NewestSchemaVersion(); }
  Result<std::string> LoadPrivilegeProblem() override {
    if (Tick()) return Injected();
    return inner_.LoadPrivilegeProblem();
  }
  Result<std::optional<StandbyStatus>> Standby() override {
    if (Tick()) return Injected();
    return inner_.Standby();
  }
  Result<int64_t> StartRun(std::string_view trigger) override {
    if (Tick()) return Injected();
    return inner_.StartRun(trigger);
  }
  Result<int64_t> MarkInterruptedRuns() override {
    if (Tick()) return Injected();
    return inner_.MarkInterruptedRuns();
  }
  Status FinishRun(int64_t run_id, bool ok, std::string_view error) override {
    return Tick() ? Injected() : inner_.FinishRun(run_id, ok, error);
  }
  Result<std::optional<int64_t>> FindLoadedContent(std::string_view sha256) override {
    if (Tick()) return Injected();
    return inner_.FindLoadedContent(sha256);
  }
  Result<std::unique_ptr<WarehouseLoad>> BeginLoad(int64_t run_id,
                                                   const FileOutcome& outcome) override;
  Status ReplaceCustomerSegments(std::span<const CustomerSegmentRow> rows) override {
    return Tick() ? Injected() : inner_.ReplaceCustomerSegments(rows);
  }
  Result<std::unique_ptr<WarehouseLoad>> BeginBatchLoad(int64_t run_id,
                                                        const FileOutcome& outcome) override;
  Result<int64_t> RecordFile(int64_t run_id, const FileOutcome& outcome,
                             std::span<const RejectRecord> rejects) override {
    if (Tick()) return Injected();
    return inner_.RecordFile(run_id, outcome, rejects);
  }
  Result<QueryResult> Query(std::string_view sql, std::span<const std::string> params) override {
    return inner_.Query(sql, params);  // reads are not part of a load
  }
  Status QueryRows(std::string_view sql, std::span<const std::string> params,
                   const RowVisitor& visit) override {
    return inner_.QueryRows(sql, params, visit);
  }
  Status ReadConsistently(const std::function<Status()>& reads) override {
    return inner_.ReadConsistently(reads);
  }
  Status WriteAtomically(const std::function<Status()>& writes) override {
    return inner_.WriteAtomically(writes);
  }
  std::string Describe() const override { return inner_.Describe(); }
  Result<std::vector<LandingEntry>> LandingEntries(std::string_view zone) override {
    return inner_.LandingEntries(zone);
  }
  Status RecordLandingEntry(const LandingEntry& entry, std::optional<int64_t> unload) override {
    return inner_.RecordLandingEntry(entry, unload);
  }
  Status LockWatcher(std::string_view zone) override { return inner_.LockWatcher(zone); }
  Status ForgetLandingKey(std::string_view zone, std::string_view key,
                          std::optional<int64_t> unload) override {
    return inner_.ForgetLandingKey(zone, key, unload);
  }
  Result<bool> ClaimLandingKey(std::string_view zone, std::string_view key) override {
    return inner_.ClaimLandingKey(zone, key);
  }
  Status ReleaseLandingKey(std::string_view zone, std::string_view key) override {
    return inner_.ReleaseLandingKey(zone, key);
  }
  Result<int64_t> RetryLandingKeys(std::string_view zone,
                                   std::span<const std::string> keys) override {
    return inner_.RetryLandingKeys(zone, keys);
  }
  Result<std::vector<RoleCredential>> CreateRoles(const RolePasswords& passwords) override {
    return inner_.CreateRoles(passwords);
  }

 private:
  Warehouse& inner_;
  int fail_at_;
  int calls_ = 0;
  std::function<void()> before_begin_load_;
};

class FailingLoad final : public WarehouseLoad {
 public:
  FailingLoad(FailingWarehouse& owner, std::unique_ptr<WarehouseLoad> inner)
      : owner_(owner), inner_(std::move(inner)) {}

  int64_t file_id() const override { return inner_->file_id(); }
  Status UpsertMembers(Dimension d, std::span<const Member> m) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->UpsertMembers(d, m);
  }
  Status EnsureDates(std::span<const int32_t> keys) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->EnsureDates(keys);
  }
  Result<int64_t> AppendFacts(std::span<const FactSale> facts,
                              std::vector<uint8_t>* inserted = nullptr) override {
    if (owner_.Tick()) return FailingWarehouse::Injected();
    return inner_->AppendFacts(facts, inserted);
  }
  Status AddRejects(std::span<const RejectRecord> rejects) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->AddRejects(rejects);
  }
  Result<bool> HasCustomers() override {
    if (owner_.Tick()) return FailingWarehouse::Injected();
    return inner_->HasCustomers();
  }
  Result<std::vector<SeenRange>> UpsertCustomers(std::span<const CustomerWrite> v) override {
    if (owner_.Tick()) return FailingWarehouse::Injected();
    return inner_->UpsertCustomers(v);
  }
  Result<std::vector<SeenRange>> WidenCustomers(std::span<const CustomerVersion> v) override {
    if (owner_.Tick()) return FailingWarehouse::Injected();
    return inner_->WidenCustomers(v);
  }
  Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> ids) override {
    if (owner_.Tick()) return FailingWarehouse::Injected();
    return inner_->CurrentCustomers(ids);
  }
  Status SetCustomersCurrent(std::span<const int64_t> keys, bool current) override {
    return owner_.Tick() ? FailingWarehouse::Injected()
                         : inner_->SetCustomersCurrent(keys, current);
  }
  Status AddSteps(std::span<const StepTiming> steps) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->AddSteps(steps);
  }
  Status UnloadFile(int64_t file_id) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->UnloadFile(file_id);
  }
  Status SetLandingEntry(const LandingEntry& entry) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->SetLandingEntry(entry);
  }
  Status RecordStreamRequest(const StreamRequest& request) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->RecordStreamRequest(request);
  }
  Status Commit(const FileOutcome& outcome) override {
    return owner_.Tick() ? FailingWarehouse::Injected() : inner_->Commit(outcome);
  }

 private:
  FailingWarehouse& owner_;
  std::unique_ptr<WarehouseLoad> inner_;
};

inline Result<std::unique_ptr<WarehouseLoad>> FailingWarehouse::BeginLoad(
    int64_t run_id, const FileOutcome& outcome) {
  if (Tick()) return Injected();
  if (before_begin_load_) std::exchange(before_begin_load_, nullptr)();
  auto load = inner_.BeginLoad(run_id, outcome);
  if (!load) return Unexpected<Error>(load.error());
  return std::unique_ptr<WarehouseLoad>(std::make_unique<FailingLoad>(*this, std::move(*load)));
}

inline Result<std::unique_ptr<WarehouseLoad>> FailingWarehouse::BeginBatchLoad(
    int64_t run_id, const FileOutcome& outcome) {
  if (Tick()) return Injected();
  auto load = inner_.BeginBatchLoad(run_id, outcome);
  if (!load) return Unexpected<Error>(load.error());
  return std::unique_ptr<WarehouseLoad>(std::make_unique<FailingLoad>(*this, std::move(*load)));
}

}  // namespace till::testing
