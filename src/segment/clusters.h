// Behavioural clusters: k-means on standardised features, with k chosen by the silhouette.
//
// k-means is Lloyd's algorithm from greedy k-means++ seeds (as scikit-learn's KMeans), with
// Hamerly's distance bounds to skip the distances that cannot change an assignment (clusters.cc
// says why it is not Armadillo's kmeans). Deterministic: each restart draws its seeds from a
// generator seeded with a fixed value, and the best of them (least within-cluster sum of
// squares, the first on a tie) is kept. The silhouette of each k is computed over at most
// kSilhouetteSample customers, picked at even strides of the customers' order (all of them when
// there are fewer), as scikit-learn's silhouette_score does with sample_size: the mean
// silhouette of the sampled points within the sample, each distance computed once for every k.
// The restarts of every k, and then the silhouettes, run on as many threads as the machine has
// cores; the result is the same whatever the number. Thread-safe: no state is shared between
// calls.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace till::segment {

inline constexpr size_t kSilhouetteSample = 5000;
inline constexpr size_t kMaxClusters = 255;  // a label fits a byte in the silhouette's tables

// Features as a row-major matrix: `rows` points of `columns` values each.
struct FeatureMatrix {
  size_t rows = 0;
  size_t columns = 0;
  std::vector<double> values;  // rows * columns
  double at(size_t row, size_t column) const { return values[row * columns + column]; }
};

// Each column minus its mean, divided by its standard deviation (population, as scikit-learn's
// StandardScaler); a constant column becomes zeros.
FeatureMatrix Standardise(const FeatureMatrix& features);

struct KMeansFit {
  size_t k = 0;
  std::vector<int> labels;        // 0 .. k-1 per point
  std::vector<double> centroids;  // k * columns, row-major
  double inertia = 0;             // within-cluster sum of squared distances
  double silhouette = 0;          // over the sample
};

struct ClusterOptions {
  size_t min_k = 2;
  size_t max_k = 8;
  // Seeded runs per k in the search, as scikit-learn's KMeans makes one by default (n_init
  // "auto"): its greedy k-means++ seeds start each run near a good optimum. On the generated data
  // (302,010 and 3,020,100 sales) three runs per k chose the same k as one, for three times the
  // work.
  int restarts = 1;
  // Seeded runs of the chosen k in all (the search's among them), the best kept: the partition
  // returned is as good as the search had made that many of every k.
  int final_restarts = 3;
  int max_iterations = 30;
  size_t threads = 0;  // 0: as many as the machine has cores; the result is the same for any
};

// k-means of `points` for one k. kInvalidArgument when there are fewer points than k or k is
// above kMaxClusters.
Result<KMeansFit> KMeans(const FeatureMatrix& points, size_t k, const ClusterOptions& options);

// The mean silhouette of the points `sample` names (indices into `points`), computed within the
// sample with `labels`.
double Silhouette(const FeatureMatrix& points, std::span<const size_t> sample,
                  std::span<const int> labels);

// The sample the silhouette uses: at most kSilhouetteSample indices at even strides.
std::vector<size_t> SilhouetteSample(size_t rows);

// k-means for each k from min_k to max_k (those below the number of points), the one with the
// highest silhouette kept (the smaller k on a tie). Also returns every k's silhouette.
// kInvalidArgument when no k is below the number of points, or max_k is above kMaxClusters.
struct ClusterChoice {
  KMeansFit best;
  std::vector<std::pair<size_t, double>> silhouettes;  // (k, silhouette)
};
Result<ClusterChoice> ChooseClusters(const FeatureMatrix& points, const ClusterOptions& options);

}  // namespace till::segment
