#pragma once
// A growable byte buffer for formatted rows. Unlike std::string it does not zero what
// it reserves (resize() would write every byte twice), and it keeps its capacity when
// cleared, so a recycled buffer allocates nothing in the steady state.

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace trafficsim::host {

class text_buffer {
 public:
  /// A pointer to at least `n` writable bytes at the end of the buffer.
  char* tail(std::size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
    return data_.get() + size_;
  }
  /// Marks everything up to `end` (a pointer into the tail) as written.
  void commit(const char* end) noexcept { size_ = static_cast<std::size_t>(end - data_.get()); }
  void append(std::string_view s) {
    std::memcpy(tail(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  void clear() noexcept { size_ = 0; }
  std::size_t size() const noexcept { return size_; }
  std::string_view view() const noexcept { return {data_.get(), size_}; }

 private:
  void grow(std::size_t need) {
    const std::size_t cap = std::max(need, capacity_ * 2);
    std::unique_ptr<char[]> bigger(new char[cap]);  // uninitialised on purpose
    if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace trafficsim::host
