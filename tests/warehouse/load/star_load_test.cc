// The load policy (StarLoad, RowClaims, CustomerVersions) against an in-memory transport: what
// it writes, when, and in what order, with no database.
#include "warehouse/load/star_load.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "warehouse/load/claim_runs.h"
#include "warehouse/load/customer_versions.h"
#include "warehouse/load/fake_transport.h"

namespace till {
namespace {

using testing::FakeTables;
using testing::FakeTransport;

FactSale Fact(uint64_t hash, int64_t line) {
  FactSale fact;
  fact.row_hash = RowHash{hash * 7, hash};
  fact.source_line = line;
  return fact;
}

// A customer version whose only attribute is its id.
Member Customer(int64_t key, const std::string& id) {
  Member member;
  member.key = key;
  member.text = id.data();
  member.lengths[0] = static_cast<uint32_t>(id.size());
  member.arity = 1;
  return member;
}

class StarLoadTest : public ::testing::Test {
 protected:
  // Starts a load on tables_; transport() is its transport until the next Start.
  std::unique_ptr<WarehouseLoad> Start(LoadOptions options = {},
                                       StoredRowFilter* stored = nullptr) {
    auto transport = std::make_unique<FakeTransport>(tables_, log_);
    transport_ = transport.get();
    auto load = StarLoad::Start(std::move(transport), options, stored);
    EXPECT_TRUE(load) << load.error().message();
    return std::move(*load);
  }

  int64_t Append(WarehouseLoad& load, const std::vector<FactSale>& facts) {
    auto inserted = load.AppendFacts(facts);
    EXPECT_TRUE(inserted) << inserted.error().message();
    return inserted ? *inserted : -1;
  }

  std::vector<int64_t> SaleLines() const {
    std::vector<int64_t> lines;
    for (const auto& fact : tables_.facts) lines.push_back(fact.source_line);
    return lines;
  }

  FakeTables tables_;
  std::vector<std::string> log_;
  FakeTransport* transport_ = nullptr;
};

TEST_F(StarLoadTest, AFirstLoadChecksDuplicatesInMemoryAndWritesItsClaimsAtCommit) {
  auto load = Start();
  EXPECT_EQ(Append(*load, {Fact(1, 1), Fact(2, 2), Fact(1, 3)}), 2);
  EXPECT_EQ(Append(*load, {Fact(2, 4), Fact(3, 5)}), 1);
  EXPECT_EQ(transport_->row_lookups, 0);
  EXPECT_TRUE(tables_.rows.empty());
  ASSERT_TRUE(load->Commit(FileOutcome{}));
  EXPECT_EQ(SaleLines(), (std::vector<int64_t>{1, 2, 5}));
  ASSERT_EQ(tables_.rows.size(), 3u);
  EXPECT_EQ(tables_.rows.at({14, 2}).sale_id, 2);
  EXPECT_EQ(tables_.rows.at({21, 3}).source_line, 5);
  EXPECT_TRUE(tables_.holders.empty());
}

TEST_F(StarLoadTest, ALaterLoadRecordsItselfAsHolderOfRowsAnEarlierFileLoaded) {
  auto first = Start();
  Append(*first, {Fact(1, 1), Fact(2, 2)});
  ASSERT_TRUE(first->Commit(FileOutcome{}));

  auto second = Start();
  EXPECT_EQ(Append(*second, {Fact(3, 1), Fact(2, 2), Fact(3, 3), Fact(2, 4)}), 1);
  EXPECT_EQ(transport_->row_lookups, 1);
  ASSERT_TRUE(second->Commit(FileOutcome{}));
  // Sale ids go on from the first file's.
  ASSERT_EQ(tables_.facts.size(), 3u);
  EXPECT_EQ(tables_.facts[2].sale_id, 3);
  EXPECT_EQ(tables_.facts[2].file_id, 2);
  // Both lines repeating file 1's row hold it; the line repeating this file's own row does not.
  EXPECT_EQ(tables_.holders,
            (std::vector<FakeTables::Holder>{{RowHash{14, 2}, 2, 2}, {RowHash{14, 2}, 2, 4}}));
}

// Past the limit the claims so far are written, and the rows met again after it are found in
// the load's own file of what it wrote, without asking the warehouse (whose claim table is not
// indexed before commit on a first load).
TEST_F(StarLoadTest, PastTheLimitClaimsAreWrittenAndFoundAgainWithoutAskingTheWarehouse) {
  std::vector<FactSale> facts;
  for (uint64_t i = 1; i <= 12; ++i) facts.push_back(Fact(i % 5 + 1, static_cast<int64_t>(i)));
  auto unlimited = Start();
  for (size_t i = 0; i < facts.size(); i += 3) {
    Append(*unlimited, {facts.begin() + static_cast<ptrdiff_t>(i),
                        facts.begin() + static_cast<ptrdiff_t>(i + 3)});
  }
  ASSERT_TRUE(unlimited->Commit(FileOutcome{}));
  std::vector<int64_t> expected = SaleLines();

  tables_ = FakeTables{};
  log_.clear();
  auto limited = Start(LoadOptions{.row_check_limit = 4});
  for (size_t i = 0; i < facts.size(); i += 3) {
    Append(*limited, {facts.begin() + static_cast<ptrdiff_t>(i),
                      facts.begin() + static_cast<ptrdiff_t>(i + 3)});
  }
  EXPECT_EQ(transport_->row_lookups, 0);
  ASSERT_TRUE(limited->Commit(FileOutcome{}));
  EXPECT_EQ(SaleLines(), expected);
  EXPECT_EQ(tables_.rows.size(), 5u);
  EXPECT_TRUE(tables_.holders.empty());  // its own rows, met again after the switch
  EXPECT_EQ(log_.front(), "begin");
  EXPECT_EQ(log_[1], "claims 3");  // at the limit, before the rest of the file
}

TEST_F(StarLoadTest, CommitWritesWhatItHeldThenEndsTheBulkWriteThenRecordsTheFile) {
  auto load = Start();
  std::string id = "C1";
  Member member = Customer(10, id);
  ASSERT_TRUE(load->UpsertCustomers(std::vector<CustomerWrite>{{&member, {20240101, 20240101}}}));
  Append(*load, {Fact(1, 1)});
  ASSERT_TRUE(load->Commit(FileOutcome{}));
  EXPECT_EQ(log_, (std::vector<std::string>{"begin", "claims 1", "customers 1", "end", "file",
                                            "commit"}));
}

TEST_F(StarLoadTest, CustomerVersionsOfAFirstLoadAreWrittenOnceInKeyOrderWithTheirFinalState) {
  auto load = Start();
  EXPECT_FALSE(load->HasCustomers().value());
  std::string a = "A", b = "B";
  Member late = Customer(30, a), early = Customer(20, b), again = Customer(30, a);
  auto merged = load->UpsertCustomers(std::vector<CustomerWrite>{
      {&late, {20240105, 20240105}}, {&early, {20240103, 20240103}}, {&again, {20240101, 0}}});
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->at(2).first, 20240101);
  EXPECT_EQ(merged->at(2).last, 20240105);
  auto widened = load->WidenCustomers(std::vector<CustomerVersion>{{20, {20240102, 20240109}}});
  ASSERT_TRUE(widened);
  EXPECT_EQ(widened->at(0).first, 20240102);
  EXPECT_EQ(widened->at(0).last, 20240109);
  auto current = load->CurrentCustomers(std::vector<std::string_view>{"A"});
  ASSERT_TRUE(current);
  EXPECT_FALSE(current->at(0));
  ASSERT_TRUE(load->SetCustomersCurrent(std::vector<int64_t>{30}, true));
  EXPECT_TRUE(tables_.customers.empty());
  ASSERT_TRUE(load->Commit(FileOutcome{}));
  EXPECT_EQ(transport_->customer_lookups, 0);
  EXPECT_EQ(transport_->current_lookups, 0);
  ASSERT_EQ(tables_.customers.size(), 2u);
  EXPECT_EQ(tables_.customers[0].key, 20);
  EXPECT_EQ(tables_.customers[0].seen.first, 20240102);
  EXPECT_FALSE(tables_.customers[0].current);
  EXPECT_EQ(tables_.customers[1].key, 30);
  EXPECT_EQ(tables_.customers[1].seen.first, 20240101);
  EXPECT_EQ(tables_.customers[1].seen.last, 20240105);
  EXPECT_TRUE(tables_.customers[1].current);
}

TEST_F(StarLoadTest, StoredCustomerVersionsAreWidenedWhereTheyAreAndNewOnesAppendedInTurn) {
  std::string a = "A", b = "B", c = "C";
  Member stored = Customer(50, a);
  auto first = Start();
  ASSERT_TRUE(first->UpsertCustomers(std::vector<CustomerWrite>{{&stored, {20240110, 20240110}}}));
  ASSERT_TRUE(first->SetCustomersCurrent(std::vector<int64_t>{50}, true));
  ASSERT_TRUE(first->Commit(FileOutcome{}));
  log_.clear();

  auto second = Start();
  EXPECT_TRUE(second->HasCustomers().value());
  Member newer = Customer(40, b), newest = Customer(5, c);
  auto merged = second->UpsertCustomers(std::vector<CustomerWrite>{
      {&newer, {20240201, 20240201}}, {&stored, {20240120, 20240120}}, {&newest, {1, 1}}});
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->at(1).first, 20240110);
  EXPECT_EQ(merged->at(1).last, 20240120);
  // Seen again inside its range: nothing to write.
  ASSERT_TRUE(second->WidenCustomers(std::vector<CustomerVersion>{{50, {20240115, 20240115}}}));
  auto current = second->CurrentCustomers(std::vector<std::string_view>{"A", "B"});
  ASSERT_TRUE(current);
  ASSERT_TRUE(current->at(0));
  EXPECT_EQ(current->at(0)->key, 50);
  EXPECT_FALSE(current->at(1));
  ASSERT_TRUE(second->SetCustomersCurrent(std::vector<int64_t>{50}, false));
  ASSERT_TRUE(second->SetCustomersCurrent(std::vector<int64_t>{40}, true));
  ASSERT_TRUE(second->Commit(FileOutcome{}));
  EXPECT_EQ(std::count(log_.begin(), log_.end(), "seen 50"), 1);
  ASSERT_EQ(tables_.customers.size(), 3u);
  EXPECT_EQ(tables_.customers[0].seen.last, 20240120);
  EXPECT_FALSE(tables_.customers[0].current);
  // In the order they came, after the stored ones.
  EXPECT_EQ(tables_.customers[1].key, 40);
  EXPECT_TRUE(tables_.customers[1].current);
  EXPECT_EQ(tables_.customers[2].key, 5);
}

// Into a dimension that held none, the versions a load may have written already are looked up
// once, when it settles them, not as they come: a lookup there builds the key index, which
// every later write would then have to go into.
TEST_F(StarLoadTest, PastTheLimitAFirstLoadLooksUpVersionsItMayHaveWrittenOnlyWhenItSettles) {
  auto load = Start(LoadOptions{.row_check_limit = 2});
  std::string a = "A", b = "B", c = "C";
  Member one = Customer(3, a), two = Customer(1, b), three = Customer(2, c);
  ASSERT_TRUE(load->UpsertCustomers(
      std::vector<CustomerWrite>{{&one, {20240101, 20240101}}, {&two, {20240102, 20240102}}}));
  ASSERT_TRUE(load->UpsertCustomers(std::vector<CustomerWrite>{{&three, {20240103, 20240103}}}));
  EXPECT_EQ(tables_.customers.size(), 2u);
  // Key 3, written, is widened and met again; key 2, still held, is widened in memory.
  auto widened = load->WidenCustomers(
      std::vector<CustomerVersion>{{3, {20240109, 20240109}}, {2, {20240109, 20240109}}});
  ASSERT_TRUE(widened);
  EXPECT_EQ(widened->at(0).first, 20240109);  // the part this load saw since it was written
  EXPECT_EQ(widened->at(1).first, 20240103);
  auto again = load->UpsertCustomers(std::vector<CustomerWrite>{{&one, {20240104, 20240104}}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0).first, 20240104);
  EXPECT_EQ(transport_->customer_lookups, 0);
  EXPECT_EQ(tables_.customers.size(), 2u);
  ASSERT_TRUE(load->SetCustomersCurrent(std::vector<int64_t>{3}, true));
  EXPECT_EQ(transport_->customer_lookups, 1);  // keys 3 and 3 again, at once
  ASSERT_TRUE(load->Commit(FileOutcome{}));
  EXPECT_EQ(transport_->customer_lookups, 1);
  ASSERT_EQ(tables_.customers.size(), 3u);
  EXPECT_EQ(tables_.customers[0].key, 1);  // each write in key order
  EXPECT_EQ(tables_.customers[1].key, 3);  // once: met again, not written again
  EXPECT_EQ(tables_.customers[1].seen.first, 20240101);
  EXPECT_EQ(tables_.customers[1].seen.last, 20240109);
  EXPECT_TRUE(tables_.customers[1].current);
  EXPECT_EQ(tables_.customers[2].key, 2);
  EXPECT_EQ(tables_.customers[2].seen.last, 20240109);
}

// Customer versions, each of its own id, keyed as content hashes are: spread over the whole
// range (multiplied as unsigned: signed overflow is undefined). The members point into `ids`.
struct SpreadCustomers {
  explicit SpreadCustomers(int64_t count) {
    for (int64_t i = 0; i < count; ++i) ids.push_back(std::to_string(i));
    for (int64_t i = 0; i < count; ++i) {
      const auto key = static_cast<int64_t>(static_cast<uint64_t>(i + 1) * 0x5851f42d4c957f2dULL);
      members.push_back(Customer(key, ids[static_cast<size_t>(i)]));
    }
  }
  std::vector<std::string> ids;
  std::vector<Member> members;
};

// Upserts every version of `customers`, seen on `date`, `batch` at a time; the most versions
// held in memory after a batch go to `*most_held`.
void UpsertEach(CustomerVersions& versions, const SpreadCustomers& customers, size_t batch,
                int32_t date, size_t* most_held = nullptr) {
  for (size_t i = 0; i < customers.members.size(); i += batch) {
    std::vector<CustomerWrite> writes;
    for (size_t j = i; j < std::min(i + batch, customers.members.size()); ++j) {
      writes.push_back({&customers.members[j], {date, date}});
    }
    ASSERT_TRUE(versions.Upsert(writes));
    if (most_held) *most_held = std::max(*most_held, versions.in_memory());
  }
}

// Versions the filter wrongly took for written ones are written when the load settles, once.
TEST_F(StarLoadTest, VersionsWronglyTakenForWrittenOnesAreWrittenWhenTheLoadSettles) {
  constexpr int64_t kVersions = 150000;
  const SpreadCustomers customers(kVersions);
  FakeTransport transport(tables_, log_);
  CustomerVersions versions(transport, 1000, /*stored=*/false);
  UpsertEach(versions, customers, 100, 20240101);
  EXPECT_EQ(transport.customer_lookups, 0);
  ASSERT_TRUE(versions.Flush());
  // Each version new, so each key asked about was a false "maybe" (a few, for these keys).
  EXPECT_EQ(transport.customer_lookups, 1);
  EXPECT_GT(transport.customer_keys_asked, 0);
  EXPECT_LT(transport.customer_keys_asked, kVersions / 200);
  ASSERT_EQ(tables_.customers.size(), static_cast<size_t>(kVersions));
  std::vector<int64_t> keys;
  for (const auto& customer : tables_.customers) keys.push_back(customer.key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());
}

// Past `limit` versions waiting to be looked up, the load settles them then, and looks later
// ones up at once: its memory stays bounded.
TEST_F(StarLoadTest, VersionsMetAgainAfterTheyWereWrittenWaitInBoundedNumbers) {
  constexpr int64_t kVersions = 20000;
  constexpr size_t kLimit = 100;
  const SpreadCustomers customers(kVersions);
  FakeTransport transport(tables_, log_);
  CustomerVersions versions(transport, kLimit, /*stored=*/false);
  size_t most_held = 0;
  UpsertEach(versions, customers, 10, 20240101, &most_held);
  // Then every one of them again, on a later date, until more than the limit wait.
  UpsertEach(versions, customers, 10, 20240102, &most_held);
  ASSERT_TRUE(versions.Flush());
  EXPECT_LE(most_held, 2 * kLimit + 10);
  EXPECT_GT(transport.customer_lookups, 1);  // settled before the end, then asked at once
  ASSERT_EQ(tables_.customers.size(), static_cast<size_t>(kVersions));
  for (const auto& customer : tables_.customers) {
    ASSERT_EQ(customer.seen.first, 20240101) << customer.key;
    ASSERT_EQ(customer.seen.last, 20240102) << customer.key;
  }
}

// Past the limit, into a warehouse that held no rows, the warehouse is never asked: the load's
// own rows met again are found in its file of what it wrote. Into one that held rows, every
// row is asked about.
TEST_F(StarLoadTest, PastTheLimitAFirstLoadNeverAsksTheWarehouseAboutItsRows) {
  constexpr uint64_t kRows = 20000;
  std::vector<FactSale> facts;
  for (uint64_t i = 1; i <= kRows; ++i) {
    facts.push_back(Fact(i * 0x9e3779b97f4a7c15, static_cast<int64_t>(i)));
  }
  // The first 500 again at the end, after they were written.
  for (uint64_t i = 1; i <= 500; ++i) {
    facts.push_back(Fact(i * 0x9e3779b97f4a7c15, static_cast<int64_t>(kRows + i)));
  }
  auto load_all = [&](WarehouseLoad& load) {
    for (size_t i = 0; i < facts.size(); i += 100) {
      Append(load, {facts.begin() + static_cast<ptrdiff_t>(i),
                    facts.begin() + static_cast<ptrdiff_t>(std::min(i + 100, facts.size()))});
    }
  };
  auto limited = Start(LoadOptions{.row_check_limit = 1000});
  load_all(*limited);
  ASSERT_TRUE(limited->Commit(FileOutcome{}));
  EXPECT_EQ(tables_.facts.size(), kRows);  // each row once
  EXPECT_EQ(tables_.rows.size(), kRows);
  EXPECT_EQ(transport_->rows_asked, 0);

  // A second file of the same rows: the warehouse held rows when it began, so every row is
  // asked about, and none loads again.
  auto again = Start(LoadOptions{.row_check_limit = 1000});
  load_all(*again);
  ASSERT_TRUE(again->Commit(FileOutcome{}));
  EXPECT_EQ(tables_.facts.size(), kRows);
  EXPECT_EQ(transport_->rows_asked, static_cast<int64_t>(facts.size()));
}

// Rows 1..n from `first` on, whose hashes spread like real ones.
std::vector<FactSale> SpreadFacts(uint64_t first, uint64_t n) {
  std::vector<FactSale> facts;
  for (uint64_t i = first; i < first + n; ++i) {
    facts.push_back(Fact(i * 0x9e3779b97f4a7c15, static_cast<int64_t>(i - first + 1)));
  }
  return facts;
}

// A back end that wants an empty claim table written at once (SQLite) gets no claim before
// commit, then every claim in the order of the hashes' bytes, the same claims a load that
// writes at each limit leaves.
TEST_F(StarLoadTest, PastTheLimitAnEmptyClaimTableCanBeWrittenAtCommitInKeyOrder) {
  std::vector<FactSale> facts = SpreadFacts(1, 5000);
  for (const FactSale& fact : SpreadFacts(1, 300)) facts.push_back(fact);  // met again
  for (size_t i = 0; i < facts.size(); ++i) facts[i].source_line = static_cast<int64_t>(i + 1);
  auto load_all = [&](WarehouseLoad& load) {
    for (size_t i = 0; i < facts.size(); i += 100) {
      Append(load, {facts.begin() + static_cast<ptrdiff_t>(i),
                    facts.begin() + static_cast<ptrdiff_t>(i + 100)});
    }
  };
  auto each_limit = Start(LoadOptions{.row_check_limit = 1000});
  load_all(*each_limit);
  ASSERT_TRUE(each_limit->Commit(FileOutcome{}));
  const auto expected = tables_.rows;
  ASSERT_EQ(expected.size(), 5000u);

  tables_ = FakeTables{};
  tables_.claims_at_commit = true;
  log_.clear();
  auto at_commit = Start(LoadOptions{.row_check_limit = 1000});
  load_all(*at_commit);
  for (const std::string& step : log_) EXPECT_FALSE(step.starts_with("claims")) << step;
  ASSERT_TRUE(at_commit->Commit(FileOutcome{}));
  EXPECT_EQ(transport_->rows_asked, 0);
  EXPECT_EQ(tables_.facts.size(), 5000u);
  ASSERT_EQ(tables_.rows.size(), expected.size());
  for (const auto& [key, claim] : expected) {
    const auto it = tables_.rows.find(key);
    ASSERT_NE(it, tables_.rows.end());
    EXPECT_EQ(it->second.sale_id, claim.sale_id);
    EXPECT_EQ(it->second.source_line, claim.source_line);
  }
  ASSERT_EQ(tables_.claim_order.size(), 5000u);
  EXPECT_TRUE(
      std::is_sorted(tables_.claim_order.begin(), tables_.claim_order.end(), ClaimRuns::Before));

  // Into a table that holds claims, a load writes them at each limit, as before.
  log_.clear();
  auto later = Start(LoadOptions{.row_check_limit = 1000});
  const std::vector<FactSale> more = SpreadFacts(10001, 3000);
  for (size_t i = 0; i < more.size(); i += 100) {
    Append(*later, {more.begin() + static_cast<ptrdiff_t>(i),
                    more.begin() + static_cast<ptrdiff_t>(i + 100)});
  }
  EXPECT_EQ(std::count_if(log_.begin(), log_.end(),
                          [](const std::string& step) { return step.starts_with("claims"); }),
            2);
  ASSERT_TRUE(later->Commit(FileOutcome{}));
  EXPECT_EQ(tables_.facts.size(), 8000u);
}

TEST_F(StarLoadTest, AKeptFilterOfStoredRowsSparesTheLookupOfRowsItHasNotSeen) {
  StoredRowFilter stored(1'000'000);
  auto first = Start({}, &stored);
  Append(*first, SpreadFacts(1, 1000));
  ASSERT_TRUE(first->Commit(FileOutcome{}));
  EXPECT_EQ(transport_->stored_readings, 0);  // nothing was stored to read
  EXPECT_FALSE(stored.usable());

  // Another process's load, which keeps no filter, asks about each row.
  auto other = Start();
  Append(*other, SpreadFacts(1001, 1000));
  ASSERT_TRUE(other->Commit(FileOutcome{}));
  EXPECT_EQ(transport_->rows_asked, 1000);

  // Then 300 rows of each earlier load among 1,400 new ones: the filter reads every claim,
  // both loads', and only the rows it may hold are asked about, all 600 stored ones among them.
  std::vector<FactSale> mixed = SpreadFacts(701, 600);
  for (const FactSale& fact : SpreadFacts(5001, 1400)) mixed.push_back(fact);
  for (size_t i = 0; i < mixed.size(); ++i) mixed[i].source_line = static_cast<int64_t>(i + 1);
  auto later = Start({}, &stored);
  EXPECT_EQ(transport_->stored_readings, 1);
  EXPECT_TRUE(stored.usable());
  EXPECT_EQ(stored.keys(), 2000u);
  EXPECT_EQ(Append(*later, mixed), 1400);
  EXPECT_GE(transport_->rows_asked, 600);
  EXPECT_LT(transport_->rows_asked, 600 + 20);
  ASSERT_TRUE(later->Commit(FileOutcome{}));
  EXPECT_EQ(tables_.facts.size(), 3400u);
  EXPECT_EQ(tables_.holders.size(), 600u);

  // The next load reads the claims committed since, its predecessor's, and finds its rows.
  auto next = Start({}, &stored);
  EXPECT_EQ(stored.keys(), 3400u);
  EXPECT_EQ(Append(*next, SpreadFacts(5001, 1400)), 0);
  EXPECT_GE(transport_->rows_asked, 1400);
  ASSERT_TRUE(next->Commit(FileOutcome{}));
  EXPECT_EQ(tables_.facts.size(), 3400u);
}

TEST_F(StarLoadTest, AFilterOfStoredRowsPastItsSizeAsksAboutEveryRowAgain) {
  StoredRowFilter stored(1500);
  auto first = Start();
  Append(*first, SpreadFacts(1, 2000));
  ASSERT_TRUE(first->Commit(FileOutcome{}));
  auto later = Start({}, &stored);
  EXPECT_FALSE(stored.usable());
  EXPECT_EQ(Append(*later, SpreadFacts(1500, 1000)), 499);
  EXPECT_EQ(transport_->rows_asked, 1000);
  ASSERT_TRUE(later->Commit(FileOutcome{}));
}

TEST_F(StarLoadTest, PastTheLimitALoadWithAFilterOfStoredRowsFindsTheClaimsItWroteItself) {
  auto first = Start();
  Append(*first, SpreadFacts(1, 10));
  ASSERT_TRUE(first->Commit(FileOutcome{}));
  StoredRowFilter stored(1'000'000);
  // 3,000 new rows written 1,000 at a time, then the first 200 of them again.
  std::vector<FactSale> facts = SpreadFacts(1001, 3000);
  for (const FactSale& fact : SpreadFacts(1001, 200)) facts.push_back(fact);
  auto load = Start(LoadOptions{.row_check_limit = 1000}, &stored);
  for (size_t i = 0; i < facts.size(); i += 100) {
    Append(*load, {facts.begin() + static_cast<ptrdiff_t>(i),
                   facts.begin() + static_cast<ptrdiff_t>(i + 100)});
  }
  ASSERT_TRUE(load->Commit(FileOutcome{}));
  EXPECT_EQ(tables_.facts.size(), 3010u);
  // The 200 met again are found in its own file of them; only the few rows the filter of
  // stored rows could not tell apart are asked about.
  EXPECT_LT(transport_->rows_asked, 50);
}

TEST_F(StarLoadTest, PastTheLimitOnlyCustomersTheLoadMayHaveWrittenAreLookedUp) {
  constexpr int64_t kCustomers = 5000;
  std::vector<std::string> ids;
  for (int64_t i = 0; i < kCustomers; ++i) ids.push_back(std::to_string(i * 7 + 1000));
  std::vector<Member> members;
  for (int64_t i = 0; i < kCustomers; ++i) {
    // Keys spread like content hashes (multiplied as unsigned: signed overflow is undefined).
    const auto key = static_cast<int64_t>(static_cast<uint64_t>(i + 1) * 0x5851f42d4c957f2dULL);
    members.push_back(Customer(key, ids[static_cast<size_t>(i)]));
  }
  auto load = Start(LoadOptions{.row_check_limit = 400});
  // Each version twice, the second time 2,000 versions later: after it was written.
  for (int64_t round = 0; round < kCustomers + 2000; round += 100) {
    std::vector<CustomerWrite> writes;
    for (int64_t i = round; i < round + 100; ++i) {
      if (i < kCustomers)
        writes.push_back({&members[static_cast<size_t>(i)], {20240101, 20240101}});
      if (i >= 2000 && i - 2000 < kCustomers) {
        writes.push_back({&members[static_cast<size_t>(i - 2000)], {20240105, 20240105}});
      }
    }
    ASSERT_TRUE(load->UpsertCustomers(writes));
    std::vector<std::string_view> current_ids;
    for (const CustomerWrite& write : writes) current_ids.push_back(*write.member->attribute(0));
    auto current = load->CurrentCustomers(current_ids);
    ASSERT_TRUE(current);
    for (size_t i = 0; i < writes.size(); ++i) {
      // A version written before is the current one of its id; one still held is not stored.
      const auto& found = current->at(i);
      if (found) {
        EXPECT_EQ(found->key, writes[i].member->key);
      }
    }
  }
  ASSERT_TRUE(load->Commit(FileOutcome{}));
  ASSERT_EQ(tables_.customers.size(), static_cast<size_t>(kCustomers));
  for (const auto& customer : tables_.customers) {
    EXPECT_EQ(customer.seen.first, 20240101);
    EXPECT_EQ(customer.seen.last, 20240105) << customer.key;
  }
  // Asked about: the versions met again after they were written (at most 5,000), and the few
  // the filter could not tell apart; not the 4,600 first sightings that came after the first
  // write, which a lookup of every version not held would ask about too.
  EXPECT_GT(transport_->customer_keys_asked, 4000);
  EXPECT_LT(transport_->customer_keys_asked, kCustomers + 50);
  EXPECT_LT(transport_->customer_ids_asked, kCustomers + 50);
}

TEST_F(StarLoadTest, EnsureDatesFillsTheCalendarFromWhatIsStored) {
  auto load = Start();
  ASSERT_TRUE(load->EnsureDates(std::vector<int32_t>{20240103, 20240101}));
  EXPECT_EQ(tables_.dates.size(), 3u);
  ASSERT_TRUE(load->EnsureDates(std::vector<int32_t>{20240105}));
  EXPECT_EQ(tables_.dates.size(), 5u);
}

}  // namespace
}  // namespace till
