#include "fit_segments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace trafficsim::host {

namespace {

using matrix = std::vector<std::vector<double>>;

/// Each column to mean 0 and standard deviation 1 (a constant column to 0), so that no
/// feature weighs more for its unit.
matrix standardised(const matrix& x) {
  matrix z = x;
  if (x.empty()) return z;
  const std::size_t d = x[0].size();
  const auto n = static_cast<double>(x.size());
  for (std::size_t j = 0; j < d; ++j) {
    double mean = 0, ss = 0;
    for (const auto& row : x) mean += row[j];
    mean /= n;
    for (const auto& row : x) ss += (row[j] - mean) * (row[j] - mean);
    const double sd = std::sqrt(ss / n);
    for (auto& row : z) row[j] = sd > 0 ? (row[j] - mean) / sd : 0.0;
  }
  return z;
}

double distance2(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t j = 0; j < a.size(); ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

/// SplitMix64: the seeding's own generator, spelled out so that every standard library
/// gives the same segments.
struct splitmix {
  std::uint64_t x;
  double unit() {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1p-53;
  }
};

struct clustering {
  std::vector<std::uint32_t> of;  ///< each point's cluster
  std::vector<std::size_t> sizes;
  matrix centres;
  double sse = std::numeric_limits<double>::infinity();
};

/// Lloyd's k-means from k-means++ centres (Arthur and Vassilvitskii 2007) drawn by `rng`.
clustering lloyd(const matrix& z, std::size_t k, splitmix& rng) {
  const std::size_t n = z.size(), d = z[0].size();
  matrix centres{z[static_cast<std::size_t>(rng.unit() * static_cast<double>(n))]};
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
  while (centres.size() < k) {
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) total += nearest[i] = std::min(nearest[i], distance2(z[i], centres.back()));
    if (total <= 0) break;  // fewer distinct points than k
    double u = rng.unit() * total;
    std::size_t pick = 0;
    while (pick + 1 < n && (u -= nearest[pick]) > 0) ++pick;
    centres.push_back(z[pick]);
  }
  clustering c;
  c.of.assign(n, 0);
  for (int iteration = 0; iteration < 100; ++iteration) {
    bool moved = iteration == 0;
    c.sse = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t best = 0;
      double best_d = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < centres.size(); ++j)
        if (const double dd = distance2(z[i], centres[j]); dd < best_d)
          best_d = dd, best = static_cast<std::uint32_t>(j);
      moved = moved || best != c.of[i];
      c.of[i] = best;
      c.sse += best_d;
    }
    c.sizes.assign(centres.size(), 0);
    matrix sums(centres.size(), std::vector<double>(d, 0.0));
    for (std::size_t i = 0; i < n; ++i) {
      ++c.sizes[c.of[i]];
      for (std::size_t j = 0; j < d; ++j) sums[c.of[i]][j] += z[i][j];
    }
    for (std::size_t j = 0; j < centres.size(); ++j)
      if (c.sizes[j] > 0)
        for (std::size_t m = 0; m < d; ++m) centres[j][m] = sums[j][m] / static_cast<double>(c.sizes[j]);
    if (!moved) break;
  }
  c.centres = std::move(centres);
  return c;
}

/// The best (least SSE) of a few k-means runs.
clustering best_of_runs(const matrix& z, std::size_t k) {
  splitmix rng{0x5e9e47 + k};
  clustering best;
  for (int run = 0; run < 6; ++run) {
    clustering c = lloyd(z, k, rng);
    if (c.sse < best.sse) best = std::move(c);
  }
  return best;
}

/// The mean silhouette of a clustering (Rousseeuw 1987): for each point, (b - a) / max(a,
/// b), a its mean distance to its own cluster's other points, b to the nearest other
/// cluster's; a point alone in its cluster counts 0. Over every step-th point (pairs cost
/// n^2), measured against all points of that sample.
double silhouette(const matrix& z, const clustering& c) {
  const std::size_t step = std::max<std::size_t>(1, (z.size() + 1999) / 2000);
  std::vector<std::size_t> sample;
  for (std::size_t i = 0; i < z.size(); i += step) sample.push_back(i);
  const std::size_t k = c.sizes.size();
  double total = 0;
  std::vector<double> sum(k);
  std::vector<std::size_t> count(k);
  for (const std::size_t i : sample) {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (const std::size_t j : sample) {
      if (j == i) continue;
      sum[c.of[j]] += std::sqrt(distance2(z[i], z[j]));
      ++count[c.of[j]];
    }
    const std::uint32_t own = c.of[i];
    if (count[own] == 0) continue;
    const double a = sum[own] / static_cast<double>(count[own]);
    double b = std::numeric_limits<double>::infinity();
    for (std::size_t m = 0; m < k; ++m)
      if (m != own && count[m] > 0) b = std::min(b, sum[m] / static_cast<double>(count[m]));
    if (std::isfinite(b) && std::max(a, b) > 0) total += (b - a) / std::max(a, b);
  }
  return sample.empty() ? 0.0 : total / static_cast<double>(sample.size());
}

/// The mean silhouette above which the clusters are taken as segments: Kaufman and
/// Rousseeuw (Finding Groups in Data, 1990) read 0.51-0.70 as "a reasonable structure has
/// been found" and 0.50 or less as weak structure that "could be artificial". Each in-tree
/// scenario alone gives 0.25-0.48 for every k (no segments); the default run's four kinds
/// 0.6-0.7.
constexpr double structure_threshold = 0.5;

/// Clusters renumbered by size, most customers first (ties: the lowest first customer).
std::vector<std::uint32_t> by_size(const clustering& c) {
  std::vector<std::size_t> first(c.sizes.size(), c.of.size());
  for (std::size_t i = c.of.size(); i-- > 0;) first[c.of[i]] = i;
  std::vector<std::uint32_t> order(c.sizes.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return c.sizes[a] != c.sizes[b] ? c.sizes[a] > c.sizes[b] : first[a] < first[b];
  });
  std::vector<std::uint32_t> rank(c.sizes.size());
  for (std::uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  std::vector<std::uint32_t> out(c.of.size());
  for (std::size_t i = 0; i < c.of.size(); ++i) out[i] = rank[c.of[i]];
  return out;
}

/// The customers the segments are found on: all, or every step-th of a large log (k-means
/// over 7 values of k costs n x k x d x iterations x runs). 5,000 customers place the
/// centres of at most 8 segments, each of 5 % of them or more (250), within a fifteenth of a
/// standard deviation of their own (1 / sqrt(250)).
constexpr std::size_t max_sampled = 5'000;

/// Every point to its nearest centre.
clustering assign(const matrix& z, const matrix& centres) {
  clustering c;
  c.centres = centres;
  c.of.resize(z.size());
  c.sizes.assign(centres.size(), 0);
  c.sse = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    std::uint32_t best = 0;
    double best_d = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < centres.size(); ++j)
      if (const double dd = distance2(z[i], centres[j]); dd < best_d) best_d = dd, best = static_cast<std::uint32_t>(j);
    c.of[i] = best;
    ++c.sizes[best];
    c.sse += best_d;
  }
  return c;
}

/// The clustering with the highest mean silhouette among k = 2 .. max_segments whose
/// segments all hold min_size points or more, if that silhouette is above
/// structure_threshold; else one segment.
clustering choose(const matrix& z, std::size_t k, std::size_t min_size) {
  if (k > 0) return best_of_runs(z, std::min(k, z.size()));
  clustering chosen = best_of_runs(z, 1);
  double best = structure_threshold;
  for (std::size_t m = 2; m <= max_segments && m * std::max<std::size_t>(min_size, 1) <= z.size(); ++m) {
    clustering c = best_of_runs(z, m);
    if (*std::min_element(c.sizes.begin(), c.sizes.end()) < std::max<std::size_t>(min_size, 1)) continue;
    if (const double s = silhouette(z, c); s > best) best = s, chosen = std::move(c);
  }
  return chosen;
}

}  // namespace

std::vector<std::uint32_t> find_segments(const matrix& features, std::size_t k, std::size_t min_size) {
  const std::size_t n = features.size();
  if (n == 0 || k == 1 || features[0].empty()) return std::vector<std::uint32_t>(n, 0);
  const matrix z = standardised(features);
  if (n <= max_sampled) return by_size(choose(z, k, min_size));
  const std::size_t step = (n + max_sampled - 1) / max_sampled;
  matrix sample;
  for (std::size_t i = 0; i < n; i += step) sample.push_back(z[i]);
  return by_size(assign(z, choose(sample, k, (min_size + step - 1) / step).centres));
}

}  // namespace trafficsim::host
