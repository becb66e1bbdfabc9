// The sales cube file `till serve` starts from (serve/cube_file.h), kept up to date by the loads
// themselves (`till ingest`, `till watch`), so that a first start after a load reads the file
// instead of every sale of the warehouse. till.toml's [serve] cube_after_load = false turns it
// off; a later `till serve` then reads the warehouse (and writes the file) as before.
#pragma once

#include <cstdint>

#include "cli/config.h"

namespace till {

// After a load that loaded something: the cube file of `config.warehouse` (DefaultCubeFile, as
// `till serve` finds it without --cube-file) brought up to date (UpdateCubeFile) on a
// connection of its own, outside the load's transactions. Never fails the load: a problem is
// logged as a warning (with `run_id`, the load's run, when not 0), and the next `till serve`
// reads what the file misses from the warehouse. Returns whether the file now holds the
// warehouse's sales.
bool UpdateCubeFileAfterLoad(const Config& config, int64_t run_id);

}  // namespace till
