// Canonical spellings of one categorical attribute. Raw values match a canonical spelling
// when they are equal after FoldKey (case, spaces, hyphens and underscores ignored).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace till {

class Vocabulary {
 public:
  Vocabulary() = default;
  // `canonical` views must outlive the vocabulary (they point at static or Domains data).
  explicit Vocabulary(const std::vector<std::string_view>& canonical);

  // The canonical spelling `value` stands for, or nullopt for a value not in the vocabulary.
  // Thread-safe (const after construction).
  std::optional<std::string_view> Match(std::string_view value) const;

 private:
  absl::flat_hash_map<std::string_view, std::string_view> exact_;
  absl::flat_hash_map<std::string, std::string_view> folded_;
};

}  // namespace till
