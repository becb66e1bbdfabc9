// The ledger's rules on small hand-made ledgers and listings.
#include "pipeline/ledger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace till {
namespace {

LandingEntry Entry(std::string key, std::string version, int64_t size,
                   std::optional<int64_t> file_id) {
  LandingEntry entry;
  entry.zone = "file:///zone/";
  entry.key = std::move(key);
  entry.version = std::move(version);
  entry.size_bytes = size;
  entry.file_id = file_id;
  entry.loaded = file_id.has_value();
  return entry;
}

LandingObject Object(std::string key, std::string version, int64_t size) {
  LandingObject object;
  object.key = std::move(key);
  object.version = std::move(version);
  object.size = size;
  return object;
}

TEST(LedgerTest, AKeyIsCurrentWhileItsVersionAndSizeAreAsRecorded) {
  LandingEntry entry = Entry("a.csv", "v1", 100, 1);
  EXPECT_TRUE(IsCurrent(entry, Object("a.csv", "v1", 100)));
  EXPECT_FALSE(IsCurrent(entry, Object("a.csv", "v2", 100)));
  EXPECT_FALSE(IsCurrent(entry, Object("a.csv", "v1", 101)));

  Ledger ledger = LedgerByKey({entry});
  EXPECT_TRUE(IsCurrent(ledger, Object("a.csv", "v1", 100)));
  EXPECT_FALSE(IsCurrent(ledger, Object("b.csv", "v1", 100)));  // not in the ledger: new
}

TEST(LedgerTest, AFailedKeyIsCurrentToo) {
  // A content that failed waits for a change or `till retry`, not for the next listing.
  Ledger ledger = LedgerByKey({Entry("a.csv", "v1", 100, std::nullopt)});
  EXPECT_TRUE(IsCurrent(ledger, Object("a.csv", "v1", 100)));
}

TEST(LedgerTest, PendingCountsTheNewAndTheChanged) {
  Ledger ledger = LedgerByKey(
      {Entry("a.csv", "v1", 100, 1), Entry("b.csv", "v1", 50, 2), Entry("gone.csv", "v1", 10, 3)});
  std::vector<LandingObject> listing = {Object("a.csv", "v1", 100), Object("b.csv", "v2", 50),
                                        Object("c.csv", "v1", 70)};
  EXPECT_EQ(CountPending(ledger, listing), 2);
  EXPECT_EQ(CountPending(ledger, {}), 0);
  EXPECT_EQ(CountPending(Ledger(), listing), 3);
}

TEST(LedgerTest, AFileHeldByTwoKeysIsHeldElsewhereForEither) {
  Ledger ledger = LedgerByKey({Entry("a.csv", "v1", 100, 1), Entry("copy.csv", "v1", 100, 1),
                               Entry("b.csv", "v1", 50, 2), Entry("bad.csv", "v1", 5, std::nullopt),
                               Entry("worse.csv", "v1", 5, std::nullopt)});
  EXPECT_TRUE(HeldByAnotherKey(ledger, "a.csv", 1));
  EXPECT_TRUE(HeldByAnotherKey(ledger, "copy.csv", 1));
  EXPECT_FALSE(HeldByAnotherKey(ledger, "b.csv", 2));
  EXPECT_FALSE(HeldByAnotherKey(ledger, "new.csv", 3));
  // Keys that hold nothing share nothing.
  EXPECT_FALSE(HeldByAnotherKey(ledger, "bad.csv", std::nullopt));
}

TEST(LedgerTest, KeysGoneFromTheListingComeInKeyOrder) {
  Ledger ledger = LedgerByKey(
      {Entry("c.csv", "v1", 1, 3), Entry("a.csv", "v1", 1, 1), Entry("b.csv", "v1", 1, 2)});
  EXPECT_EQ(KeysGoneFrom(ledger, {Object("b.csv", "v9", 5), Object("new.csv", "v1", 1)}),
            (std::vector<std::string>{"a.csv", "c.csv"}));
  EXPECT_TRUE(KeysGoneFrom(ledger, {Object("a.csv", "v1", 1), Object("b.csv", "v1", 1),
                                    Object("c.csv", "v1", 1)})
                  .empty());
  EXPECT_TRUE(KeysGoneFrom(Ledger(), {Object("a.csv", "v1", 1)}).empty());
}

}  // namespace
}  // namespace till
