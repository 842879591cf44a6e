#pragma once
// A real HTTP/1.1 receiver on the loopback address, for the HTTP sink's tests and
// benchmark: it accepts connections on 127.0.0.1 (or ::1) at a port the system picks,
// reads each request (Content-Length bodies, keep-alive, Expect: 100-continue), records
// it, and answers as its responder says (a status, headers such as Retry-After, a delay).
// Every loop is bounded: the receiver stops when destroyed or after `lifetime` seconds,
// whichever comes first, and its threads poll at least every 100 ms.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace trafficsim::test {

struct http_request {
  std::string method, target;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::string body;                                          ///< empty in counting mode
  std::uint64_t body_bytes = 0, body_lines = 0;              ///< lines: '\n' in the body
  double at = 0;                                             ///< seconds since the receiver started
  int status = 0;                                            ///< what it was answered
  std::size_t index = 0;                                     ///< arrival order (the responder's index)
  /// The value of header `name` (lower case), empty if absent.
  std::string header(const std::string& name) const;
};

struct http_reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  double delay = 0;      ///< seconds to wait before answering
  bool hang_up = false;  ///< close the connection without answering (the request is counted)
};

class http_receiver {
 public:
  /// The answer to the index-th request (0-based, in arrival order).
  using responder = std::function<http_reply(const http_request&, std::size_t index)>;

  /// Starts listening. `keep_bodies` false: only sizes and line counts are kept (for the
  /// benchmark). Throws std::runtime_error if the socket cannot be opened.
  explicit http_receiver(responder answer = {}, bool keep_bodies = true, bool ipv6 = false, double lifetime = 300);
  http_receiver(const http_receiver&) = delete;
  http_receiver& operator=(const http_receiver&) = delete;
  ~http_receiver();

  std::uint16_t port() const noexcept { return port_; }
  /// "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path = "/") const;
  /// The requests received so far, in arrival order.
  std::vector<http_request> requests() const;
  std::uint64_t request_count() const noexcept { return count_.load(); }
  std::uint64_t body_bytes() const noexcept { return bytes_.load(); }
  std::uint64_t body_lines() const noexcept { return lines_.load(); }
  /// The most requests being answered at once (read, not yet answered).
  unsigned max_concurrent() const noexcept { return max_active_.load(); }
  /// Stops accepting and closes every connection (the destructor calls it).
  void stop() noexcept;

 private:
  void accept_loop();
  void serve(int fd);
  bool stopping() const noexcept;

  responder answer_;
  bool keep_bodies_, ipv6_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::chrono::steady_clock::time_point started_, deadline_;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned> active_{0}, max_active_{0};
  std::atomic<std::uint64_t> count_{0}, bytes_{0}, lines_{0};
  mutable std::mutex mutex_;
  std::vector<http_request> requests_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace trafficsim::test
