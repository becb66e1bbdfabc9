// The claims a load wrote, kept in a temporary file: every hash added is found, in whichever
// write and block it fell, and no other is; merged, they come out whole, once each, in order.
#include "warehouse/load/claim_runs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace till {
namespace {

RowHash Hash(uint64_t i) { return RowHash{i * 0x9e3779b97f4a7c15, ~i * 0xc2b2ae3d27d4eb4f}; }

// Claims of rows first … first + n - 1: row i has sale id i and line 10 * i.
std::vector<RowClaim> Claims(uint64_t first, uint64_t n) {
  std::vector<RowClaim> claims;
  for (uint64_t i = first; i < first + n; ++i) {
    claims.push_back(RowClaim{Hash(i), static_cast<int64_t>(i), static_cast<int64_t>(10 * i)});
  }
  return claims;
}

bool Holds(const ClaimRuns& runs, const RowHash& hash) {
  auto held = runs.Holds(hash);
  EXPECT_TRUE(held) << held.error().message();
  return held && *held;
}

TEST(ClaimRunsTest, EveryHashOfEveryWriteIsFoundAndNoOther) {
  ClaimRuns runs;
  EXPECT_TRUE(runs.empty());
  EXPECT_FALSE(Holds(runs, Hash(1)));
  // Writes of a block and one more, of less than a block, and of many blocks, each given in
  // the order a hash map gives them.
  const uint64_t sizes[] = {ClaimRuns::kBlock + 1, 3, 10 * ClaimRuns::kBlock + 17};
  uint64_t first = 1;
  for (uint64_t size : sizes) {
    std::vector<RowClaim> write = Claims(first, size);
    ASSERT_TRUE(runs.Add(write));
    first += size;
  }
  EXPECT_FALSE(runs.empty());
  for (uint64_t i = 1; i < first; ++i) ASSERT_TRUE(Holds(runs, Hash(i))) << i;
  for (uint64_t i = first; i < first + 20000; ++i) ASSERT_FALSE(Holds(runs, Hash(i))) << i;
  // Below and above every hash added, and next to each by one bit.
  EXPECT_FALSE(Holds(runs, RowHash{0, 0}));
  EXPECT_FALSE(Holds(runs, RowHash{UINT64_MAX, UINT64_MAX}));
  for (uint64_t i = 1; i < first; ++i) {
    RowHash near = Hash(i);
    near.low ^= 1;
    ASSERT_FALSE(Holds(runs, near)) << i;
  }
  // An empty write changes nothing.
  std::vector<RowClaim> none;
  ASSERT_TRUE(runs.Add(none));
  EXPECT_TRUE(Holds(runs, Hash(1)));
}

TEST(ClaimRunsTest, MergedEveryClaimComesOutOnceInOrderInSlices) {
  ClaimRuns runs;
  const uint64_t sizes[] = {3 * ClaimRuns::kBlock + 5, 1, 5000};
  uint64_t first = 1;
  for (uint64_t size : sizes) {
    std::vector<RowClaim> write = Claims(first, size);
    ASSERT_TRUE(runs.Add(write));
    first += size;
  }
  std::vector<RowClaim> last = Claims(first, 777);
  first += 777;
  std::vector<RowClaim> merged;
  std::vector<size_t> slices;
  ASSERT_TRUE(runs.Merge(last, 1000, [&](std::span<RowClaim> slice) -> Status {
    slices.push_back(slice.size());
    merged.insert(merged.end(), slice.begin(), slice.end());
    return {};
  }));
  ASSERT_EQ(merged.size(), first - 1);
  EXPECT_EQ(slices.size(), (first - 1 + 999) / 1000);
  for (size_t i = 0; i + 1 < slices.size(); ++i) EXPECT_EQ(slices[i], 1000u);
  for (size_t i = 1; i < merged.size(); ++i) {
    ASSERT_TRUE(ClaimRuns::Before(merged[i - 1].hash, merged[i].hash)) << i;
  }
  std::vector<bool> seen(first, false);
  for (const RowClaim& claim : merged) {
    const auto i = static_cast<uint64_t>(claim.sale_id);
    ASSERT_TRUE(i >= 1 && i < first && !seen[i]) << i;
    seen[i] = true;
    EXPECT_EQ(claim.hash, Hash(i));
    EXPECT_EQ(claim.source_line, static_cast<int64_t>(10 * i));
  }
  // A slice the writer refuses ends the merge with its error.
  std::vector<RowClaim> none;
  Status refused = runs.Merge(none, 1000, [](std::span<RowClaim>) -> Status {
    return MakeError(ErrorCode::kWarehouseError, "refused");
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "refused");
}

TEST(ClaimRunsTest, ATemporaryFolderThatIsNotThereIsAClearError) {
  const char* old = getenv("TMPDIR");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  setenv("TMPDIR", "/nonexistent/till-claims", 1);
  ClaimRuns runs;
  std::vector<RowClaim> write = Claims(1, 10);
  Status added = runs.Add(write);
  if (saved) {
    setenv("TMPDIR", saved->c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), ErrorCode::kIoError);
  EXPECT_EQ(added.error().message(),
            "finding the temporary folder ($TMPDIR, else /tmp) for the row hashes written so "
            "far: No such file or directory");
  EXPECT_TRUE(runs.empty());
}

}  // namespace
}  // namespace till
