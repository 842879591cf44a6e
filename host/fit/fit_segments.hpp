#pragma once
// Segments of a fitted log: groups of customers that behave differently (weekly shape,
// level, trend, burstiness, churn), found by k-means on the customers' standardised
// features, the number of groups chosen by the mean silhouette (docs/compose-and-fit.md,
// "Segments").

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trafficsim::host {

/// The most segments a fit finds by itself (`fit --segments N` may ask for up to this).
inline constexpr std::size_t max_segments = 8;

/// The segments of `features` (one row of equal length per customer): each customer's
/// segment in [0, k), segments numbered by their customers, most first (ties: the lowest
/// first customer). `k` = 0: the k in 2 .. max_segments whose k-means clustering, each
/// segment at least `min_size` customers, has the highest mean silhouette, if that is above
/// 0.5 (a structure, not noise), else 1; otherwise k (at most the customers).
/// Deterministic: the same features give the same segments.
std::vector<std::uint32_t> find_segments(const std::vector<std::vector<double>>& features, std::size_t k,
                                         std::size_t min_size);

}  // namespace trafficsim::host
