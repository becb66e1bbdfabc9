#include "segment/clusters.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "segment/parallel.h"

namespace till::segment {
namespace {

double SquaredDistance(const double* a, const double* b, size_t columns) {
  if (columns == 4) {  // the features of ClusterFeatures, unrolled; the same sum
    return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
           (a[2] - b[2]) * (a[2] - b[2]) + (a[3] - b[3]) * (a[3] - b[3]);
  }
  double sum = 0;
  for (size_t c = 0; c < columns; ++c) sum += (a[c] - b[c]) * (a[c] - b[c]);
  return sum;
}

// A uniform draw in [0, 1) from the generator's next 53 bits: std::mt19937_64's sequence is
// fixed by the standard, std::uniform_real_distribution's use of it is not.
double Uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Greedy k-means++ seeding (Arthur and Vassilvitskii 2007, with scikit-learn's 2 + ln k
// candidates per centre, the one that lowers the potential most kept).
std::vector<double> SeedCentres(const FeatureMatrix& points, size_t k, std::mt19937_64& rng) {
  const size_t n = points.rows, d = points.columns;
  const double* x = points.values.data();
  std::vector<double> centres;
  centres.reserve(k * d);
  const auto first = std::min(n - 1, static_cast<size_t>(Uniform(rng) * static_cast<double>(n)));
  centres.insert(centres.end(), x + first * d, x + first * d + d);
  std::vector<double> nearest(n), cumulative(n), candidate(n), best_candidate(n);
  for (size_t i = 0; i < n; ++i) nearest[i] = SquaredDistance(x + i * d, x + first * d, d);
  const size_t trials = 2 + static_cast<size_t>(std::log(static_cast<double>(k)));
  for (size_t c = 1; c < k; ++c) {
    double potential = 0;
    for (size_t i = 0; i < n; ++i) cumulative[i] = potential += nearest[i];
    size_t best = 0;
    double best_potential = std::numeric_limits<double>::infinity();
    for (size_t t = 0; t < trials; ++t) {
      // Drawn in proportion to the squared distance to the nearest centre so far.
      const double target = Uniform(rng) * potential;
      const size_t pick = std::min<size_t>(
          n - 1,
          static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), target) -
                              cumulative.begin()));
      double sum = 0;
      for (size_t i = 0; i < n; ++i) {
        candidate[i] = std::min(nearest[i], SquaredDistance(x + i * d, x + pick * d, d));
        sum += candidate[i];
      }
      if (sum < best_potential) {
        best_potential = sum;
        best = pick;
        best_candidate.swap(candidate);
      }
    }
    centres.insert(centres.end(), x + best * d, x + best * d + d);
    nearest.swap(best_candidate);
  }
  return centres;
}

// One k-means run from one seeding: Lloyd's iterations (move each centre to the mean of its
// points, assign each point to its nearest centre) until no point changes centre or
// `max_iterations` moves; each move is followed by an assignment, so the labels are those of
// the final centres. As scikit-learn's KMeans (algorithm "lloyd") but without its tolerance,
// which stops while a few points still move (Armadillo's kmeans, used before, had none either),
// with Hamerly's bounds (Hamerly 2010, "Making k-means even faster").
//
// Written here rather than taken from Armadillo:
// arma::kmeans saves and restores std::cout's format state on every call (a data race when two
// run at once, so the k values had to take turns on one core), and it measures every point
// against every centre in every iteration. Each point here keeps an upper bound on the
// distance to its own centre and a lower bound on the distance to any other; a point whose
// upper bound is below both its lower bound and half the distance from its centre to the next
// is not measured again. The bounds only skip distances that cannot change an assignment, so
// the iterations are Lloyd's. The sums of each centre's points follow the points that change
// centre rather than being summed again in every iteration.
//
// A centre left without points moves to the point farthest from its own centre, as
// scikit-learn does.
KMeansFit Lloyd(const FeatureMatrix& points, size_t k, int max_iterations, uint64_t seed) {
  const size_t n = points.rows, d = points.columns;
  const double* x = points.values.data();
  std::mt19937_64 rng(seed);
  std::vector<double> centres = SeedCentres(points, k, rng);
  std::vector<int> label(n, 0);
  std::vector<double> upper(n), lower(n);
  std::vector<double> half_gap(k), drift(k), sums(k * d, 0.0), next(d);
  std::vector<size_t> sizes(k, 0);
  std::vector<uint32_t> unsettled(n);
  auto distance = [&](size_t i, size_t c) {
    return std::sqrt(SquaredDistance(x + i * d, centres.data() + c * d, d));
  };
  // Measures point i against every centre: its nearest (the first on a tie) and the second,
  // compared by squared distance (one square root for each of the two).
  auto assign = [&](size_t i) {
    double first = std::numeric_limits<double>::infinity(), second = first;
    int nearest = 0;
    for (size_t c = 0; c < k; ++c) {
      const double dc = SquaredDistance(x + i * d, centres.data() + c * d, d);
      if (dc < first) {
        second = first;
        first = dc;
        nearest = static_cast<int>(c);
      } else if (dc < second) {
        second = dc;
      }
    }
    upper[i] = std::sqrt(first);
    lower[i] = std::sqrt(second);
    return nearest;
  };
  for (size_t i = 0; i < n; ++i) {
    label[i] = assign(i);
    const auto c = static_cast<size_t>(label[i]);
    ++sizes[c];
    for (size_t f = 0; f < d; ++f) sums[c * d + f] += x[i * d + f];
  }
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    bool moved = false;
    for (size_t c = 0; c < k; ++c) {
      if (sizes[c] > 0) {
        for (size_t f = 0; f < d; ++f) next[f] = sums[c * d + f] / static_cast<double>(sizes[c]);
      } else {
        size_t farthest = 0;
        double far = -1;
        for (size_t i = 0; i < n; ++i) {
          const double di = distance(i, static_cast<size_t>(label[i]));
          if (di > far) {
            far = di;
            farthest = i;
          }
        }
        next.assign(x + farthest * d, x + farthest * d + d);
      }
      drift[c] = std::sqrt(SquaredDistance(next.data(), centres.data() + c * d, d));
      moved = moved || drift[c] > 0;
      std::copy(next.begin(), next.end(), centres.begin() + static_cast<std::ptrdiff_t>(c * d));
    }
    if (!moved) break;
    // The bounds follow the centres (triangle inequality): a point's own centre is now at most
    // its drift farther, any other at most the largest drift of the others nearer.
    size_t most = 0;
    for (size_t c = 1; c < k; ++c) {
      if (drift[c] > drift[most]) most = c;
    }
    double runner_up = 0;
    for (size_t c = 0; c < k; ++c) {
      if (c != most) runner_up = std::max(runner_up, drift[c]);
    }
    for (size_t c = 0; c < k; ++c) {
      double gap = std::numeric_limits<double>::infinity();
      for (size_t other = 0; other < k; ++other) {
        if (other != c) {
          gap = std::min(gap, std::sqrt(SquaredDistance(centres.data() + c * d,
                                                        centres.data() + other * d, d)));
        }
      }
      half_gap[c] = gap / 2;
    }
    // First, without a branch, the bounds of every point and the list of those whose bounds no
    // longer settle their centre: which points pass is a coin toss to the processor, and a
    // branch on it was mispredicted about as often as not.
    size_t open = 0;
    for (size_t i = 0; i < n; ++i) {
      const auto own = static_cast<size_t>(label[i]);
      upper[i] += drift[own];
      lower[i] -= own == most ? runner_up : drift[most];
      unsettled[open] = static_cast<uint32_t>(i);
      open += upper[i] > std::max(half_gap[own], lower[i]) ? 1 : 0;
    }
    // Then those points, in order, measured against their centre and, if still unsettled,
    // against every centre.
    bool changed = false;
    for (size_t u = 0; u < open; ++u) {
      const size_t i = unsettled[u];
      const auto own = static_cast<size_t>(label[i]);
      const double bound = std::max(half_gap[own], lower[i]);
      upper[i] = distance(i, own);
      if (upper[i] <= bound) continue;
      const auto nearest = static_cast<size_t>(assign(i));
      if (nearest == own) continue;
      changed = true;
      label[i] = static_cast<int>(nearest);
      --sizes[own];
      ++sizes[nearest];
      for (size_t f = 0; f < d; ++f) {
        sums[own * d + f] -= x[i * d + f];
        sums[nearest * d + f] += x[i * d + f];
      }
    }
    if (!changed) break;
  }
  KMeansFit fit;
  fit.k = k;
  fit.labels = std::move(label);
  fit.centroids = std::move(centres);
  for (size_t i = 0; i < n; ++i) {
    fit.inertia += SquaredDistance(x + i * d, fit.centroids.data() + fit.labels[i] * d, d);
  }
  return fit;
}

uint64_t RestartSeed(int restart) { return 1000 + static_cast<uint64_t>(restart); }

// The sample's points, one array per feature, for distances computed many at a time, as
// floats (the silhouette's distances are summed from floats, and four of them fit where two
// doubles would).
struct SamplePoints {
  size_t n = 0;
  std::vector<std::vector<float>> features;
};

SamplePoints SampleOf(const FeatureMatrix& points, std::span<const size_t> sample) {
  SamplePoints s;
  s.n = sample.size();
  s.features.assign(points.columns, std::vector<float>(s.n));
  for (size_t i = 0; i < s.n; ++i) {
    for (size_t c = 0; c < points.columns; ++c) {
      s.features[c][i] = static_cast<float>(points.at(sample[i], c));
    }
  }
  return s;
}

// The mean silhouette of the sample under each of several labellings (`labels[t]` the sampled
// points' labels 0 .. ks[t] - 1), the distances computed once for all of them and kept in no
// matrix: each sampled point's row of distances is computed, as floats, and summed per cluster
// of every labelling at once (the labellings' sums are independent, so they proceed side by
// side). The rows are shared out among threads, each writing its own; a row's sums run over
// the other points in sample order, whichever thread computes it.
std::vector<double> Silhouettes(const SamplePoints& s, std::span<const std::vector<uint8_t>> labels,
                                std::span<const size_t> ks, size_t threads) {
  const size_t n = s.n, labellings = ks.size();
  std::vector<double> out(labellings, 0.0);
  if (n < 2) return out;
  std::vector<size_t> offset(labellings + 1, 0);
  for (size_t t = 0; t < labellings; ++t) offset[t + 1] = offset[t] + ks[t];
  const size_t width = offset[labellings];
  // slot[j * labellings + t]: where in a row's sums point j's distance goes under labelling t.
  std::vector<uint32_t> slot(n * labellings);
  for (size_t j = 0; j < n; ++j) {
    for (size_t t = 0; t < labellings; ++t) {
      slot[j * labellings + t] = static_cast<uint32_t>(offset[t] + labels[t][j]);
    }
  }
  // sums[i * width + offset[t] + c]: the distances from sampled point i to the sampled points
  // of cluster c under labelling t.
  std::vector<double> sums(n * width, 0.0);
  constexpr size_t kRowsPerTask = 64;
  ParallelFor((n + kRowsPerTask - 1) / kRowsPerTask, threads, [&](size_t task) {
    std::vector<float> row(n);
    for (size_t i = task * kRowsPerTask; i < std::min(n, (task + 1) * kRowsPerTask); ++i) {
      for (size_t c = 0; c < s.features.size(); ++c) {
        const float* feature = s.features[c].data();
        const float xi = feature[i];
        if (c == 0) {
          for (size_t j = 0; j < n; ++j) row[j] = (feature[j] - xi) * (feature[j] - xi);
        } else {
          for (size_t j = 0; j < n; ++j) row[j] += (feature[j] - xi) * (feature[j] - xi);
        }
      }
      for (size_t j = 0; j < n; ++j) row[j] = std::sqrt(row[j]);
      row[i] = 0;  // adds nothing to its own cluster's sum
      double* acc = &sums[i * width];
      const uint32_t* to = slot.data();
      for (size_t j = 0; j < n; ++j, to += labellings) {
        const double dj = row[j];
        for (size_t t = 0; t < labellings; ++t) acc[to[t]] += dj;
      }
    }
  });
  std::vector<size_t> size;
  for (size_t t = 0; t < labellings; ++t) {
    const size_t k = ks[t];
    size.assign(k, 0);
    for (uint8_t label : labels[t]) ++size[label];
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      const double* row = &sums[i * width + offset[t]];
      const size_t own = labels[t][i];
      if (size[own] <= 1) continue;  // a point alone in its cluster scores 0
      const double a = row[own] / static_cast<double>(size[own] - 1);
      double b = std::numeric_limits<double>::infinity();
      for (size_t c = 0; c < k; ++c) {
        if (c != own && size[c] > 0) b = std::min(b, row[c] / static_cast<double>(size[c]));
      }
      if (!std::isfinite(b)) continue;
      const double denominator = std::max(a, b);
      if (denominator > 0) total += (b - a) / denominator;
    }
    out[t] = total / static_cast<double>(n);
  }
  return out;
}

std::vector<uint8_t> SampleLabels(std::span<const size_t> sample, std::span<const int> labels) {
  std::vector<uint8_t> out(sample.size());
  for (size_t i = 0; i < sample.size(); ++i) out[i] = static_cast<uint8_t>(labels[sample[i]]);
  return out;
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

Result<KMeansFit> KMeans(const FeatureMatrix& points, size_t k, const ClusterOptions& options) {
  if (k == 0 || k > kMaxClusters || points.rows < k) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "k-means needs at least k points and k of at most " + std::to_string(kMaxClusters));
  }
  KMeansFit best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (int restart = 0; restart < std::max(1, options.restarts); ++restart) {
    KMeansFit fit = Lloyd(points, k, options.max_iterations, RestartSeed(restart));
    if (fit.inertia < best.inertia) best = std::move(fit);
  }
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
  const std::vector<uint8_t> sampled = SampleLabels(sample, labels);
  const size_t ks[] = {static_cast<size_t>(k)};
  return Silhouettes(SampleOf(points, sample), std::span(&sampled, 1), ks, 0)[0];
}

Result<ClusterChoice> ChooseClusters(const FeatureMatrix& points, const ClusterOptions& options) {
  std::vector<size_t> ks;
  for (size_t k = options.min_k; k <= options.max_k && k < points.rows; ++k) ks.push_back(k);
  if (ks.empty()) return MakeError(ErrorCode::kInvalidArgument, "too few customers to cluster");
  if (ks.front() == 0 || ks.back() > kMaxClusters) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "k must be between 1 and " + std::to_string(kMaxClusters));
  }
  // Every restart of every k is a run of its own, shared out among threads, the larger k (the
  // longer runs) first; the best restart of each k is then picked in restart order.
  const size_t restarts = static_cast<size_t>(std::max(1, options.restarts));
  std::vector<KMeansFit> runs(ks.size() * restarts);
  ParallelFor(runs.size(), options.threads, [&](size_t job) {
    const size_t i = ks.size() - 1 - job / restarts;
    runs[i * restarts + job % restarts] =
        Lloyd(points, ks[i], options.max_iterations, RestartSeed(static_cast<int>(job % restarts)));
  });
  std::vector<KMeansFit> fits;
  for (size_t i = 0; i < ks.size(); ++i) {
    size_t best = i * restarts;
    for (size_t r = 1; r < restarts; ++r) {
      if (runs[i * restarts + r].inertia < runs[best].inertia) best = i * restarts + r;
    }
    fits.push_back(std::move(runs[best]));
  }
  const std::vector<size_t> sample = SilhouetteSample(points.rows);
  std::vector<std::vector<uint8_t>> labels;
  for (const KMeansFit& fit : fits) labels.push_back(SampleLabels(sample, fit.labels));
  const std::vector<double> silhouettes =
      Silhouettes(SampleOf(points, sample), labels, ks, options.threads);
  ClusterChoice choice;
  size_t chosen = 0;
  for (size_t i = 0; i < ks.size(); ++i) {
    fits[i].silhouette = silhouettes[i];
    choice.silhouettes.emplace_back(ks[i], silhouettes[i]);
    if (i == 0 || silhouettes[i] > choice.best.silhouette) {
      choice.best = std::move(fits[i]);
      chosen = i;
    }
  }
  // The chosen k run again from the seedings the search did not make, the best run kept (the
  // first on a tie), with its silhouette.
  const size_t final_restarts = static_cast<size_t>(std::max(options.final_restarts, 1));
  if (final_restarts > restarts) {
    std::vector<KMeansFit> more(final_restarts - restarts);
    ParallelFor(more.size(), options.threads, [&](size_t job) {
      more[job] = Lloyd(points, ks[chosen], options.max_iterations,
                        RestartSeed(static_cast<int>(restarts + job)));
    });
    size_t better = more.size();
    for (size_t j = 0; j < more.size(); ++j) {
      const double best_so_far = better < more.size() ? more[better].inertia : choice.best.inertia;
      if (more[j].inertia < best_so_far) better = j;
    }
    if (better < more.size()) {
      choice.best = std::move(more[better]);
      choice.best.silhouette = Silhouette(points, sample, choice.best.labels);
      choice.silhouettes[chosen].second = choice.best.silhouette;
    }
  }
  return choice;
}

}  // namespace till::segment
