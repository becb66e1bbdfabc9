// The warehouse back ends, for suites that run alike on each: SQLite in a file of a temporary
// folder, PostgreSQL in a database of its own on the test binary's shared throwaway cluster
// (pg_cluster.h; link till_test_pg).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "support/pg_cluster.h"
#include "support/temp_dir.h"

namespace till::testing {

enum class Backend { kSqlite, kPostgres };

inline constexpr Backend kBackends[] = {Backend::kSqlite, Backend::kPostgres};

// "SQLite" or "PostgreSQL", for test names.
inline std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "SQLite" : "PostgreSQL";
}

// The location of a new, empty warehouse on `backend`: the file `name`.db in `dir`, or a new
// database on the shared cluster (started on first use). Fails the test when the database
// cannot be created; throws, failing the test, when the cluster cannot start.
inline std::string NewWarehouseLocation(Backend backend, const TempDir& dir,
                                        std::string_view name) {
  if (backend == Backend::kSqlite) return dir.Path(std::string(name) + ".db");
  PgCluster& cluster = SharedPgCluster();
  std::string database = UniqueDatabaseName();
  std::string error;
  EXPECT_TRUE(cluster.CreateDatabase(database, &error)) << error;
  return cluster.Url(database);
}

}  // namespace till::testing
