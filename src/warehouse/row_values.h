// The values of a row that Warehouse::Query hands to its callback (text, or null), read as the
// types the typed reads and writes of this folder return. Internal to src/warehouse/.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace till::row_values {

using Row = std::span<const std::optional<std::string_view>>;

// A whole number; 0 for null or text that is not one.
inline int64_t Int(const std::optional<std::string_view>& value) {
  int64_t out = 0;
  if (value) std::from_chars(value->data(), value->data() + value->size(), out);
  return out;
}

inline std::optional<int64_t> OptionalInt(const std::optional<std::string_view>& value) {
  if (!value) return std::nullopt;
  return Int(value);
}

// A number; 0 for null or text that is not one.
inline double Real(const std::optional<std::string_view>& value) {
  double out = 0;
  if (value) std::from_chars(value->data(), value->data() + value->size(), out);
  return out;
}

inline std::optional<double> OptionalReal(const std::optional<std::string_view>& value) {
  if (!value) return std::nullopt;
  return Real(value);
}

// The text; empty for null.
inline std::string Text(const std::optional<std::string_view>& value) {
  return value ? std::string(*value) : std::string();
}

inline std::optional<std::string> OptionalText(const std::optional<std::string_view>& value) {
  if (!value) return std::nullopt;
  return std::string(*value);
}

}  // namespace till::row_values
