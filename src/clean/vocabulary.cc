#include "clean/vocabulary.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "base/text.h"

namespace till {
namespace {

// A string of up to 16 bytes is fully determined by its size and these two words: 8..16 bytes
// are two overlapping 8-byte loads, 4..7 bytes two overlapping 4-byte loads, and 1..3 bytes
// their first, middle and last byte. A longer string is only summarised by them.
struct Words {
  uint64_t head = 0;
  uint64_t tail = 0;
};

Words WordsOf(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
  Words words;
  if (n >= 8) {
    std::memcpy(&words.head, p, 8);
    std::memcpy(&words.tail, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t head;
    uint32_t tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    words.head = head;
    words.tail = tail;
  } else if (n > 0) {
    words.head = static_cast<unsigned char>(p[0]) |
                 static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
                 static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
  }
  return words;
}

constexpr size_t kWordsHoldAll = 16;

size_t HashOf(const Words& words, size_t size) {
  uint64_t h = (words.head ^ 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
  h ^= (words.tail + size) * 0x94D049BB133111EBull;
  return static_cast<size_t>(h ^ (h >> 29));
}

}  // namespace

void Vocabulary::Table::Build(const std::vector<std::string>& keys) {
  keys_ = keys;
  size_t capacity = std::bit_ceil(keys.size() * 2 + 2);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (Find(keys[i]) >= 0) continue;  // a duplicate: the first one stays
    Words words = WordsOf(keys[i]);
    size_t at = HashOf(words, keys[i].size()) & mask_;
    while (slots_[at].index >= 0) at = (at + 1) & mask_;
    slots_[at] = Slot{words.head, words.tail, static_cast<uint32_t>(keys[i].size()),
                      static_cast<int32_t>(i)};
    max_key_size_ = std::max(max_key_size_, keys[i].size());
  }
}

int Vocabulary::Table::Find(std::string_view key) const {
  if (slots_.empty()) return -1;
  Words words = WordsOf(key);
  for (size_t at = HashOf(words, key.size()) & mask_;; at = (at + 1) & mask_) {
    const Slot& slot = slots_[at];
    if (slot.index < 0) return -1;
    if (slot.size == key.size() && slot.head == words.head && slot.tail == words.tail &&
        (key.size() <= kWordsHoldAll || keys_[static_cast<size_t>(slot.index)] == key)) {
      return slot.index;
    }
  }
}

Vocabulary::Vocabulary(const std::vector<std::string_view>& canonical) : canonical_(canonical) {
  std::vector<std::string> exact;
  std::vector<std::string> folded;
  for (std::string_view spelling : canonical) {
    exact.emplace_back(spelling);
    folded.push_back(FoldKey(spelling));
  }
  exact_.Build(exact);
  folded_.Build(folded);
}

int Vocabulary::Find(std::string_view value) const {
  // Most raw values are already canonical; the exact lookup avoids folding them.
  if (int index = exact_.Find(value); index >= 0) return index;
  // Folded on the stack: a value whose key is longer than every key in the table matches none.
  char buffer[64];
  size_t size = FoldKeyTo(value, buffer, sizeof buffer);
  if (size > folded_.max_key_size()) return -1;
  if (size <= sizeof buffer) return folded_.Find(std::string_view(buffer, size));
  return folded_.Find(FoldKey(value));
}

}  // namespace till
