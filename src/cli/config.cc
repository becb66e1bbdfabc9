#include "cli/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace till {
namespace {

constexpr std::string_view kConfigKeys[] = {
    "warehouse",
    "max_reject_ratio",
    "file_partition_mib",
    "currency",
    "alerts.webhooks",
    "alerts.command",
    "alerts.reject_ratio",
    "alerts.freshness_minutes",
    "alerts.freshness_seconds",
    "alerts.failures_in_a_row",
    "alerts.at_risk_growth",
    "alerts.at_risk_min_clv",
    "segments.refresh_after_load",
    "serve.token_on_loopback",
    "serve.cube_after_load",
    "digest.every",
    "digest.at",
    "digest.since",
    "forecast.refresh",
    "forecast.by",
    "forecast.measures",
    "forecast.horizon",
    "forecast.anomaly_alerts",
};
// Tables of till.toml: their keys are listed one by one above.
constexpr std::string_view kConfigTables[] = {"alerts", "serve", "segments", "digest", "forecast"};

bool IsConfigKey(std::string_view key) {
  return std::find(std::begin(kConfigKeys), std::end(kConfigKeys), key) != std::end(kConfigKeys);
}

// The setting at `key` ("table.key"). Every key the parser reads goes through here, so that
// ConfigKeys() (and docs/configuration.md, which a test holds to it) cannot miss one.
toml::node_view<const toml::node> Setting(const toml::table& table, std::string_view key) {
  if (!IsConfigKey(key)) throw std::logic_error(fmt::format("{} is not in kConfigKeys", key));
  return table.at_path(key);
}

std::string ConfigPath(bool* explicit_path) {
  const char* path = std::getenv("TILL_CONFIG");
  *explicit_path = path != nullptr;
  return path ? path : "till.toml";
}

Result<toml::table> ParseConfigFile(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}:{}:{}: {}", path, e.source().begin.line,
                                 e.source().begin.column, e.description()));
  }
}

}  // namespace

std::span<const std::string_view> ConfigKeys() { return kConfigKeys; }

Result<ConfigFile> InspectConfigFile() {
  bool explicit_path = false;
  ConfigFile file;
  std::string path = ConfigPath(&explicit_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (explicit_path) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("TILL_CONFIG names {}, which does not exist", path));
    }
    return file;
  }
  file.path = path;
  auto table = ParseConfigFile(path);
  TILL_RETURN_IF_ERROR(table);
  // In the order of the file (the parser's tables iterate by name).
  std::vector<std::pair<uint32_t, std::string>> unknown;
  for (const auto& [key, node] : *table) {
    std::string name(key.str());
    bool is_table = std::find(std::begin(kConfigTables), std::end(kConfigTables), name) !=
                    std::end(kConfigTables);
    if (is_table && node.is_table()) {
      for (const auto& [inner, unused] : *node.as_table()) {
        std::string full = name + "." + std::string(inner.str());
        if (!IsConfigKey(full)) {
          unknown.emplace_back(inner.source().begin.line, full);
        }
      }
    } else if (!IsConfigKey(name)) {
      unknown.emplace_back(key.source().begin.line, name);
    }
  }
  std::sort(unknown.begin(), unknown.end());
  for (const auto& [line, name] : unknown) {
    file.unknown_keys.push_back(fmt::format("{} (line {})", name, line));
  }
  return file;
}

Result<Config> LoadConfig() {
  Config config;
  bool explicit_path = false;
  std::string path = ConfigPath(&explicit_path);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    auto parsed = ParseConfigFile(path);
    TILL_RETURN_IF_ERROR(parsed);
    const toml::table& table = *parsed;
    if (auto node = Setting(table, "warehouse")) {
      auto value = node.value<std::string>();
      if (!value) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: 'warehouse' must be a string", path));
      }
      config.warehouse = *value;
    }
    if (auto node = Setting(table, "max_reject_ratio")) {
      auto value = node.value<double>();
      if (!value || *value < 0 || *value > 1) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: 'max_reject_ratio' must be a number from 0 to 1", path));
      }
      config.max_reject_ratio = *value;
    }
    if (auto node = Setting(table, "file_partition_mib")) {
      auto value = node.value<int64_t>();
      if (!value || *value < 0 || *value > (int64_t{1} << 40)) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: 'file_partition_mib' must be a whole number of 0 or more", path));
      }
      config.file_partition_mib = *value;
    }
    if (auto node = Setting(table, "currency")) {
      auto value = node.value<std::string>();
      if (!value || value->size() > 8) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: 'currency' must be a symbol of up to 8 bytes", path));
      }
      config.currency = *value;
    }
    if (auto alerts = table["alerts"]; alerts && !alerts.is_table()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: 'alerts' must be a table ([alerts])", path));
    }
    auto bad = [&](std::string_view key, std::string_view what) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: {} must be {}", path, key, what));
    };
    if (auto node = Setting(table, "alerts.webhooks")) {
      auto* list = node.as_array();
      if (!list) return bad("alerts.webhooks", "a list of URLs");
      for (const auto& item : *list) {
        auto url = item.value<std::string>();
        if (!url || !(url->starts_with("http://") || url->starts_with("https://"))) {
          return bad("alerts.webhooks", "a list of http:// or https:// URLs");
        }
        config.alerts.webhooks.push_back(*url);
      }
    }
    if (auto node = Setting(table, "alerts.command")) {
      auto value = node.value<std::string>();
      if (!value) return bad("alerts.command", "a string");
      config.alerts.command = *value;
    }
    if (auto node = Setting(table, "alerts.reject_ratio")) {
      auto value = node.value<double>();
      if (!value || *value < 0 || *value > 1) {
        return bad("alerts.reject_ratio", "a number from 0 to 1");
      }
      config.alerts.reject_ratio = *value;
    }
    for (auto [key, scale] : {std::pair{"alerts.freshness_minutes", 60.0},
                              std::pair{"alerts.freshness_seconds", 1.0}}) {
      if (auto node = Setting(table, key)) {
        auto value = node.value<double>();
        if (!value || *value < 0) return bad(key, "a number of zero or more");
        config.alerts.freshness = std::chrono::seconds(static_cast<int64_t>(*value * scale));
      }
    }
    if (auto node = Setting(table, "alerts.failures_in_a_row")) {
      auto value = node.value<int64_t>();
      if (!value || *value < 1)
        return bad("alerts.failures_in_a_row", "a whole number of 1 or more");
      config.alerts.failures_in_a_row = static_cast<int>(*value);
    }
    for (auto [key, field] : {std::pair{"alerts.at_risk_growth", &AlertConfig::at_risk_growth},
                              std::pair{"alerts.at_risk_min_clv", &AlertConfig::at_risk_min_clv}}) {
      if (auto node = Setting(table, key)) {
        auto value = node.value<double>();
        if (!value || *value < 0 || !std::isfinite(*value)) {
          return bad(key, "a number of zero or more");
        }
        config.alerts.*field = *value;
      }
    }
    if (auto segments = table["segments"]; segments && !segments.is_table()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: 'segments' must be a table ([segments])", path));
    }
    if (auto node = Setting(table, "segments.refresh_after_load")) {
      if (!node.is_boolean()) return bad("segments.refresh_after_load", "true or false");
      config.segments.refresh_after_load = *node.value<bool>();
    }
    if (auto serve = table["serve"]; serve && !serve.is_table()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: 'serve' must be a table ([serve])", path));
    }
    if (auto node = Setting(table, "serve.token_on_loopback")) {
      auto value = node.value<bool>();
      if (!value || !node.is_boolean()) {
        return bad("serve.token_on_loopback", "true or false");
      }
      config.serve_token_on_loopback = *value;
    }
    if (auto node = Setting(table, "serve.cube_after_load")) {
      if (!node.is_boolean()) return bad("serve.cube_after_load", "true or false");
      config.serve_cube_after_load = *node.value<bool>();
    }
    if (auto digest = table["digest"]; digest && !digest.is_table()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: 'digest' must be a table ([digest])", path));
    }
    if (auto node = Setting(table, "digest.every")) {
      auto value = node.value<std::string>();
      auto every = value ? ParseEvery(*value) : std::nullopt;
      if (!every) return bad("digest.every", "a duration such as \"1d\", \"1w\" or \"6h\"");
      config.digest.every = *every;
    }
    if (auto node = Setting(table, "digest.at")) {
      auto value = node.value<std::string>();
      auto at = value ? ParseTimeOfDay(*value) : std::nullopt;
      if (!at) return bad("digest.at", "a time of day \"HH:MM\" (UTC)");
      config.digest.at = *at;
    }
    if (auto node = Setting(table, "digest.since")) {
      auto value = node.value<std::string>();
      auto days = value ? ParseDays(*value) : std::nullopt;
      if (!days) return bad("digest.since", "a number of days or weeks (\"1d\", \"7d\", \"2w\")");
      config.digest.days = *days;
    }
    if (config.digest.every.count() > 0 && config.alerts.webhooks.empty()) {
      return bad("digest.every", "left out, or alerts.webhooks set: the digest goes to them");
    }
    if (auto forecast = table["forecast"]; forecast && !forecast.is_table()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: 'forecast' must be a table ([forecast])", path));
    }
    for (auto [key, flag] :
         {std::pair{"forecast.refresh", &config.forecast.refresh},
          std::pair{"forecast.anomaly_alerts", &config.forecast.anomaly_alerts}}) {
      if (auto node = Setting(table, key)) {
        if (!node.is_boolean()) return bad(key, "true or false");
        *flag = *node.value<bool>();
      }
    }
    auto list = [&](const char* key, std::initializer_list<std::string_view> allowed,
                    std::vector<std::string>& into) -> Status {
      auto node = Setting(table, key);
      if (!node) return {};
      auto* items = node.as_array();
      std::string what = "a list of";
      for (std::string_view one : allowed) what += fmt::format(" \"{}\"", one);
      if (!items || items->empty()) return bad(key, what);
      into.clear();
      for (const auto& item : *items) {
        auto value = item.value<std::string>();
        if (!value || std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
          return bad(key, what);
        }
        into.push_back(*value);
      }
      return {};
    };
    TILL_RETURN_IF_ERROR(list("forecast.by",
                              {"total", "category", "country", "country,category", "brand"},
                              config.forecast.by));
    TILL_RETURN_IF_ERROR(
        list("forecast.measures", {"revenue", "units", "orders"}, config.forecast.measures));
    if (auto node = Setting(table, "forecast.horizon")) {
      auto value = node.value<int64_t>();
      if (!value || !node.is_integer() || *value < 1 || *value > 366) {
        return bad("forecast.horizon", "a whole number from 1 to 366");
      }
      config.forecast.horizon = static_cast<int>(*value);
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
