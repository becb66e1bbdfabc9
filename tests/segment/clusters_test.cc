// k-means and the silhouette against scikit-learn on the same matrix (reference.py): the same
// k chosen, the silhouette within 0.01, the same partition up to labels (adjusted Rand index
// at least 0.99). The matrix is the standardised features of simulated customers of four
// kinds, more of them than the silhouette's sample, so that the sampling is compared too.
#include "segment/clusters.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <vector>

#include "segment/reference.h"
#include "segment/segmentation.h"
#include "support/temp_dir.h"

namespace till::segment {
namespace {

using till::testing::TempDir;

std::vector<Rfm> SimulatedCustomers(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  struct Kind {
    double recency, orders, basket;
  };
  // Recent frequent big spenders; lapsed one-off small baskets; steady mid; recent newcomers.
  constexpr Kind kKinds[] = {{5, 30, 400}, {300, 1, 20}, {60, 8, 80}, {10, 1, 150}};
  std::vector<Rfm> out;
  for (size_t i = 0; i < n; ++i) {
    const Kind& kind = kKinds[i % 4];
    std::lognormal_distribution<double> jitter(0, 0.15);
    Rfm c;
    c.recency_days = static_cast<int64_t>(kind.recency * jitter(rng));
    c.frequency = std::max<int64_t>(1, static_cast<int64_t>(kind.orders * jitter(rng)));
    c.monetary = static_cast<double>(c.frequency) * kind.basket * jitter(rng);
    out.push_back(c);
  }
  return out;
}

TEST(ClustersTest, SameKSilhouetteAndPartitionAsScikitLearn) {
  TempDir dir;
  const FeatureMatrix points = Standardise(ClusterFeatures(SimulatedCustomers(6000, 3)));
  ClusterOptions options;
  auto choice = ChooseClusters(points, options);
  ASSERT_TRUE(choice) << choice.error().message();
  {
    std::ofstream matrix(dir.Path("matrix.csv"));
    matrix.precision(17);
    for (size_t r = 0; r < points.rows; ++r) {
      for (size_t c = 0; c < points.columns; ++c) matrix << (c ? "," : "") << points.at(r, c);
      matrix << '\n';
    }
    std::ofstream sample(dir.Path("sample.csv"));
    for (size_t i : SilhouetteSample(points.rows)) sample << i << '\n';
    std::ofstream labels(dir.Path("labels.csv"));
    for (int label : choice->best.labels) labels << label << '\n';
  }
  const auto reference =
      testing::RunReference("kmeans " + dir.Path("matrix.csv") + " " + dir.Path("sample.csv") +
                            " " + dir.Path("labels.csv") + " 2 8");
  ASSERT_TRUE(reference.is_object());
  RecordProperty("till",
                 std::to_string(choice->best.k) + " " + std::to_string(choice->best.silhouette));
  RecordProperty("sklearn", reference.dump());
  EXPECT_EQ(choice->best.k, reference["k"].get<size_t>());
  EXPECT_NEAR(choice->best.silhouette, reference["silhouette"].get<double>(), 0.01);
  EXPECT_GE(reference["ari"].get<double>(), 0.99);
  for (const auto& [k, silhouette] : choice->silhouettes) {
    RecordProperty("silhouette_k" + std::to_string(k), std::to_string(silhouette));
  }
}

TEST(ClustersTest, DeterministicFromRunToRun) {
  const FeatureMatrix points = Standardise(ClusterFeatures(SimulatedCustomers(3000, 9)));
  auto first = ChooseClusters(points, ClusterOptions{});
  auto second = ChooseClusters(points, ClusterOptions{});
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->best.k, second->best.k);
  EXPECT_EQ(first->best.labels, second->best.labels);
  EXPECT_EQ(first->best.silhouette, second->best.silhouette);
}

TEST(ClustersTest, SameResultOnOneThreadAsOnSeveral) {
  const FeatureMatrix points = Standardise(ClusterFeatures(SimulatedCustomers(3000, 11)));
  ClusterOptions one, several;
  one.threads = 1;
  several.threads = 3;
  auto first = ChooseClusters(points, one);
  auto second = ChooseClusters(points, several);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->best.k, second->best.k);
  EXPECT_EQ(first->best.labels, second->best.labels);
  EXPECT_EQ(first->best.centroids, second->best.centroids);
  EXPECT_EQ(first->silhouettes, second->silhouettes);
}

TEST(ClustersTest, StandardiseGivesZeroMeanUnitVarianceAndZerosForAConstant) {
  FeatureMatrix m{4, 2, {1, 5, 2, 5, 3, 5, 4, 5}};
  const FeatureMatrix z = Standardise(m);
  double sum = 0, squares = 0;
  for (size_t r = 0; r < 4; ++r) {
    sum += z.at(r, 0);
    squares += z.at(r, 0) * z.at(r, 0);
    EXPECT_EQ(z.at(r, 1), 0);
  }
  EXPECT_NEAR(sum, 0, 1e-12);
  EXPECT_NEAR(squares / 4, 1, 1e-12);
}

TEST(ClustersTest, TooFewPointsIsAnError) {
  FeatureMatrix one{1, 2, {1, 2}};
  EXPECT_EQ(ChooseClusters(one, ClusterOptions{}).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace till::segment
