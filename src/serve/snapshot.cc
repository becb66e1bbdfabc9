#include "serve/snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "base/clock.h"
#include "clean/row_cleaner.h"
#include "serve/cube_file.h"
#include "warehouse/reads.h"

namespace till {
namespace {

using Json = nlohmann::ordered_json;

Json TextOrNull(const std::optional<std::string>& value) {
  if (!value) return nullptr;
  return *value;
}

// Timestamps as both back ends write them, in the API's one form.
Json Timestamp(const std::optional<std::string_view>& value) {
  if (!value) return nullptr;
  auto seconds = ParseTimestamp(*value);
  if (!seconds) return std::string(*value);
  return FormatTimestamp(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(*seconds))));
}

// The cube's attributes and the warehouse's dimensions they come from.
constexpr std::pair<CubeBuilder::Attribute, SaleAttribute> kAttributes[] = {
    {CubeBuilder::Attribute::kGender, SaleAttribute::kGender},
    {CubeBuilder::Attribute::kIncome, SaleAttribute::kIncome},
    {CubeBuilder::Attribute::kPayment, SaleAttribute::kPaymentMethod},
    {CubeBuilder::Attribute::kShipping, SaleAttribute::kShippingMethod},
    {CubeBuilder::Attribute::kStatus, SaleAttribute::kOrderStatus},
    {CubeBuilder::Attribute::kFeedback, SaleAttribute::kFeedback},
};

}  // namespace

SnapshotReader::SnapshotReader(std::unique_ptr<Warehouse> warehouse, std::string cube_file)
    : warehouse_(std::move(warehouse)), cube_file_(std::move(cube_file)) {}

Result<std::shared_ptr<const Snapshot>> SnapshotReader::Refresh(
    std::shared_ptr<const Snapshot> current) {
  auto standby = warehouse_->Standby();
  TILL_RETURN_IF_ERROR(standby);
  replica_->Set(*standby);
  std::shared_ptr<const Snapshot> next;
  // One read transaction, so that the signature, the file list and the sales agree with each
  // other while loaders commit.
  Status read = warehouse_->ReadConsistently([&]() -> Status {
    auto snapshot = Read(current);
    if (!snapshot) return Unexpected<Error>(snapshot.error());
    next = std::move(*snapshot);
    return {};
  });
  TILL_RETURN_IF_ERROR(read);
  return next;
}

std::string_view CubeOriginName(CubeOrigin origin) {
  constexpr std::string_view kNames[] = {
      "none", "cube file", "cube file and the files loaded since", "last cube", "warehouse"};
  return kNames[static_cast<size_t>(origin)];
}

Status SnapshotReader::RefreshCube() {
  return warehouse_->ReadConsistently([&]() -> Status {
    auto loaded = ReadLoadedFiles(*warehouse_);
    TILL_RETURN_IF_ERROR(loaded);
    return UpdateCube(std::move(*loaded));
  });
}

Status SnapshotReader::SaveCube(std::chrono::seconds interval) {
  if (cube_saved_ || cube_file_.empty() || !cube_) return {};
  const auto now = std::chrono::steady_clock::now();
  if (last_save_ && now - *last_save_ < interval) return {};
  last_save_ = now;
  TILL_RETURN_IF_ERROR(CubeFile::Write(cube_file_, *cube_, loaded_files_));
  cube_saved_ = true;
  return {};
}

Result<std::shared_ptr<const Snapshot>> SnapshotReader::Read(
    std::shared_ptr<const Snapshot> current) {
  auto signature = ReadChangeSignature(*warehouse_);
  TILL_RETURN_IF_ERROR(signature);
  if (current && *signature == signature_) return current;

  auto loaded = ReadLoadedFiles(*warehouse_);
  TILL_RETURN_IF_ERROR(loaded);
  TILL_RETURN_IF_ERROR(UpdateCube(std::move(*loaded)));

  auto snapshot = std::make_shared<Snapshot>();
  snapshot->cube = cube_;
  snapshot->data_version = ++version_;
  snapshot->refreshed_at = FormatTimestamp(Clock::Real().Now());
  snapshot->warehouse = warehouse_->Describe();
  snapshot->replica = replica_;
  TILL_RETURN_IF_ERROR(ReadPipeline(*snapshot));
  signature_ = std::move(*signature);
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

Status SnapshotReader::UpdateCube(std::vector<LoadedFile> loaded) {
  bool from_file = false;
  if (!cube_ && !cube_file_.empty() && !cube_file_read_) {
    cube_file_read_ = true;
    auto contents = CubeFile::Read(cube_file_);
    if (contents) {
      cube_ = std::move(contents->cube);
      loaded_files_ = std::move(contents->files);
      from_file = true;
    } else if (contents.error().code() != ErrorCode::kNotFound) {
      cube_file_problem_ = contents.error().message();
    }
  }
  if (loaded != loaded_files_ || !cube_) {
    // The cube goes on from the last one only when the warehouse still holds each file it holds,
    // the same file (its hash and load); a file unloaded since, or one loaded again, makes it be
    // read again whole.
    bool grows = cube_ != nullptr;
    if (grows) {
      std::map<int64_t, const LoadedFile*> now;
      for (const LoadedFile& file : loaded) now.emplace(file.file_id, &file);
      for (const LoadedFile& file : loaded_files_) {
        auto it = now.find(file.file_id);
        if (it == now.end() || !(*it->second == file)) grows = false;
      }
    }
    std::set<int64_t> held;
    if (grows) {
      for (const LoadedFile& file : loaded_files_) held.insert(file.file_id);
    }
    // The builder lives only while a cube is made: the cube alone is held between refreshes, a
    // fraction of the builder's size, and the next builder starts from it.
    auto builder = grows ? std::make_unique<CubeBuilder>(*cube_) : std::make_unique<CubeBuilder>();
    // The builder holds the last cube's rows now: a cube no Snapshot shares (a load's update of
    // the file, a start from it) is let go, so that the two are not held whole together with the
    // new one. Should the read fail, the next one reads every sale.
    if (cube_.use_count() == 1) {
      cube_.reset();
      loaded_files_.clear();
    }
    Status read = ReadDimensions(*builder);
    std::vector<int64_t> unread;  // read in few statements, however many files and batches
    for (const LoadedFile& file : loaded) {
      if (!held.contains(file.file_id)) unread.push_back(file.file_id);
    }
    if (read) read = ReadSales(*builder, unread);
    TILL_RETURN_IF_ERROR(read);
    cube_ = std::make_shared<const Cube>(std::move(*builder).Build());
    builder.reset();
    loaded_files_ = std::move(loaded);
    origin_ = !grows      ? CubeOrigin::kWarehouse
              : from_file ? CubeOrigin::kFileRefreshed
                          : CubeOrigin::kRefreshed;
    cube_saved_ = false;
  } else if (from_file) {
    origin_ = CubeOrigin::kFile;
  }
  return {};
}

Status SnapshotReader::ReadDimensions(CubeBuilder& b) {
  auto products = ReadProducts(*warehouse_);
  TILL_RETURN_IF_ERROR(products);
  for (ProductMember& p : *products) {
    b.SetProduct(p.key, {std::move(p.category), std::move(p.brand), std::move(p.product_type),
                         std::move(p.product_name)});
  }
  auto locations = ReadLocations(*warehouse_);
  TILL_RETURN_IF_ERROR(locations);
  for (LocationMember& l : *locations) {
    b.SetLocation(l.key, {std::move(l.country), std::move(l.state), std::move(l.city)});
  }
  for (const auto& [attribute, stored] : kAttributes) {
    auto members = ReadAttributeMembers(*warehouse_, stored);
    TILL_RETURN_IF_ERROR(members);
    for (AttributeMember& m : *members) b.SetAttribute(attribute, m.key, std::move(m.label));
  }
  return {};
}

Status SnapshotReader::ReadSales(CubeBuilder& b, std::span<const int64_t> file_ids) {
  CubeBuilder::Sale sale;
  return ScanSales(*warehouse_, file_ids, [&](const SaleRow& row) -> Status {
    sale.date_key = row.date_key;
    sale.product_key = row.product_key;
    sale.location_key = row.location_key;
    sale.customer_id = row.customer_id;
    sale.age = row.age;
    sale.segment = row.segment;
    for (const auto& [attribute, stored] : kAttributes) {
      sale.attribute_keys[static_cast<size_t>(attribute)] =
          row.attribute_keys[static_cast<size_t>(stored)];
    }
    sale.rating = row.rating;
    sale.quantity = row.quantity;
    sale.amount = row.amount;
    sale.transaction_id = row.transaction_id;
    // Only a warehouse loaded before the plausible-amount rule can hold these; the cube sums
    // exactly only what the rule lets in, so it says so rather than serve wrong figures.
    if (!IsExactAmount(sale.amount) || static_cast<double>(sale.quantity) > kMaxQuantity) {
      return MakeError(ErrorCode::kBadFormat,
                       fmt::format("file {} holds a sale (quantity {}, total amount {}) beyond "
                                   "what a sale can be, loaded before Till refused implausible "
                                   "amounts; unload that file and load it again",
                                   row.file_id, sale.quantity, sale.amount));
    }
    if (!b.Add(sale)) {
      return MakeError(ErrorCode::kBadFormat,
                       fmt::format("file {}: the customer or transaction ids of the warehouse pass "
                                   "the 4 GiB the sales cube holds",
                                   row.file_id));
    }
    return {};
  });
}

Status SnapshotReader::ReadPipeline(Snapshot& snapshot) {
  constexpr auto kLimit = static_cast<int64_t>(kPipelineRows);
  auto runs = ReadRuns(*warehouse_, kLimit);
  TILL_RETURN_IF_ERROR(runs);
  for (const RunRecord& run : *runs) {
    snapshot.runs.push_back(Json{{"run_id", run.run_id},
                                 {"trigger", run.trigger},
                                 {"started_at", Timestamp(run.started_at)},
                                 {"finished_at", Timestamp(run.finished_at)},
                                 {"status", run.status},
                                 {"error", TextOrNull(run.error)},
                                 {"files", run.files},
                                 {"rows_loaded", run.rows_loaded},
                                 {"rows_rejected", run.rows_rejected},
                                 {"rows_duplicate", run.rows_duplicate},
                                 {"interrupted_at", Timestamp(run.interrupted_at)}});
  }
  auto files = ReadFiles(*warehouse_, kLimit);
  TILL_RETURN_IF_ERROR(files);
  for (const FileRecord& file : *files) {
    snapshot.files.push_back(Json{{"file_id", file.file_id},
                                  {"run_id", file.run_id},
                                  {"uri", file.uri},
                                  {"status", file.unloaded ? "unloaded" : file.status},
                                  {"rows_read", file.rows_read},
                                  {"rows_loaded", file.rows_loaded},
                                  {"rows_rejected", file.rows_rejected},
                                  {"rows_duplicate", file.rows_duplicate},
                                  {"started_at", Timestamp(file.started_at)},
                                  {"finished_at", Timestamp(file.finished_at)},
                                  {"error", TextOrNull(file.error)}});
  }
  auto reasons = ReadRejectReasons(*warehouse_);
  TILL_RETURN_IF_ERROR(reasons);
  for (const RejectReasonCount& reason : *reasons) {
    snapshot.reasons.push_back(Json{{"reason", reason.reason},
                                    {"column", TextOrNull(reason.column)},
                                    {"rows", reason.rows_rejected},
                                    {"values", reason.values_nulled}});
  }
  auto rejects = ReadRecentRejects(*warehouse_, kLimit);
  TILL_RETURN_IF_ERROR(rejects);
  for (const StoredReject& reject : *rejects) {
    snapshot.recent_rejects.push_back(
        Json{{"file_id", reject.file_id},
             {"uri", reject.uri},
             {"line", reject.line},
             {"column", TextOrNull(reject.column)},
             {"reason", reject.reason},
             {"message", DescribeIssue(reject.reason, reject.column.value_or(""))},
             {"row_rejected", reject.row_rejected}});
  }
  auto freshness = ReadFreshness(*warehouse_);
  TILL_RETURN_IF_ERROR(freshness);
  auto& f = snapshot.freshness;
  f.files_loaded = freshness->files_loaded;
  f.files_failed = freshness->files_failed;
  f.files_skipped = freshness->files_skipped;
  f.rows_loaded = freshness->rows_loaded;
  f.rows_rejected = freshness->rows_rejected;
  f.rows_duplicate = freshness->rows_duplicate;
  f.runs_running = freshness->runs_running;
  if (freshness->last_load_at) {
    f.last_success_epoch = ParseTimestamp(*freshness->last_load_at);
    f.last_success_at = Timestamp(freshness->last_load_at).get<std::string>();
  }
  return ReadStreams(snapshot);
}

Status SnapshotReader::ReadStreams(Snapshot& snapshot) {
  auto totals = ReadStreamTotals(*warehouse_);
  TILL_RETURN_IF_ERROR(totals);
  if (totals->empty()) return {};
  auto batches = ReadRecentStreamBatches(*warehouse_, kRecentStreamBatches);
  TILL_RETURN_IF_ERROR(batches);
  for (const StreamTotals& total : *totals) {
    Snapshot::Stream& stream = snapshot.streams.emplace_back();
    stream.source = "till stream";
    stream.batches = total.batches;
    stream.failed_batches = total.failed;
    stream.rows_loaded = total.rows_loaded;
    stream.rows_rejected = total.rows_rejected;
    stream.rows_duplicate = total.rows_duplicate;
    if (total.last_batch_at) {
      stream.last_batch_epoch = ParseTimestamp(*total.last_batch_at);
      stream.last_batch_at = Timestamp(total.last_batch_at).get<std::string>();
    }
    bool named = false;
    for (const StreamBatch& batch : *batches) {
      if (batch.kind != total.kind) continue;
      if (total.kind == StreamKind::kKinesis && !named) {
        // "kinesis:STREAM/shard:first-last": the newest batch names the stream.
        std::string_view uri = batch.uri;
        uri.remove_prefix(std::string_view("kinesis:").size());
        stream.source = fmt::format("kinesis://{}", uri.substr(0, uri.find('/')));
        named = true;
      }
      if (auto finished = ParseTimestamp(batch.finished_at)) {
        stream.recent.emplace_back(*finished, batch.rows_loaded);
      }
    }
    if (total.kind == StreamKind::kKinesis && !named) stream.source = "kinesis";
  }
  return {};
}

Result<CubeFileUpdate> UpdateCubeFile(std::unique_ptr<Warehouse> warehouse,
                                      const std::string& cube_file) {
  SnapshotReader reader(std::move(warehouse), cube_file);
  TILL_RETURN_IF_ERROR(reader.RefreshCube());
  CubeFileUpdate update;
  update.origin = reader.cube_origin();
  update.sales = reader.cube_rows();
  update.problem = reader.cube_file_problem();
  TILL_RETURN_IF_ERROR(reader.SaveCube(std::chrono::seconds(0)));
  return update;
}

}  // namespace till
