// Canonical spellings of one categorical attribute. Raw values match a canonical spelling
// when they are equal after FoldKey (case, spaces, hyphens and underscores ignored).
#pragma once

#include <cstddef>
#include <cstdint>
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

  // The index (into the constructor's list) of the canonical spelling `value` stands for, or
  // -1 for a value not in the vocabulary. Where the list holds a spelling twice, or two that
  // fold alike, the first is the one matched. Thread-safe (const after construction).
  int Find(std::string_view value) const;

  // The canonical spelling at `index`, a result of Find.
  std::string_view spelling(int index) const { return canonical_[static_cast<size_t>(index)]; }

  // The canonical spelling `value` stands for, or nullopt for a value not in the vocabulary.
  std::optional<std::string_view> Match(std::string_view value) const {
    int index = Find(value);
    if (index < 0) return std::nullopt;
    return spelling(index);
  }

 private:
  // A fixed set of strings looked up by their exact bytes. The cleaner looks up every
  // categorical field of every row, and absl::flat_hash_map<std::string_view> spent most of
  // that in hashing whole strings and in out-of-line memcmp calls. Here a string is read as its
  // length and two (overlapping) words that together hold every byte of a string of up to 16
  // bytes: one multiply-mix of them is the hash, and comparing them is the equality test. Open
  // addressing with linear probing, at most half full; the sets hold at most a few hundred
  // names.
  class Table {
   public:
    // Maps keys[i] to i; the first of equal keys wins.
    void Build(const std::vector<std::string>& keys);
    int Find(std::string_view key) const;
    size_t max_key_size() const { return max_key_size_; }

   private:
    struct Slot {
      uint64_t head = 0;  // the key's Words
      uint64_t tail = 0;
      uint32_t size = 0;
      int32_t index = -1;  // -1: empty
    };
    std::vector<Slot> slots_;
    std::vector<std::string> keys_;  // for keys longer than the two words hold
    size_t mask_ = 0;
    size_t max_key_size_ = 0;
  };

  std::vector<std::string_view> canonical_;
  Table exact_;
  Table folded_;
};

}  // namespace till
