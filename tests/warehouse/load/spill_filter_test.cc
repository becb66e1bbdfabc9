// The filter of what a load wrote before its commit, and the one of the stored rows that a
// process keeps across its loads: never "no" for a key added, rarely "maybe" for one that was not.
#include "warehouse/load/spill_filter.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "warehouse/load/stored_rows.h"

namespace till {
namespace {

TEST(SpillFilterTest, EveryKeyAddedIsHeldAndFewOthersSeemToBe) {
  SpillFilter filter;
  EXPECT_TRUE(filter.empty());
  EXPECT_FALSE(filter.MayHold(1, 2));
  // Three writes of a load.
  constexpr uint64_t kKeys = 300000;
  for (uint64_t part = 0; part < 3; ++part) {
    filter.Reserve(kKeys);
    for (uint64_t i = part * kKeys; i < (part + 1) * kKeys; ++i) {
      const auto [a, b] = SpillFilter::Words(i);
      filter.Add(a, b);
    }
  }
  EXPECT_FALSE(filter.empty());
  for (uint64_t i = 0; i < 3 * kKeys; ++i) {
    const auto [a, b] = SpillFilter::Words(i);
    ASSERT_TRUE(filter.MayHold(a, b)) << i;
  }
  // Keys never added, taken for added ones: fewer than 1 in 2,000 here (each part has 16 to 32
  // bits a key, its blocks rounded up to a power of two: these about 28, so about 1 in 15,000
  // for each part).
  int64_t seeming = 0;
  constexpr uint64_t kOthers = 1000000;
  for (uint64_t i = 3 * kKeys; i < 3 * kKeys + kOthers; ++i) {
    const auto [a, b] = SpillFilter::Words(i);
    seeming += filter.MayHold(a, b) ? 1 : 0;
  }
  EXPECT_LT(seeming, static_cast<int64_t>(kOthers / 2000));
  // Given four times the keys it was made room for, it grows: still never "no" to one of them,
  // still rarely "maybe" to another, in few parts.
  SpillFilter grown;
  grown.Reserve(kKeys / 4);
  for (uint64_t i = 0; i < kKeys; ++i) {
    const auto [a, b] = SpillFilter::Words(i);
    grown.Add(a, b);
  }
  for (uint64_t i = 0; i < kKeys; ++i) {
    const auto [a, b] = SpillFilter::Words(i);
    ASSERT_TRUE(grown.MayHold(a, b)) << i;
  }
  EXPECT_EQ(grown.parts(), 3u);  // 75,000 keys, then 150,000, then 300,000
  seeming = 0;
  for (uint64_t i = kKeys; i < kKeys + kOthers; ++i) {
    const auto [a, b] = SpillFilter::Words(i);
    seeming += grown.MayHold(a, b) ? 1 : 0;
  }
  EXPECT_LT(seeming, static_cast<int64_t>(kOthers / 2000));
}

TEST(SpillFilterTest, ManyWritesMakeFewParts) {
  // Keys written 100,000 at a time, 30 times: parts of 100,000, 200,000, 400,000, 800,000 and
  // 1,600,000 keys.
  SpillFilter filter;
  for (int write = 0; write < 30; ++write) {
    filter.Reserve(100'000);
    for (uint64_t i = 0; i < 100'000; ++i) {
      const auto [a, b] = SpillFilter::Words(static_cast<uint64_t>(write) * 100'000 + i);
      filter.Add(a, b);
    }
  }
  EXPECT_EQ(filter.parts(), 5u);
  for (uint64_t i = 0; i < 3'000'000; i += 97) {
    const auto [a, b] = SpillFilter::Words(i);
    ASSERT_TRUE(filter.MayHold(a, b)) << i;
  }
}

TEST(SpillFilterTest, NearbyKeysGetUnrelatedWords) {
  const auto [a1, b1] = SpillFilter::Words(1);
  const auto [a2, b2] = SpillFilter::Words(2);
  EXPECT_NE(a1, a2);
  EXPECT_NE(b1, b2);
  EXPECT_NE(a1 & 0xFFFF, a2 & 0xFFFF);  // blocks are chosen by the low bits
}

RowHash HashOf(uint64_t i) {
  const auto [a, b] = SpillFilter::Words(i);
  return RowHash{b, a};
}

TEST(StoredRowFilterTest, GrowsWithoutEverForgettingAndSaysMaybeUntilItHasRead) {
  StoredRowFilter filter(10'000'000);
  EXPECT_FALSE(filter.usable());
  EXPECT_TRUE(filter.MayHold(HashOf(1)));  // it has read nothing: anything may be stored
  // Past several doublings of its parts.
  constexpr uint64_t kKeys = 1'000'000;
  for (uint64_t i = 0; i < kKeys; ++i) filter.Add(HashOf(i));
  filter.set_mark("read");
  EXPECT_TRUE(filter.usable());
  for (uint64_t i = 0; i < kKeys; ++i) ASSERT_TRUE(filter.MayHold(HashOf(i))) << i;
  int64_t seeming = 0;
  for (uint64_t i = kKeys; i < 2 * kKeys; ++i) seeming += filter.MayHold(HashOf(i)) ? 1 : 0;
  EXPECT_LT(seeming, static_cast<int64_t>(kKeys / 200));
  filter.Clear();
  EXPECT_FALSE(filter.usable());
  EXPECT_EQ(filter.keys(), 0u);
}

TEST(StoredRowFilterTest, PastItsSizeItSaysMaybeToEveryHash) {
  StoredRowFilter filter(100);
  filter.set_mark("read");
  for (uint64_t i = 0; i < 100; ++i) filter.Add(HashOf(i));
  EXPECT_TRUE(filter.usable());
  EXPECT_FALSE(filter.MayHold(HashOf(1'000'000)));
  filter.Add(HashOf(100));
  EXPECT_FALSE(filter.usable());
  EXPECT_TRUE(filter.MayHold(HashOf(1'000'000)));
}

}  // namespace
}  // namespace till
