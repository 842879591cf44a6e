#pragma once
// How much memory a run may use, so that a run too big for the machine is refused with
// numbers before it allocates, never ended by an unexplained std::bad_alloc.

#include <cstdint>
#include <string>

namespace trafficsim::host {

/// What this process can get: the smallest of physical memory, RLIMIT_AS, RLIMIT_DATA
/// and the cgroup's memory.max (v2) or limit_in_bytes (v1).
std::uint64_t available_memory() noexcept;

/// 1234567890 -> "1.23 GB" (decimal units, like the summary's MB).
std::string bytes_text(std::uint64_t bytes);

}  // namespace trafficsim::host
