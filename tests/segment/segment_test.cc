// RFM scores with ties, the segment table, order grouping and cohorts on hand-made customers.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "segment/cohorts.h"
#include "segment/orders.h"
#include "segment/rfm.h"

namespace till::segment {
namespace {

int64_t Day(int year, int month, int day) { return DaysFromCivil(CivilDate{year, month, day}); }

TEST(QuintileScoresTest, DistinctValuesFallTwoToAQuintile) {
  const std::vector<double> values{7, 1, 9, 3, 5, 2, 10, 4, 8, 6};
  EXPECT_EQ(QuintileScores(values), (std::vector<int>{4, 1, 5, 2, 3, 1, 5, 2, 4, 3}));
}

TEST(QuintileScoresTest, ATieAtAQuintileEdgeGoesWhollyToTheLowerQuintile) {
  // Ranks 2 and 3 tie: without ties they would score 1 and 2; both score 1.
  const std::vector<double> values{10, 20, 20, 30, 40, 50, 60, 70, 80, 90};
  EXPECT_EQ(QuintileScores(values), (std::vector<int>{1, 1, 1, 2, 3, 3, 4, 4, 5, 5}));
}

TEST(QuintileScoresTest, AValueMostCustomersShareScoresOneForAllOfThem) {
  const std::vector<double> values{1, 1, 1, 1, 2, 2, 3, 4, 5, 5};
  EXPECT_EQ(QuintileScores(values), (std::vector<int>{1, 1, 1, 1, 3, 3, 4, 4, 5, 5}));
  const std::vector<double> same(7, 3.0);
  EXPECT_EQ(QuintileScores(same), std::vector<int>(7, 1));
}

TEST(ComputeRfmTest, RecencyFrequencyAndMonetaryAsOfADay) {
  const int64_t as_of = Day(2023, 12, 31);
  std::vector<CustomerHistory> histories;
  // Five customers, each better than the one before on every count.
  for (int c = 0; c < 5; ++c) {
    CustomerHistory h{std::to_string(c), {}};
    for (int o = c; o >= 0; --o) h.orders.push_back(Order{as_of - 100 + 20 * c - o, 10.0 + c});
    histories.push_back(h);
  }
  // An order after the as-of day is ignored.
  histories[0].orders.push_back(Order{as_of + 1, 1000});
  const auto rfm = ComputeRfm(histories, as_of);
  ASSERT_EQ(rfm.size(), 5u);
  EXPECT_EQ(rfm[0].recency_days, 100);
  EXPECT_EQ(rfm[0].frequency, 1);
  EXPECT_DOUBLE_EQ(rfm[0].monetary, 10);
  EXPECT_EQ(rfm[4].recency_days, 20);
  EXPECT_EQ(rfm[4].frequency, 5);
  EXPECT_DOUBLE_EQ(rfm[4].monetary, 70);
  for (int c = 0; c < 5; ++c) {
    EXPECT_EQ(rfm[c].r_score, c + 1);
    EXPECT_EQ(rfm[c].f_score, c + 1);
    EXPECT_EQ(rfm[c].m_score, c + 1);
  }
}

TEST(ComputeRfmTest, TiesAtQuintileEdgesShareTheLowerScore) {
  const int64_t as_of = Day(2023, 12, 31);
  // Ten customers: recency days and orders (each worth 10). Recency 50 ties across ranks 2 and
  // 3 (the edge of the first quintile), 10 across ranks 8 and 9 (of the fourth); 1 order ties
  // across ranks 1 to 3 and 2 orders across ranks 4 to 6 (the edges of the first and second).
  const int recency[] = {60, 50, 50, 40, 30, 25, 20, 10, 10, 5};
  const int orders[] = {1, 1, 1, 2, 2, 2, 3, 3, 4, 5};
  std::vector<CustomerHistory> histories;
  for (int c = 0; c < 10; ++c) {
    CustomerHistory h{std::to_string(c), {}};
    for (int o = orders[c] - 1; o >= 0; --o) {
      h.orders.push_back(Order{as_of - recency[c] - 7 * o, 10.0});
    }
    histories.push_back(h);
  }
  const auto rfm = ComputeRfm(histories, as_of);
  ASSERT_EQ(rfm.size(), 10u);
  const int r_scores[] = {1, 1, 1, 2, 3, 3, 4, 4, 4, 5};
  const int f_scores[] = {1, 1, 1, 2, 2, 2, 4, 4, 5, 5};
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(rfm[c].recency_days, recency[c]) << c;
    EXPECT_EQ(rfm[c].frequency, orders[c]) << c;
    EXPECT_DOUBLE_EQ(rfm[c].monetary, 10.0 * orders[c]) << c;
    EXPECT_EQ(rfm[c].r_score, r_scores[c]) << c;
    EXPECT_EQ(rfm[c].f_score, f_scores[c]) << c;
    EXPECT_EQ(rfm[c].m_score, f_scores[c]) << c;  // revenue is 10 per order
  }
  // Customers tied on every count share a segment; the best one is a Champion, the worst Lost.
  EXPECT_EQ(SegmentOf(rfm[1].r_score, rfm[1].f_score, rfm[1].m_score),
            SegmentOf(rfm[2].r_score, rfm[2].f_score, rfm[2].m_score));
  EXPECT_EQ(SegmentOf(rfm[9].r_score, rfm[9].f_score, rfm[9].m_score), "Champions");
  EXPECT_EQ(SegmentOf(rfm[0].r_score, rfm[0].f_score, rfm[0].m_score), "Lost");
}

TEST(SegmentTableTest, FirstMatchingRowNamesTheSegment) {
  EXPECT_EQ(SegmentOf(5, 5, 5), "Champions");
  EXPECT_EQ(SegmentOf(5, 4, 4), "Potential Loyalist");
  EXPECT_EQ(SegmentOf(2, 2, 2), "Loyal Customers");
  EXPECT_EQ(SegmentOf(3, 1, 3), "Promising");
  EXPECT_EQ(SegmentOf(4, 1, 1), "New Customers");
  EXPECT_EQ(SegmentOf(1, 3, 5), "Can't Lose Them");
  EXPECT_EQ(SegmentOf(2, 5, 5), "At Risk");
  EXPECT_EQ(SegmentOf(1, 4, 3), "Need Attention");
  EXPECT_EQ(SegmentOf(3, 1, 1), "About To Sleep");
  EXPECT_EQ(SegmentOf(2, 1, 5), "Hibernating");
  EXPECT_EQ(SegmentOf(1, 1, 1), "Lost");
  EXPECT_EQ(SegmentOf(3, 5, 1), kOtherSegment);
}

TEST(SegmentTableTest, EveryScoreTripleHasOneSegmentAndEveryRowIsReachable) {
  std::vector<int> hits(std::size(kSegmentTable), 0);
  for (int r = 1; r <= 5; ++r) {
    for (int f = 1; f <= 5; ++f) {
      for (int m = 1; m <= 5; ++m) {
        const std::string_view name = SegmentOf(r, f, m);
        for (size_t row = 0; row < std::size(kSegmentTable); ++row) {
          if (kSegmentTable[row].name == name) ++hits[row];
        }
      }
    }
  }
  for (size_t row = 0; row < hits.size(); ++row) {
    EXPECT_GT(hits[row], 0) << kSegmentTable[row].name;
  }
}

TEST(OrderBookTest, LinesOfOneTransactionAndDayAreOneOrder) {
  OrderBook book;
  book.Add("A", "1", 10, 5);
  book.Add("A", "1", 10, 7);           // the same order
  book.Add("A", "1", 12, 1);           // the same id on another day: another order
  book.Add("A", std::nullopt, 12, 2);  // lines without an id are orders of their own
  book.Add("A", std::nullopt, 12, 3);
  book.Add("B", "1", 20, 3);  // after the as-of day
  book.Add("C", "1", 11, 4);  // another customer's transaction 1
  const auto histories = book.Histories(15);
  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].customer_id, "A");
  ASSERT_EQ(histories[0].orders.size(), 4u);
  EXPECT_EQ(histories[0].orders[0].day, 10);
  EXPECT_DOUBLE_EQ(histories[0].orders[0].value, 12);
  double day12 = 0;
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(histories[0].orders[i].day, 12);
    day12 += histories[0].orders[i].value;
  }
  EXPECT_DOUBLE_EQ(day12, 6);
  EXPECT_EQ(histories[1].customer_id, "C");
  EXPECT_EQ(book.last_day(), 20);
  EXPECT_EQ(book.Histories(25).size(), 3u);
}

// The caller's numbers stand for the ids: the same histories as adding by id, whichever way
// each line came in, and numbers that are not ids' order of first appearance.
TEST(OrderBookTest, NumberedCustomersBuildTheSameHistoriesAsIds) {
  struct Line {
    uint32_t number;
    const char* id;
    std::optional<std::string_view> transaction;
    int64_t day;
    double amount;
  };
  const std::vector<Line> lines{{7, "B", "t1", 11, 1},  {2, "A", "t1", 10, 2},
                                {7, "B", "t1", 11, 4},  {2, "A", std::nullopt, 10, 8},
                                {0, "C", "t2", 12, 16}, {2, "A", "t3", 9, 32}};
  OrderBook by_id, by_number, mixed;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    by_id.Add(l.id, l.transaction, l.day, l.amount);
    by_number.Add(l.number, l.id, l.transaction, l.day, l.amount);
    if (i % 2) {
      mixed.Add(l.id, l.transaction, l.day, l.amount);
    } else {
      mixed.Add(l.number, l.id, l.transaction, l.day, l.amount);
    }
  }
  const auto expected = by_id.Histories(20);
  ASSERT_EQ(expected.size(), 3u);
  ASSERT_EQ(expected[0].orders.size(), 3u);  // A: day 9, then two orders on day 10
  for (const OrderBook* book : {&by_number, &mixed}) {
    const auto histories = book->Histories(20);
    ASSERT_EQ(histories.size(), expected.size());
    for (size_t c = 0; c < expected.size(); ++c) {
      EXPECT_EQ(histories[c].customer_id, expected[c].customer_id);
      ASSERT_EQ(histories[c].orders.size(), expected[c].orders.size()) << c;
      for (size_t o = 0; o < expected[c].orders.size(); ++o) {
        EXPECT_EQ(histories[c].orders[o].day, expected[c].orders[o].day);
        EXPECT_EQ(histories[c].orders[o].value, expected[c].orders[o].value);
      }
    }
    EXPECT_EQ(book->lines(), 6);
  }
}

TEST(CohortsTest, ShareActiveRevenueRepeatRateAndGaps) {
  std::vector<CustomerHistory> histories{
      {"A", {{Day(2023, 1, 15), 10}, {Day(2023, 3, 2), 30}}},
      {"B", {{Day(2023, 1, 31), 5}}},
      {"C", {{Day(2023, 2, 10), 7}, {Day(2023, 2, 20), 8}, {Day(2023, 4, 1), 99}}},
  };
  const auto report = ComputeCohorts(histories, Day(2023, 3, 31));
  ASSERT_EQ(report.cohorts.size(), 2u);
  const Cohort& january = report.cohorts[0];
  EXPECT_EQ(january.month, "2023-01");
  EXPECT_EQ(january.customers, 2);
  ASSERT_EQ(january.months.size(), 3u);
  EXPECT_EQ(january.months[0].active, 2);
  EXPECT_DOUBLE_EQ(january.months[0].revenue, 15);
  EXPECT_EQ(january.months[1].active, 0);
  EXPECT_EQ(january.months[2].active, 1);
  EXPECT_DOUBLE_EQ(january.months[2].share_active, 0.5);
  EXPECT_DOUBLE_EQ(january.months[2].revenue, 30);
  const Cohort& february = report.cohorts[1];
  EXPECT_EQ(february.month, "2023-02");
  ASSERT_EQ(february.months.size(), 2u);
  EXPECT_EQ(february.months[0].active, 1);  // two orders in the month count once
  EXPECT_DOUBLE_EQ(february.months[0].revenue, 15);
  EXPECT_EQ(february.months[1].active, 0);
  EXPECT_EQ(report.customers, 3);
  EXPECT_EQ(report.repeat_customers, 2);
  EXPECT_DOUBLE_EQ(report.repeat_rate, 2.0 / 3);
  EXPECT_EQ(report.gaps, 2);  // 46 days (A) and 10 (C); C's April order is after the as-of day
  EXPECT_DOUBLE_EQ(report.mean_days_between, 28);
  EXPECT_DOUBLE_EQ(report.median_days_between, 28);
}

}  // namespace
}  // namespace till::segment
