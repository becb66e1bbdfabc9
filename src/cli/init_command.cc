// `till init`: creates or upgrades the warehouse schema, and on PostgreSQL its login roles.
#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/output.h"

namespace till {
namespace {

// Prints each role, and a generated password once.
int CreateRoles(Warehouse& warehouse) {
  auto from_env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value ? value : "");
  };
  auto roles = warehouse.CreateRoles(
      RolePasswords{from_env("TILL_LOADER_PASSWORD"), from_env("TILL_READER_PASSWORD")});
  if (!roles) return Fail(roles.error());
  for (const RoleCredential& role : *roles) {
    fmt::print("role {} {}", role.role, role.created ? "created" : "updated");
    if (!role.generated_password.empty()) {
      fmt::print(" with password {} (shown only now)", role.generated_password);
    }
    fmt::print("\n");
  }
  return kExitOk;
}

int RunInit(const Config& config, bool create_roles) {
  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  auto version = (*warehouse)->SchemaVersion();
  if (!version) return Fail(version.error());
  fmt::print("{} is at schema version {}\n", (*warehouse)->Describe(), *version);
  if (create_roles) return CreateRoles(**warehouse);
  return kExitOk;
}

}  // namespace

Command AddInitCommand(CLI::App& app, Config& config) {
  auto create_roles = std::make_shared<bool>(false);
  auto* init = app.add_subcommand("init", "Create or upgrade the warehouse schema");
  AddWarehouseOption(*init, config);
  init->add_flag("--create-roles", *create_roles,
                 "PostgreSQL: create the login roles till_loader (owns and loads the warehouse) "
                 "and till_reader (reads the reporting views, personal data masked); passwords "
                 "from TILL_LOADER_PASSWORD and TILL_READER_PASSWORD, or generated and printed "
                 "once");
  return {init, [create_roles, &config] { return RunInit(config, *create_roles); }};
}

}  // namespace till
