// What a load has written of its own before commit (row claims, customer versions), remembered
// so that the rest of the file need not ask the warehouse about every row.
//
// Why: a load keeps its row hashes and new customer versions in memory up to a limit, then
// writes them and, until now, looked every later row up in the warehouse: on a file of 30
// million rows into an empty warehouse, 26 million B-tree descents into tables larger than any
// cache, and most of the load's time. When the tables held nothing before the load began (loads
// are serialized, so nothing else writes them meanwhile), only what the load itself wrote can be
// there, and this filter says of nearly every row that it is not.
//
// A blocked Bloom filter: each key sets 6 bits of one 64-byte block, 16 to 32 bits a key (the
// blocks are rounded up to a power of two), so a key not added is taken for one added once in
// 800 to 21,000 times for each part of the filter (then the warehouse is asked, as before), and a
// look costs a cache line for each part. The parts double in size, so that there are few: with
// a part for each write, a load of 30 million rows looked at 30 of them for each customer
// version (3.7% of its profile's samples fell in the function making those looks). Written
// here rather than taken from a library because the keys are already uniform hashes: a general
// filter would hash them again and touch a cache line for each bit. Not thread-safe.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace till {

class SpillFilter {
 public:
  // Makes room for the next `keys` keys: a load reserves what each of its writes wrote, before
  // adding it. Parts grow by doubling, so that a look costs a cache line a part, a few dozen at
  // most whatever the number of keys, for at most about twice their memory.
  void Reserve(size_t keys) {
    if (!filters_.empty() && filters_.back().capacity - filters_.back().keys >= keys) return;
    const size_t last = filters_.empty() ? 0 : filters_.back().capacity;
    const size_t capacity = std::max({keys, 2 * last, kFirstPart});
    const size_t blocks = std::bit_ceil(std::max<size_t>(capacity * kBitsPerKey / kBlockBits, 1));
    filters_.push_back(Filter{std::vector<Block>(blocks), blocks - 1, capacity, 0});
  }

  // Adds a key given as two independent, uniformly distributed 64-bit words.
  void Add(uint64_t a, uint64_t b) {
    Reserve(1);
    Filter& filter = filters_.back();
    ++filter.keys;
    Block& block = filter.blocks[a & filter.mask];
    for (int k = 0; k < kBitsSet; ++k) {
      const uint64_t bit = (b >> (9 * k)) & (kBlockBits - 1);
      block.words[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
  }

  // False only for a key never added.
  bool MayHold(uint64_t a, uint64_t b) const {
    for (const Filter& filter : filters_) {
      const Block& block = filter.blocks[a & filter.mask];
      bool all = true;
      for (int k = 0; k < kBitsSet && all; ++k) {
        const uint64_t bit = (b >> (9 * k)) & (kBlockBits - 1);
        all = (block.words[bit >> 6] >> (bit & 63)) & 1;
      }
      if (all) return true;
    }
    return false;
  }

  size_t parts() const { return filters_.size(); }
  bool empty() const { return filters_.empty(); }

  // The two words of a 64-bit key that is not itself a uniform hash (splitmix64's finalizer,
  // twice).
  static std::pair<uint64_t, uint64_t> Words(uint64_t key) {
    const uint64_t a = Mix(key);
    return {a, Mix(a ^ 0x9e3779b97f4a7c15)};
  }

 private:
  static constexpr size_t kBlockBits = 512;
  static constexpr size_t kBitsPerKey = 16;
  static constexpr int kBitsSet = 6;
  struct alignas(64) Block {
    uint64_t words[kBlockBits / 64] = {};
  };
  static constexpr size_t kFirstPart = size_t{1} << 16;  // keys
  struct Filter {
    std::vector<Block> blocks;
    size_t mask;
    size_t capacity;  // keys it was made for
    size_t keys;      // keys added
  };

  static uint64_t Mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9;
    x ^= x >> 27;
    x *= 0x94d049bb133111eb;
    return x ^ (x >> 31);
  }

  // Keys are added to the last part; each is twice the size of the one before, or more.
  std::vector<Filter> filters_;
};

}  // namespace till
