// The hashes of the claims a load wrote, kept in a temporary file: every hash added is found,
// in whichever write and block it fell, and no other is.
#include "warehouse/load/claim_runs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace till {
namespace {

RowHash Hash(uint64_t i) { return RowHash{i * 0x9e3779b97f4a7c15, ~i * 0xc2b2ae3d27d4eb4f}; }

std::vector<RowHash> Hashes(uint64_t first, uint64_t n) {
  std::vector<RowHash> hashes;
  for (uint64_t i = first; i < first + n; ++i) hashes.push_back(Hash(i));
  return hashes;
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
    std::vector<RowHash> write = Hashes(first, size);
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
  std::vector<RowHash> none;
  ASSERT_TRUE(runs.Add(none));
  EXPECT_TRUE(Holds(runs, Hash(1)));
}

TEST(ClaimRunsTest, ATemporaryFolderThatIsNotThereIsAClearError) {
  const char* old = getenv("TMPDIR");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  setenv("TMPDIR", "/nonexistent/till-claims", 1);
  ClaimRuns runs;
  std::vector<RowHash> write = Hashes(1, 10);
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
