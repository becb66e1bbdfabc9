// The PostgreSQL back end's side of a load (LoadTransport) and the records a load and the
// warehouse both write.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "warehouse/load/load_transport.h"
#include "warehouse/postgres/postgres_connection.h"
#include "warehouse/warehouse.h"

namespace till {

// Where a load's facts go: a partition of the file's own, attached to fact_sales_files at the
// end, or the table every stream batch appends to (fact_sales_batch), at the end.
enum class FactStorage { kFilePartition, kBatchPartition };

// The transport of a load whose transaction is open on `connection`, under the load lock, and
// whose etl_file record is `file_id`, its facts stored as `storage` says (see
// postgres_schema.cc, versions 1, 7, 9 and 10). Destroying it uncommitted rolls back.

// A batch's facts are held in memory up to `batch_fact_bytes`, then staged in a temporary table.
std::unique_ptr<LoadTransport> MakePostgresTransport(Connection& connection, int64_t file_id,
                                                     FactStorage storage,
                                                     size_t batch_fact_bytes = 64 << 20);

// Removes the rows only `file_id` holds and marks it unloaded, inside the caller's
// transaction: rows a still-loaded file held as duplicates move to the first such holder (into
// its partition), then the file's partition is dropped.
Status UnloadPostgresFile(Connection& connection, int64_t file_id);

// Runs a statement of the bookkeeping (load/bookkeeping.h), inside the caller's transaction.
Status RunBookkeeping(Connection& connection, const BookkeepingWrite& write);

// Appends the COPY line (for kCopyRejects) of an etl_reject record.
void AppendReject(std::string& out, int64_t file_id, const RejectRecord& reject);
inline constexpr std::string_view kCopyRejects =
    "COPY etl_reject (file_id, line, column_name, reason, message, raw_line, row_rejected) "
    "FROM STDIN";

}  // namespace till
