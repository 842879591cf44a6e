// find_segments: k-means on standardised features, the number of segments by the mean
// silhouette (above 0.5), each at least min_size points.
#include "fit_segments.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <trafficsim/distributions.hpp>
#include <vector>

namespace {

using trafficsim::host::find_segments;
using matrix = std::vector<std::vector<double>>;

/// Points around `centres` (4 features), `sizes[j]` of them around centre j, each feature
/// a standard normal deviate times `spread` away from it, in order of the centres; the
/// deviates from SplitMix64 words of `seed`.
matrix blobs(const std::vector<std::array<double, 4>>& centres, const std::vector<std::size_t>& sizes, double spread,
             std::uint64_t seed) {
  matrix out;
  std::uint64_t x = seed;
  auto word = [&x] {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  for (std::size_t j = 0; j < centres.size(); ++j)
    for (std::size_t i = 0; i < sizes[j]; ++i) {
      std::vector<double> p(4);
      for (std::size_t f = 0; f < 4; ++f) p[f] = centres[j][f] + spread * trafficsim::to_normal(word());
      out.push_back(p);
    }
  return out;
}

/// Three groups apart in every feature (standardising scales each feature by its spread,
/// so a feature that is noise in every group would weigh as much as one that separates
/// them).
const std::vector<std::array<double, 4>> three{{0, 0, 0, 0}, {6, 0, 6, 0}, {0, 6, 0, 6}};

/// Whether the segments are the blobs: every blob's points in one segment of their own,
/// the blobs' segments numbered by their size, most first.
void expect_blobs(const std::vector<std::uint32_t>& seg, const std::vector<std::size_t>& sizes,
                  const std::vector<std::uint32_t>& expected) {
  ASSERT_EQ(seg.size(), [&] {
    std::size_t n = 0;
    for (const std::size_t s : sizes) n += s;
    return n;
  }());
  std::size_t at = 0;
  for (std::size_t j = 0; j < sizes.size(); ++j)
    for (std::size_t i = 0; i < sizes[j]; ++i, ++at) ASSERT_EQ(seg[at], expected[j]) << "blob " << j << " point " << i;
}

TEST(FitSegmentsUnit, SeparateGroupsAreFoundAndNumberedBySize) {
  // Centres 8.5 standard deviations apart (6 in two features): a silhouette near 0.65,
  // every point nearest its own centre (a point crosses the midplane, 4.2 sd away, with
  // chance 1.3e-5; these seeds have none).
  const std::vector<std::size_t> sizes{100, 300, 200};
  const auto seg = find_segments(blobs(three, sizes, 1.0, 7), 0, 10);
  expect_blobs(seg, sizes, {2, 0, 1});
}

TEST(FitSegmentsUnit, OneGroupIsOneSegment) {
  // One Gaussian cloud: k-means cuts it anywhere, with silhouettes of 0.2-0.35 in 4
  // dimensions, below 0.5.
  const auto seg = find_segments(blobs({{0, 0, 0, 0}}, {500}, 1.0, 11), 0, 10);
  for (const std::uint32_t s : seg) ASSERT_EQ(s, 0u);
}

TEST(FitSegmentsUnit, AskedForKGivesK) {
  const auto seg = find_segments(blobs({{0, 0, 0, 0}}, {500}, 1.0, 11), 3, 10);
  std::map<std::uint32_t, std::size_t> counts;
  for (const std::uint32_t s : seg) ++counts[s];
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_GE(counts[0], counts[1]);
  EXPECT_GE(counts[1], counts[2]);
}

TEST(FitSegmentsUnit, AGroupSmallerThanTheMinimumJoinsTheNearest) {
  const std::vector<std::size_t> sizes{300, 200, 30};
  const auto seg = find_segments(blobs(three, sizes, 1.0, 5), 0, 40);
  std::map<std::uint32_t, std::size_t> counts;
  for (const std::uint32_t s : seg) ++counts[s];
  EXPECT_EQ(counts.size(), 2u);
  // With a minimum of 10, the 30 are a segment of their own.
  const auto free = find_segments(blobs(three, sizes, 1.0, 5), 0, 10);
  expect_blobs(free, sizes, {0, 1, 2});
}

TEST(FitSegmentsUnit, ALargeLogIsSegmentedOnASampleAndTheSameEveryTime) {
  // 12,000 points: the centres are found on every 3rd point, then every point is assigned
  // (k given, so that the test runs k-means once, not for every k: seconds under the
  // sanitizers).
  const std::vector<std::size_t> sizes{3500, 6000, 2500};
  const matrix x = blobs(three, sizes, 1.0, 3);
  const auto seg = find_segments(x, 3, 10);
  std::size_t off = 0;
  std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> by_blob;
  for (std::size_t j = 0, at = 0; j < sizes.size(); ++j)
    for (std::size_t i = 0; i < sizes[j]; ++i, ++at) ++by_blob[{j, seg[at]}];
  // Each blob in its segment (numbered by size: 6,000 first), but for the points a
  // deviate carries past the midplane (4.2 sd, 1.3e-5 each: 0.2 of 12,000 expected).
  const std::array<std::uint32_t, 3> expected{1, 0, 2};
  for (std::size_t j = 0; j < 3; ++j) off += sizes[j] - by_blob[{j, expected[j]}];
  EXPECT_LT(off, 10u);
  EXPECT_EQ(find_segments(x, 3, 10), seg);
}

}  // namespace
