#pragma once
// Reads a dataset in our schema back (`trafficsim-host report DATA`): CSV with its header or
// JSON Lines, plain, gzip or zstd (told by the first bytes, not the name), streamed in
// pieces in bounded memory. Only the columns a report needs are read: timestamp,
// customer_id, subscription_tier, provider, model, input_tokens, output_tokens, cost_usd.
// Files written by any version, by the seed, or by a user's own logs in these columns.

#include <string>

#include "traffic_profile.hpp"

namespace trafficsim::host {

/// Adds every row of `path` ("-": standard input) to `profile` (its first day: the first
/// row's) and finishes it; the rows read. Throws runtime_failure naming the file, line and
/// column of the first bad row (a missing column, a timestamp or number that does not
/// parse), or if the file cannot be read or holds no rows.
std::uint64_t read_dataset(const std::string& path, traffic_profile& profile);

}  // namespace trafficsim::host
