// StarLoad: the one WarehouseLoad, written once above every back end's LoadTransport. It
// decides what a load writes and when (the duplicate check, the customer versions, the
// calendar, the file's bookkeeping at commit); the transport only moves rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "warehouse/load/customer_versions.h"
#include "warehouse/load/load_transport.h"
#include "warehouse/load/row_claims.h"
#include "warehouse/warehouse.h"

namespace till {

struct LoadOptions {
  // How many row hashes a load keeps in memory before writing them (see RowClaims). Also caps
  // the customer versions kept (see CustomerVersions).
  size_t row_check_limit = WarehouseOptions{}.row_check_limit;
  // About 200 bytes each: a load keeps at most this many customer versions in memory.
  size_t max_pending_customers = 1'000'000;
};

class StarLoad final : public WarehouseLoad {
 public:
  // Begins the bulk write of `transport` and returns the load over it. On failure the transport
  // is destroyed, which rolls its transaction back.
  //
  // With `stored`, the warehouse's filter of its stored rows (kept by the caller across its
  // loads, and outliving this load): brought up to date first, it spares the lookup of every
  // row it says is not stored.
  static Result<std::unique_ptr<WarehouseLoad>> Start(std::unique_ptr<LoadTransport> transport,
                                                      const LoadOptions& options,
                                                      StoredRowFilter* stored = nullptr);

  int64_t file_id() const override { return transport_->file_id(); }
  Status UpsertMembers(Dimension dimension, std::span<const Member> members) override;
  Status EnsureDates(std::span<const int32_t> date_keys) override;
  Result<int64_t> AppendFacts(std::span<const FactSale> facts,
                              std::vector<uint8_t>* inserted = nullptr) override;
  Status AddRejects(std::span<const RejectRecord> rejects) override;
  Result<bool> HasCustomers() override { return customers_.stored_before(); }
  Result<std::vector<SeenRange>> UpsertCustomers(std::span<const CustomerWrite> versions) override;
  Result<std::vector<SeenRange>> WidenCustomers(std::span<const CustomerVersion> versions) override;
  Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> customer_ids) override;
  Status SetCustomersCurrent(std::span<const int64_t> customer_keys, bool current) override;
  // Kept, a step given again replacing its timing, and written with "finish" at commit.
  Status AddSteps(std::span<const StepTiming> steps) override;
  Status UnloadFile(int64_t file_id) override;
  Status SetLandingEntry(const LandingEntry& entry) override;
  Status RecordStreamRequest(const StreamRequest& request) override;
  // Ends the facts, writes the row claims and then the customer versions held in memory (the
  // claims first, so that their memory is free before the versions are written), ends the bulk
  // write, records the file's steps and counts, and commits.
  Status Commit(const FileOutcome& outcome) override;

 private:
  StarLoad(std::unique_ptr<LoadTransport> transport, const LoadOptions& options,
           const LoadStart& start, const StoredRowFilter* stored);

  std::unique_ptr<LoadTransport> transport_;
  RowClaims rows_;
  CustomerVersions customers_;
  std::vector<StepTiming> steps_;
  int64_t next_sale_id_;
};

}  // namespace till
