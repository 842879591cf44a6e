#pragma once
// Fork/join over oneTBB, the one way the host runs a parallel loop.
//
// Under ThreadSanitizer the helpers also declare the happens-before edges that oneTBB's
// scheduler creates inside libtbb.so: Debian's build of it is not instrumented, so TSan
// cannot see them and would report every hand-over of data between two parallel loops
// as a race. The fork edge (caller -> tasks) and the join edge (tasks -> caller) use
// separate addresses, so sibling tasks never synchronise with each other through them
// and real races between tasks are still reported. Without TSan they compile to nothing.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace trafficsim::host {

/// Declares that what this thread did so far happens before a later sync_acquire(p).
inline void sync_release([[maybe_unused]] const void* p) noexcept {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(const_cast<void*>(p));
#endif
}
/// Declares that what was done before a sync_release(p) happens before what follows.
inline void sync_acquire([[maybe_unused]] const void* p) noexcept {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(const_cast<void*>(p));
#endif
}

/// Acquires `p` now and releases it when leaving the scope, normally or by an exception:
/// brackets a stage of work whose state passes between threads.
class hand_over {
 public:
  explicit hand_over(const void* p) noexcept : p_(p) { sync_acquire(p_); }
  ~hand_over() { sync_release(p_); }
  hand_over(const hand_over&) = delete;
  hand_over& operator=(const hand_over&) = delete;

 private:
  const void* p_;
};

/// Runs body(first, last) over [begin, end) in chunks of about `grain`, in parallel, and
/// returns when all are done. The partition never affects results: bodies write
/// disjoint data.
///
/// Failures are values until the loop is over: no exception crosses a oneTBB task, so
/// every task has finished before the caller goes on (and frees what the tasks use).
/// The exception rethrown is the one of the lowest failing range, and every range below
/// it always runs, so the error reported is the same whatever the thread count.
template <class Body>
void parallel_blocks(std::uint64_t begin, std::uint64_t end, std::uint64_t grain, Body&& body) {
  if (begin >= end) return;
  char fork = 0, join = 0;
  std::atomic<std::uint64_t> first_failure{std::numeric_limits<std::uint64_t>::max()};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  sync_release(&fork);
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(begin, end, grain),
                    [&](const tbb::blocked_range<std::uint64_t>& r) {
                      sync_acquire(&fork);
                      const hand_over done(&join);
                      if (r.begin() > first_failure.load(std::memory_order_relaxed)) return;
                      try {
                        body(r.begin(), r.end());
                      } catch (...) {
                        const std::lock_guard lock(failure_mutex);
                        if (r.begin() < first_failure.load(std::memory_order_relaxed)) {
                          first_failure.store(r.begin(), std::memory_order_relaxed);
                          failure = std::current_exception();
                        }
                      }
                    });
  sync_acquire(&join);
  if (failure) std::rethrow_exception(failure);
}

}  // namespace trafficsim::host
