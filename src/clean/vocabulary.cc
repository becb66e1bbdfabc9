#include "clean/vocabulary.h"

#include "base/text.h"

namespace till {

Vocabulary::Vocabulary(const std::vector<std::string_view>& canonical) {
  for (std::string_view spelling : canonical) {
    exact_.emplace(spelling, spelling);
    folded_.emplace(FoldKey(spelling), spelling);
  }
}

std::optional<std::string_view> Vocabulary::Match(std::string_view value) const {
  // Most raw values are already canonical; the exact lookup avoids folding them.
  if (auto it = exact_.find(value); it != exact_.end()) return it->second;
  if (auto it = folded_.find(FoldKey(value)); it != folded_.end()) return it->second;
  return std::nullopt;
}

}  // namespace till
