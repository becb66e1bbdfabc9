#include "cli/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>

namespace till {

Result<Config> LoadConfig() {
  Config config;
  const char* explicit_path = std::getenv("TILL_CONFIG");
  std::string path = explicit_path ? explicit_path : "till.toml";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}:{}:{}: {}", path, e.source().begin.line,
                                   e.source().begin.column, e.description()));
    }
    if (auto node = table["warehouse"]) {
      auto value = node.value<std::string>();
      if (!value) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: 'warehouse' must be a string", path));
      }
      config.warehouse = *value;
    }
    if (auto node = table["max_reject_ratio"]) {
      auto value = node.value<double>();
      if (!value || *value < 0 || *value > 1) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: 'max_reject_ratio' must be a number from 0 to 1", path));
      }
      config.max_reject_ratio = *value;
    }
  } else if (explicit_path) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("TILL_CONFIG names {}, which does not exist", path));
  }
  if (const char* warehouse = std::getenv("TILL_WAREHOUSE"); warehouse && *warehouse) {
    config.warehouse = warehouse;
  }
  return config;
}

}  // namespace till
