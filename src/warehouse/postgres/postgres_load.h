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

// Where a load's facts go (see postgres_schema.cc, version 11): a partition of the file's own,
// attached to fact_sales at the end; the table small files share (fact_sales_shared); or the
// table every stream batch appends to (fact_sales_batch). Into either shared table the facts go
// at the end, by one statement.
enum class FactStorage { kFilePartition, kSharedTable, kBatchPartition };

// The transport of a load whose transaction is open on `connection`, under the load lock, and
// whose etl_file record is `file_id`, its facts stored as `storage` says (see
// postgres_schema.cc, versions 1, 7, 9, 10 and 11). Destroying it uncommitted rolls back.
//
// A file's own partition is copied and indexed through `staging`, a second connection to the
// same database, when given: beside the row claims and customer versions this one writes.
//
// Facts bound for a shared table are held in memory up to `held_fact_bytes`, then staged in a
// temporary table. Once fact_sales_shared holds `shared_table_bytes` or more, the load that
// brought it there closes it into a block (till_close_shared_facts), so that the one scan a
// close costs stays bounded.
std::unique_ptr<LoadTransport> MakePostgresTransport(Connection& connection, Connection* staging,
                                                     int64_t file_id, FactStorage storage,
                                                     size_t held_fact_bytes = 64 << 20,
                                                     int64_t shared_table_bytes = int64_t{256}
                                                                                  << 20);

// Brings a filter of the stored rows up to date (see LoadTransport::ReadStoredRows), inside the
// caller's transaction, which holds the load lock; `own_file_id`: the load's own file id, whose
// claims are not committed yet, or 0 outside a load.
Status ReadPostgresStoredRows(Connection& connection, StoredRowFilter& filter, int64_t own_file_id);

// Removes the rows only `file_id` holds and marks it unloaded, inside the caller's
// transaction: rows a still-loaded file held as duplicates move to the first such holder (into
// its partition), then the file's partition is dropped, or its rows in a shared table deleted.
Status UnloadPostgresFile(Connection& connection, int64_t file_id);

// Runs a statement of the bookkeeping (load/bookkeeping.h), inside the caller's transaction.
Status RunBookkeeping(Connection& connection, const BookkeepingWrite& write);

// Appends the COPY line (for kCopyRejects) of an etl_reject record.
void AppendReject(std::string& out, int64_t file_id, const RejectRecord& reject);
inline constexpr std::string_view kCopyRejects =
    "COPY etl_reject (file_id, line, column_name, reason, message, raw_line, row_rejected) "
    "FROM STDIN";

}  // namespace till
