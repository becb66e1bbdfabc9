#include "segment/clusters.h"

#include <algorithm>
#include <armadillo>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

namespace till::segment {
namespace {

// The distances between the sampled points, the strict lower triangle row by row, as floats:
// 5,000 points take 50 MB, computed once for every k.
struct SampleDistances {
  size_t n = 0;
  std::vector<float> lower;
};

SampleDistances Distances(const FeatureMatrix& points, std::span<const size_t> sample) {
  SampleDistances d;
  d.n = sample.size();
  d.lower.resize(d.n * (d.n - (d.n > 0 ? 1 : 0)) / 2);
  size_t next = 0;
  for (size_t i = 0; i < d.n; ++i) {
    const double* pi = &points.values[sample[i] * points.columns];
    for (size_t j = 0; j < i; ++j) {
      const double* pj = &points.values[sample[j] * points.columns];
      double sum = 0;
      for (size_t c = 0; c < points.columns; ++c) sum += (pi[c] - pj[c]) * (pi[c] - pj[c]);
      d.lower[next++] = static_cast<float>(std::sqrt(sum));
    }
  }
  return d;
}

double SilhouetteOf(const SampleDistances& d, std::span<const size_t> sample,
                    std::span<const int> labels, size_t k) {
  if (d.n < 2) return 0;
  std::vector<size_t> size(k, 0);
  std::vector<int> label(d.n);
  for (size_t i = 0; i < d.n; ++i) {
    label[i] = labels[sample[i]];
    ++size[label[i]];
  }
  // sums[i * k + c]: the distances from sampled point i to the sampled points of cluster c,
  // accumulated over the triangle in storage order.
  std::vector<double> sums(d.n * k, 0.0);
  const float* next = d.lower.data();
  for (size_t i = 1; i < d.n; ++i) {
    double* own_sums = &sums[i * k];
    const size_t own = label[i];
    for (size_t j = 0; j < i; ++j, ++next) {
      own_sums[label[j]] += *next;
      sums[j * k + own] += *next;
    }
  }
  double total = 0;
  for (size_t i = 0; i < d.n; ++i) {
    const size_t own = label[i];
    if (size[own] <= 1) continue;  // a point alone in its cluster scores 0
    const double a = sums[i * k + own] / static_cast<double>(size[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < k; ++c) {
      if (c != own && size[c] > 0) b = std::min(b, sums[i * k + c] / static_cast<double>(size[c]));
    }
    if (!std::isfinite(b)) continue;
    const double denominator = std::max(a, b);
    if (denominator > 0) total += (b - a) / denominator;
  }
  return total / static_cast<double>(d.n);
}

}  // namespace

FeatureMatrix Standardise(const FeatureMatrix& features) {
  FeatureMatrix out = features;
  const auto n = static_cast<double>(features.rows);
  for (size_t c = 0; c < features.columns; ++c) {
    double mean = 0;
    for (size_t r = 0; r < features.rows; ++r) mean += features.at(r, c);
    mean /= n;
    double variance = 0;
    for (size_t r = 0; r < features.rows; ++r) {
      variance += (features.at(r, c) - mean) * (features.at(r, c) - mean);
    }
    const double sd = std::sqrt(variance / n);
    for (size_t r = 0; r < features.rows; ++r) {
      out.values[r * out.columns + c] = sd > 0 ? (features.at(r, c) - mean) / sd : 0;
    }
  }
  return out;
}

// Armadillo's kmeans saves and restores std::cout's format state on every call, even when it
// prints nothing (arma_ostream_state), so two calls at once race on std::cout: they take turns.
// The silhouettes, most of the k search's work, still run side by side.
namespace {
std::mutex kmeans_turn;
}  // namespace

Result<KMeansFit> KMeans(const FeatureMatrix& points, size_t k, const ClusterOptions& options) {
  if (k == 0 || points.rows < k) {
    return MakeError(ErrorCode::kInvalidArgument, "k-means needs at least k points");
  }
  // Armadillo holds one point per column: the row-major matrix, read column-major, is that.
  const arma::mat data(const_cast<double*>(points.values.data()), points.columns, points.rows,
                       /*copy_aux_mem=*/false, /*strict=*/true);
  KMeansFit best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (int restart = 0; restart < options.restarts; ++restart) {
    arma::arma_rng::set_seed(static_cast<arma::arma_rng::seed_type>(1000 + restart));
    arma::mat means;
    bool fitted = false;
    {
      std::lock_guard turn(kmeans_turn);
      fitted = arma::kmeans(means, data, static_cast<arma::uword>(k), arma::random_spread,
                            static_cast<arma::uword>(options.max_iterations), false);
    }
    if (!fitted) continue;
    KMeansFit fit;
    fit.k = k;
    fit.labels.resize(points.rows);
    for (size_t r = 0; r < points.rows; ++r) {
      double nearest = std::numeric_limits<double>::infinity();
      for (size_t c = 0; c < k; ++c) {
        double sum = 0;
        for (size_t f = 0; f < points.columns; ++f) {
          const double delta = points.at(r, f) - means(f, c);
          sum += delta * delta;
        }
        if (sum < nearest) {
          nearest = sum;
          fit.labels[r] = static_cast<int>(c);
        }
      }
      fit.inertia += nearest;
    }
    if (fit.inertia < best.inertia) {
      fit.centroids.assign(means.begin(), means.end());  // column-major k columns: row-major
      best = std::move(fit);
    }
  }
  if (best.k == 0) return MakeError(ErrorCode::kInternal, "k-means failed in every restart");
  return best;
}

std::vector<size_t> SilhouetteSample(size_t rows) {
  const size_t n = std::min(rows, kSilhouetteSample);
  std::vector<size_t> sample(n);
  for (size_t i = 0; i < n; ++i) sample[i] = i * rows / n;
  return sample;
}

double Silhouette(const FeatureMatrix& points, std::span<const size_t> sample,
                  std::span<const int> labels) {
  int k = 0;
  for (size_t i : sample) k = std::max(k, labels[i] + 1);
  return SilhouetteOf(Distances(points, sample), sample, labels, static_cast<size_t>(k));
}

Result<ClusterChoice> ChooseClusters(const FeatureMatrix& points, const ClusterOptions& options) {
  const std::vector<size_t> sample = SilhouetteSample(points.rows);
  const SampleDistances distances = Distances(points, sample);
  std::vector<size_t> ks;
  for (size_t k = options.min_k; k <= options.max_k && k < points.rows; ++k) ks.push_back(k);
  if (ks.empty()) return MakeError(ErrorCode::kInvalidArgument, "too few customers to cluster");
  // Each k is fitted on its own, so the k values are shared out among threads; the result does
  // not depend on which thread fits which (Armadillo's generator is per thread and seeded for
  // each restart).
  std::vector<std::optional<Result<KMeansFit>>> fits(ks.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < ks.size(); i = next++) {
      auto fit = KMeans(points, ks[i], options);
      if (fit) fit->silhouette = SilhouetteOf(distances, sample, fit->labels, ks[i]);
      fits[i] = std::move(fit);
    }
  };
  const size_t threads =
      std::min<size_t>(ks.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  ClusterChoice choice;
  for (size_t i = 0; i < ks.size(); ++i) {
    auto& fit = *fits[i];
    if (!fit) return MakeError(fit.error().code(), fit.error().message());
    choice.silhouettes.emplace_back(ks[i], fit->silhouette);
    if (i == 0 || fit->silhouette > choice.best.silhouette) choice.best = std::move(*fit);
  }
  return choice;
}

}  // namespace till::segment
