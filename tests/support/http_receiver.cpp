#include "http_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace trafficsim::test {

namespace {

constexpr int poll_ms = 100;

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string http_request::header(const std::string& name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

http_receiver::http_receiver(responder answer, bool keep_bodies, bool ipv6, double lifetime)
    : answer_(std::move(answer)), keep_bodies_(keep_bodies), ipv6_(ipv6) {
  listen_fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = 0;
  if (ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0 || ::listen(listen_fd_, 64) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen on the loopback address: " + why);
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  started_ = std::chrono::steady_clock::now();
  deadline_ = started_ +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(lifetime));
  acceptor_ = std::thread([this] { accept_loop(); });
}

http_receiver::~http_receiver() { stop(); }

void http_receiver::stop() noexcept {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  for (std::thread& t : connections_)
    if (t.joinable()) t.join();
  connections_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

std::string http_receiver::url(const std::string& path) const {
  return (ipv6_ ? "http://[::1]:" : "http://127.0.0.1:") + std::to_string(port_) + path;
}

std::vector<http_request> http_receiver::requests() const {
  std::vector<http_request> out;
  {
    const std::lock_guard lock(mutex_);
    out = requests_;
  }
  // Recorded as answered, which two connections may do out of order.
  std::sort(out.begin(), out.end(), [](const http_request& a, const http_request& b) { return a.index < b.index; });
  return out;
}

bool http_receiver::stopping() const noexcept { return stop_ || std::chrono::steady_clock::now() >= deadline_; }

void http_receiver::accept_loop() {
  while (!stopping()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, poll_ms) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Connections are few (the sink's in-flight bound): a thread each, joined at stop().
    connections_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

void http_receiver::serve(int fd) {
  std::string buffer;
  std::vector<char> chunk(1 << 18);
  // Reads more into `buffer`; false when the peer closed or the receiver stops.
  const auto fill = [&]() {
    for (;;) {
      if (stopping()) return false;
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, poll_ms);
      if (ready < 0 && errno != EINTR) return false;
      if (ready <= 0) continue;
      const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer.append(chunk.data(), static_cast<std::size_t>(n));
      return true;
    }
  };
  for (;;) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return;
    http_request req;
    std::string_view head(buffer.data(), head_end);
    const std::size_t line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);
    const std::size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    req.method = std::string(request_line.substr(0, sp1));
    req.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    std::uint64_t length = 0;
    bool close_after = false, expect_continue = false;
    if (line_end != std::string_view::npos) {
      std::string_view rest = head.substr(line_end + 2);
      while (!rest.empty()) {
        const std::size_t e = rest.find("\r\n");
        const std::string_view line = rest.substr(0, e);
        const std::size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
          std::string name = lower(std::string(line.substr(0, colon)));
          std::string value = trim(line.substr(colon + 1));
          if (name == "content-length") length = std::stoull(value);
          if (name == "connection" && lower(value) == "close") close_after = true;
          if (name == "expect" && lower(value) == "100-continue") expect_continue = true;
          req.headers.emplace_back(std::move(name), std::move(value));
        }
        if (e == std::string_view::npos) break;
        rest.remove_prefix(e + 2);
      }
    }
    buffer.erase(0, head_end + 4);
    if (expect_continue && !send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n")) return;
    // The body: counted as it comes, kept if asked.
    std::uint64_t left = length;
    while (left > 0) {
      if (buffer.empty() && !fill()) return;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
      req.body_lines += static_cast<std::uint64_t>(std::count(buffer.data(), buffer.data() + take, '\n'));
      if (keep_bodies_) req.body.append(buffer.data(), take);
      buffer.erase(0, take);
      left -= take;
    }
    req.body_bytes = length;
    req.at = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();

    const unsigned now_active = ++active_;
    for (unsigned seen = max_active_.load();
         now_active > seen && !max_active_.compare_exchange_weak(seen, now_active);) {
    }
    req.index = count_.fetch_add(1);
    http_reply reply = answer_ ? answer_(req, req.index) : http_reply{};
    req.status = reply.hang_up ? 0 : reply.status;
    bytes_ += req.body_bytes;
    lines_ += req.body_lines;
    {
      const std::lock_guard lock(mutex_);
      if (keep_bodies_ || requests_.size() < 100'000) requests_.push_back(std::move(req));
    }
    if (reply.hang_up) {
      --active_;
      return;
    }
    // A slow receiver: the delay in steps, so that stop() is never held up long.
    const auto until =
        std::chrono::steady_clock::now() +
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(reply.delay));
    while (std::chrono::steady_clock::now() < until && !stopping())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
    for (const auto& [n, v] : reply.headers) response += n + ": " + v + "\r\n";
    response += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
    --active_;
    if (!send_all(fd, response) || close_after) return;
  }
}

}  // namespace trafficsim::test
