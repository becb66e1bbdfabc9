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
    if (auto alerts = table["alerts"]) {
      if (!alerts.is_table()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: 'alerts' must be a table ([alerts])", path));
      }
      auto bad = [&](std::string_view key, std::string_view what) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: alerts.{} must be {}", path, key, what));
      };
      if (auto node = alerts["webhooks"]) {
        auto* list = node.as_array();
        if (!list) return bad("webhooks", "a list of URLs");
        for (const auto& item : *list) {
          auto url = item.value<std::string>();
          if (!url || !(url->starts_with("http://") || url->starts_with("https://"))) {
            return bad("webhooks", "a list of http:// or https:// URLs");
          }
          config.alerts.webhooks.push_back(*url);
        }
      }
      if (auto node = alerts["command"]) {
        auto value = node.value<std::string>();
        if (!value) return bad("command", "a string");
        config.alerts.command = *value;
      }
      if (auto node = alerts["reject_ratio"]) {
        auto value = node.value<double>();
        if (!value || *value < 0 || *value > 1) return bad("reject_ratio", "a number from 0 to 1");
        config.alerts.reject_ratio = *value;
      }
      for (auto [key, scale] :
           {std::pair{"freshness_minutes", 60.0}, std::pair{"freshness_seconds", 1.0}}) {
        if (auto node = alerts[key]) {
          auto value = node.value<double>();
          if (!value || *value < 0) return bad(key, "a number of zero or more");
          config.alerts.freshness = std::chrono::seconds(static_cast<int64_t>(*value * scale));
        }
      }
      if (auto node = alerts["failures_in_a_row"]) {
        auto value = node.value<int64_t>();
        if (!value || *value < 1) return bad("failures_in_a_row", "a whole number of 1 or more");
        config.alerts.failures_in_a_row = static_cast<int>(*value);
      }
    }
    if (auto serve = table["serve"]) {
      if (!serve.is_table()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: 'serve' must be a table ([serve])", path));
      }
      if (auto node = serve["token_on_loopback"]) {
        auto value = node.value<bool>();
        if (!value || !node.is_boolean()) {
          return MakeError(ErrorCode::kInvalidArgument,
                           fmt::format("{}: serve.token_on_loopback must be true or false", path));
        }
        config.serve_token_on_loopback = *value;
      }
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
