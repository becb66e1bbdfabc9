#include "warehouse/load/star_load.h"

#include <algorithm>
#include <chrono>
#include <span>

#include "base/clock.h"
#include "warehouse/calendar.h"

namespace till {

Result<std::unique_ptr<WarehouseLoad>> StarLoad::Start(std::unique_ptr<LoadTransport> transport,
                                                       const LoadOptions& options,
                                                       StoredRowFilter* stored) {
  auto start = transport->BeginBulk();
  TILL_RETURN_IF_ERROR(start);
  if (stored) {
    if (start->rows_stored) {
      TILL_RETURN_IF_ERROR(transport->ReadStoredRows(*stored));
    } else {
      stored->Clear();  // nothing is stored: the next load that finds rows reads them all
    }
  }
  return std::unique_ptr<WarehouseLoad>(new StarLoad(
      std::move(transport), options, *start, stored && stored->usable() ? stored : nullptr));
}

StarLoad::StarLoad(std::unique_ptr<LoadTransport> transport, const LoadOptions& options,
                   const LoadStart& start, const StoredRowFilter* stored)
    : transport_(std::move(transport)),
      rows_(*transport_, options.row_check_limit, start.rows_stored, stored,
            start.claims_at_commit),
      customers_(*transport_, std::min(options.max_pending_customers, options.row_check_limit),
                 start.customers_stored),
      next_sale_id_(start.next_sale_id) {}

Status StarLoad::UpsertMembers(Dimension dimension, std::span<const Member> members) {
  return transport_->UpsertMembers(dimension, members);
}

Status StarLoad::EnsureDates(std::span<const int32_t> date_keys) {
  if (date_keys.empty()) return {};
  auto bounds = transport_->DateBounds();
  TILL_RETURN_IF_ERROR(bounds);
  return transport_->AppendDates(CalendarDays(date_keys, *bounds));
}

Result<int64_t> StarLoad::AppendFacts(std::span<const FactSale> facts,
                                      std::vector<uint8_t>* inserted) {
  auto kept = rows_.Claim(facts, next_sale_id_);
  TILL_RETURN_IF_ERROR(kept);
  if (inserted) {
    inserted->assign(facts.size(), 0);
    for (const FactSale* fact : *kept) (*inserted)[static_cast<size_t>(fact - facts.data())] = 1;
  }
  if (!kept->empty()) TILL_RETURN_IF_ERROR(transport_->AppendFacts(*kept, next_sale_id_));
  next_sale_id_ += static_cast<int64_t>(kept->size());
  return static_cast<int64_t>(kept->size());
}

Status StarLoad::AddRejects(std::span<const RejectRecord> rejects) {
  return transport_->AppendRejects(rejects);
}

Result<std::vector<SeenRange>> StarLoad::UpsertCustomers(std::span<const CustomerWrite> versions) {
  return customers_.Upsert(versions);
}

Result<std::vector<SeenRange>> StarLoad::WidenCustomers(std::span<const CustomerVersion> versions) {
  return customers_.Widen(versions);
}

Result<std::vector<std::optional<CustomerVersion>>> StarLoad::CurrentCustomers(
    std::span<const std::string_view> customer_ids) {
  return customers_.Current(customer_ids);
}

Status StarLoad::SetCustomersCurrent(std::span<const int64_t> customer_keys, bool current) {
  return customers_.SetCurrent(customer_keys, current);
}

Status StarLoad::AddSteps(std::span<const StepTiming> steps) {
  for (const StepTiming& step : steps) {
    auto same = std::find_if(steps_.begin(), steps_.end(),
                             [&](const StepTiming& kept) { return kept.step == step.step; });
    if (same == steps_.end()) {
      steps_.push_back(step);
    } else {
      *same = step;
    }
  }
  return {};
}

Status StarLoad::UnloadFile(int64_t file_id) { return transport_->UnloadFile(file_id); }

Status StarLoad::SetLandingEntry(const LandingEntry& entry) {
  return transport_->Write(LandingEntryWrite(entry, FormatTimestamp(Clock::Real().Now())));
}

Status StarLoad::RecordStreamRequest(const StreamRequest& request) {
  return transport_->Write(
      StreamRequestWrite(request, transport_->file_id(), FormatTimestamp(Clock::Real().Now())));
}

Status StarLoad::Commit(const FileOutcome& outcome) {
  const auto start = std::chrono::steady_clock::now();
  TILL_RETURN_IF_ERROR(transport_->EndFacts());
  TILL_RETURN_IF_ERROR(rows_.Flush());
  TILL_RETURN_IF_ERROR(customers_.Flush());
  TILL_RETURN_IF_ERROR(transport_->EndBulk());
  // The work left after the last row (what was kept in memory written, indexes built, the
  // partition attached) is the step "finish"; the COMMIT that follows cannot record itself.
  const StepTiming finish{
      "finish", outcome.rows_loaded,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  TILL_RETURN_IF_ERROR(AddSteps(std::span(&finish, 1)));
  if (!steps_.empty()) TILL_RETURN_IF_ERROR(transport_->AppendSteps(steps_));
  TILL_RETURN_IF_ERROR(transport_->Write(FinishFileWrite(transport_->file_id(), outcome)));
  return transport_->Commit();
}

}  // namespace till
