#include "base/sha256.h"

#include <gtest/gtest.h>

namespace till {
namespace {

TEST(Sha256, MatchesKnownDigests) {
  Sha256 empty;
  EXPECT_EQ(empty.HexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto source = MakeStringSource("abc");
  int64_t size = 0;
  auto digest = Sha256Of(*source, &size);
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(size, 3);
}

TEST(PrefixedSource, YieldsThePrefixThenTheRest) {
  auto source = MakeStringSource("abcdefgh");
  auto prefix = ReadPrefix(*source, 3);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(*prefix, "abc");
  auto whole = MakePrefixedSource(*prefix, std::move(source));
  auto all = ReadPrefix(*whole, 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, "abcdefgh");
}

}  // namespace
}  // namespace till
