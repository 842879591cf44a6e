#include "http_sink.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>

#include "errors.hpp"
#include "host_version.hpp"

namespace trafficsim::host {

namespace {

using clock_type = std::chrono::steady_clock;

/// Retry-After is honoured up to this long; a longer one is taken as five minutes.
constexpr double max_retry_after_seconds = 300;
/// The part of a response body kept for messages.
constexpr std::size_t kept_response_bytes = 300;

/// OTLP/HTTP JSON: an ExportTraceServiceRequest is `{"resourceSpans":[...]}`, the same
/// shape as the TracesData of each --format otlp-json line ("OTLP/HTTP Request": the
/// body is the JSON-encoded ExportTraceServiceRequest; opentelemetry-proto
/// collector/trace/v1/trace_service.proto), so a batch is the lines' resourceSpans joined.
constexpr std::string_view otlp_open = R"({"resourceSpans":[)";
constexpr std::string_view otlp_close = "]}";

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw runtime_failure("libcurl could not be initialised; check the system's TLS libraries");
  });
}

/// Connection-level failures worth another attempt (RFC 9110 9.2.2: a POST is not
/// idempotent in general, but a receiver that deduplicates by request_id makes a repeated
/// batch harmless, and an unanswered one may not have arrived at all).
bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::size_t keep_response(char* data, std::size_t size, std::size_t count, void* user) {
  auto* kept = static_cast<std::string*>(user);
  const std::size_t n = size * count;
  if (kept->size() < kept_response_bytes) kept->append(data, std::min(n, kept_response_bytes - kept->size()));
  return n;
}

/// The first line of a response body, for messages.
std::string first_line(const std::string& body) {
  std::string line = body.substr(0, body.find_first_of("\r\n"));
  std::replace_if(
      line.begin(), line.end(), [](char ch) { return ch < ' ' || ch == 127; }, ' ');
  return line;
}

}  // namespace

bool is_http_url(std::string_view output) noexcept {
  return output.starts_with("http://") || output.starts_with("https://");
}

std::uint64_t estimated_row_bytes(http_body body) noexcept {
  // Measured averages of the extended schema's rows (the seed schema's are smaller): JSON
  // Lines 767 bytes, CloudEvents 996, OTLP/JSON 2,212; rounded up.
  switch (body) {
    case http_body::ndjson:
      return 800;
    case http_body::cloudevents:
      return 1000;
    case http_body::otlp:
      return 2300;
  }
  return 2300;
}

std::string check_http_url(std::string& url, http_body body) {
  global_init();
  std::string shown = uri_secrets(url).shown();
  CURLU* u = curl_url();
  if (u == nullptr) throw std::bad_alloc();
  struct release {
    CURLU* u;
    ~release() { curl_url_cleanup(u); }
  } guard{u};
  if (const CURLUcode rc = curl_url_set(u, CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK)
    throw usage_error(fmt::format("-o {} is not a valid URL ({}); e.g. -o http://127.0.0.1:8080/ingest", shown,
                                  curl_url_strerror(rc)));
  char* path = nullptr;
  if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
    const bool root = path == nullptr || std::strcmp(path, "/") == 0 || *path == '\0';
    curl_free(path);
    // OTLP/HTTP: "The default URL path for requests that carry trace data is /v1/traces"
    // (opentelemetry-proto docs/specification.md, "OTLP/HTTP Request"); an endpoint
    // given without a path gets it, as exporters append it to OTEL_EXPORTER_OTLP_ENDPOINT.
    if (root && body == http_body::otlp) {
      curl_url_set(u, CURLUPART_PATH, "/v1/traces", 0);
      char* full = nullptr;
      if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
        url = full;
        curl_free(full);
      }
      return uri_secrets(url).shown();
    }
  }
  return shown;
}

struct easy_cleanup {
  void operator()(CURL* e) const noexcept { curl_easy_cleanup(e); }
};

struct http_sink::transfer {
  std::unique_ptr<CURL, easy_cleanup> easy;
  batch b;
  std::string response;
  bool active = false;
  unsigned sent = 0;  ///< times its request line went out (libcurl resends on a dead keep-alive connection)
  char error[CURL_ERROR_SIZE] = {};
};

namespace {

/// libcurl's trace, read only to count the requests sent: a silent resend on a new
/// connection (a keep-alive connection found closed) sends the request line again.
int count_requests(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type == CURLINFO_HEADER_OUT && std::string_view(data, size).starts_with("POST "))
    ++static_cast<unsigned*>(user)[0];
  return 0;
}

/// The process has no file descriptor left (the connection failed for that, not the
/// network): a new one cannot be opened.
bool out_of_descriptors(long os_errno) {
  if (os_errno == EMFILE || os_errno == ENFILE) return true;
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe >= 0) {
    ::close(probe);
    return false;
  }
  return errno == EMFILE || errno == ENFILE;
}

std::string descriptor_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return "";
  return fmt::format(" (the limit, ulimit -n, is {})", r.rlim_cur);
}

}  // namespace

http_sink::http_sink(http_options options) : opt_(std::move(options)), secrets_(opt_.url) {
  global_init();
  switch (opt_.body) {
    case http_body::ndjson:
      separator_ = "\n";
      close_ = "\n";
      break;
    case http_body::cloudevents:
      // CloudEvents JSON Event Format 1.0, 4. "JSON Batch Format": a JSON array of events,
      // media type application/cloudevents-batch+json.
      open_ = "[";
      separator_ = ",";
      close_ = "]";
      break;
    case http_body::otlp:
      open_ = otlp_open;
      separator_ = ",";
      close_ = otlp_close;
      break;
  }
  name_ = check_http_url(opt_.url, opt_.body);
  account_.kind = "http";
  opt_.max_in_flight = std::max(1U, opt_.max_in_flight);
  opt_.batch_rows = std::max<std::size_t>(1, opt_.batch_rows);
  // Memory: max_in_flight requests open, as many batches queued and one being gathered.
  const std::uint64_t batch_bytes = opt_.batch_rows * estimated_row_bytes(opt_.body);
  const std::uint64_t held = (2 * std::uint64_t{opt_.max_in_flight} + 1) * batch_bytes;
  if (opt_.max_bytes != 0 && held > opt_.max_bytes)
    throw usage_error(fmt::format(
        "--batch-rows {} makes requests of about {:.1f} MB ({} bytes a row); with --max-in-flight {}, {} of them "
        "({:.1f} MB) may be in memory at once, more than the {:.1f} MB the sink may hold (a quarter of "
        "--memory-limit); lower --batch-rows or --max-in-flight, or raise --memory-limit",
        opt_.batch_rows, static_cast<double>(batch_bytes) / 1e6, estimated_row_bytes(opt_.body), opt_.max_in_flight,
        2 * opt_.max_in_flight + 1, static_cast<double>(held) / 1e6, static_cast<double>(opt_.max_bytes) / 1e6));
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::bad_alloc();
  sender_ = std::thread([this] { send_loop(); });
}

http_sink::~http_sink() {
  abort();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

bool http_sink::signalled() const noexcept {
  return opt_.stop_signal != nullptr && opt_.stop_signal->load(std::memory_order_relaxed) != 0;
}

void http_sink::abort() noexcept {
  {
    // After a fatal answer the sender is letting the open requests finish (it stops at
    // once on a signal): their rows are then counted as what they became.
    const std::lock_guard lock(mutex_);
    if (!draining_) stopping_ = true;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (sender_.joinable()) sender_.join();
  room_.notify_all();
}

void http_sink::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t end = bytes.find('\n');
    add_row(bytes.substr(0, end));
    if (end == std::string_view::npos) break;
    bytes.remove_prefix(end + 1);
  }
}

void http_sink::add_row(std::string_view row) {
  if (row.empty()) return;
  if (opt_.body == http_body::otlp) {
    if (!row.starts_with(otlp_open) || !row.ends_with(otlp_close))
      throw runtime_failure("internal error: an OTLP line is not one TracesData object");
    row = row.substr(otlp_open.size(), row.size() - otlp_open.size() - otlp_close.size());
  }
  current_.body += current_.rows == 0 ? open_ : separator_;
  current_.body += row;
  if (++current_.rows == opt_.batch_rows) seal();
}

void http_sink::seal() {
  if (current_.rows == 0) return;
  current_.body += close_;
  const std::size_t capacity = current_.body.size();
  {
    std::unique_lock lock(mutex_);
    wait_for_room(lock);
    rows_handed_ += current_.rows;
    bytes_held_ += current_.body.capacity();
    queue_.push_back(std::move(current_));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  current_ = batch{};
  current_.body.reserve(capacity + capacity / 8);
}

void http_sink::wait_for_room(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    if (!failure_.empty()) throw runtime_failure(failure_);
    // A signal first: the sender stops on it too.
    if (opt_.stop_signal != nullptr)
      if (const int sig = opt_.stop_signal->load(std::memory_order_relaxed)) throw interrupted(sig);
    if (stopping_) throw runtime_failure("the HTTP sink was stopped");
    // Room: fewer batches queued than requests may be open, and (with a bound) the bodies
    // held leave room for one more; with nothing queued there is always room.
    const bool bytes_ok =
        opt_.max_bytes == 0 || queue_.empty() || bytes_held_ + current_.body.capacity() <= opt_.max_bytes;
    if (queue_.size() < opt_.max_in_flight && bytes_ok) return;
    room_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void http_sink::flush() { seal(); }

void http_sink::finish() {
  seal();
  {
    std::unique_lock lock(mutex_);
    closing_ = true;
    curl_multi_wakeup(static_cast<CURLM*>(multi_));
    // The sender ends when everything is delivered or given up (or on a fatal error).
    while (!stopping_) {
      if (opt_.stop_signal != nullptr)
        if (const int sig = opt_.stop_signal->load(std::memory_order_relaxed)) throw interrupted(sig);
      room_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }
  sender_.join();
  if (!failure_.empty()) throw runtime_failure(failure_);
  if (opt_.stop_signal != nullptr)
    if (const int sig = opt_.stop_signal->load(std::memory_order_relaxed)) throw interrupted(sig);
}

sink_account http_sink::account() const {
  const std::lock_guard lock(mutex_);
  sink_account a = account_;
  a.rows_not_sent = rows_handed_ + current_.rows - a.rows_delivered - a.rows_given_up - a.rows_unconfirmed;
  return a;
}

void http_sink::fail(std::string message) {
  if (failure_.empty()) failure_ = std::move(message);
  draining_ = true;
}

// Whatever goes wrong on the sending thread stops the run with its reason (an exception
// escaping a thread would end the process).
void http_sink::send_loop() {
  try {
    run_transfers();
  } catch (const std::bad_alloc&) {
    const std::lock_guard lock(mutex_);
    fail(fmt::format("{}: the HTTP sender ran out of memory; lower --batch-rows or --max-in-flight", name_));
  } catch (const std::exception& e) {
    const std::lock_guard lock(mutex_);
    fail(fmt::format("{}: the HTTP sender failed: {}", name_, secrets_.scrub(e.what())));
  } catch (...) {
    const std::lock_guard lock(mutex_);
    fail(fmt::format("{}: the HTTP sender failed", name_));
  }
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  room_.notify_all();
}

namespace {

/// The request headers, freed however the sender ends.
struct header_list {
  curl_slist* list = nullptr;
  explicit header_list(const http_options& opt) {
    const char* type = opt.body == http_body::ndjson        ? "Content-Type: application/x-ndjson"
                       : opt.body == http_body::cloudevents ? "Content-Type: application/cloudevents-batch+json"
                                                            : "Content-Type: application/json";
    list = curl_slist_append(list, type);
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for large bodies
    for (const auto& [name, value] : opt.headers)
      list = curl_slist_append(list, fmt::format("{}: {}", name, value).c_str());
  }
  header_list(const header_list&) = delete;
  header_list& operator=(const header_list&) = delete;
  ~header_list() { curl_slist_free_all(list); }
};

}  // namespace

struct http_sink::failure {
  std::string problem;
  bool again = false;           ///< worth another attempt
  bool no_descriptors = false;  ///< no connection: the process is out of file descriptors
};

void http_sink::run_transfers() {
  auto* multi = static_cast<CURLM*>(multi_);
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(opt_.max_in_flight));
  const header_list headers(opt_);
  // The transfers, their handles freed however this ends (out of the multi handle first).
  struct transfers {
    CURLM* multi;
    std::vector<transfer> slots;
    ~transfers() {
      for (transfer& t : slots)
        if (t.easy && t.active) curl_multi_remove_handle(multi, t.easy.get());
    }
  } all{multi, std::vector<transfer>(opt_.max_in_flight)};
  jitter_.seed(std::random_device{}());
  active_ = 0;
  for (;;) {
    auto next_due = clock_type::time_point::max();
    if (!start_due_batches(all.slots, headers.list, next_due)) break;
    int running = 0;
    curl_multi_perform(multi, &running);
    // A slot came free (or the last request ended): back to the queue before waiting; a
    // writer waiting for the bodies held to shrink may go on.
    if (collect_answers()) {
      room_.notify_all();
      continue;
    }
    // Wait for the sockets, a wake-up (a new batch, the end) or the next retry's time;
    // at most 100 ms, to see a stop signal.
    int timeout_ms = 100;
    if (next_due != clock_type::time_point::max()) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(next_due - clock_type::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(until + 1, 0, 100));
    }
    curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  }
  count_unanswered(all.slots);
}

// The batches due, each on a free slot; false when the sender is to stop. `next_due`:
// when the next one queued is due.
bool http_sink::start_due_batches(std::vector<transfer>& slots, curl_slist* headers, clock_type::time_point& next_due) {
  const std::lock_guard lock(mutex_);
  // A signal stops at once; a fatal answer lets the open requests finish first.
  if (stopping_ || signalled()) return false;
  if ((closing_ || draining_) && (queue_.empty() || draining_) && active_ == 0) return false;
  const auto now = clock_type::now();
  bool took = false;
  for (transfer& t : slots) {
    if (t.active || draining_) continue;
    const auto due = std::find_if(queue_.begin(), queue_.end(), [&](const batch& b) { return b.due <= now; });
    if (due == queue_.end()) break;
    t.b = std::move(*due);
    queue_.erase(due);
    start_request(t, headers);
    took = true;
  }
  for (const batch& b : queue_) next_due = std::min(next_due, b.due);
  if (took) room_.notify_all();
  return true;
}

void http_sink::start_request(transfer& t, curl_slist* headers) {
  if (opt_.on_request) opt_.on_request();
  if (!t.easy) t.easy.reset(curl_easy_init());
  if (!t.easy) throw std::bad_alloc();
  CURL* e = t.easy.get();
  curl_easy_reset(e);
  t.response.clear();
  t.error[0] = '\0';
  t.sent = 0;
  curl_easy_setopt(e, CURLOPT_URL, opt_.url.c_str());
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.b.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.b.body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "trafficsim/" TRAFFICSIM_VERSION);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_response);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t.response);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(opt_.timeout * 1000));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(opt_.timeout, 10.0) * 1000));
  if (!opt_.cacert.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, opt_.cacert.c_str());
  // Redirects are not followed (the default, said here): a 3xx stops the run, see answered().
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, count_requests);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, &t.sent);
  curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  ++t.b.attempt;
  t.active = true;
  ++active_;
  curl_multi_add_handle(static_cast<CURLM*>(multi_), e);
}

// The requests that ended, each answered; true if any did.
bool http_sink::collect_answers() {
  auto* multi = static_cast<CURLM*>(multi_);
  int left = 0;
  bool completed = false;
  while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    completed = true;
    transfer* t = nullptr;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &t);
    const CURLcode code = m->data.result;
    curl_multi_remove_handle(multi, m->easy_handle);
    t->active = false;
    --active_;
    answered(*t, code);
  }
  return completed;
}

// A request's end: its batch delivered, tried again later or given up (and the run
// stopped, when every batch would fare the same).
void http_sink::answered(transfer& t, int curl_code) {
  const auto code = static_cast<CURLcode>(curl_code);
  CURL* e = t.easy.get();
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t retry_after = -1;
  curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry_after);
  long os_errno = 0;
  curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
  char* location = nullptr;
  curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &location);
  const std::string redirect = location != nullptr ? location : "";

  const std::lock_guard lock(mutex_);
  // Every request that went out counts, libcurl's own resends included (a receiver
  // counts them too); an attempt that never sent one (no connection) counts once.
  account_.requests += std::max(1U, t.sent);
  ++account_.statuses[code == CURLE_OK ? static_cast<int>(status) : 0];
  if (code == CURLE_OK && status >= 200 && status < 300) {
    account_.rows_delivered += t.b.rows;
    account_.bytes_sent += t.b.body.size();
    ++account_.batches;
    release(t);
    return;
  }
  const failure f = describe_failure(t, code, status, os_errno);
  if (account_.first_problem.empty()) account_.first_problem = f.problem;
  if (code == CURLE_OK && status >= 300 && status < 400) {
    // Every batch would be redirected: say so once and stop. A POST is not re-sent to
    // another place (a 301/302 would turn it into a GET without its body).
    give_up(t);
    std::string to;
    if (!redirect.empty()) try {
        to = fmt::format(" to {}", uri_secrets(redirect).shown());
      } catch (const std::exception&) {
        to = " to another URL";
      }
    fail(
        fmt::format("{} answered HTTP {} (a redirect{}): redirects are not followed, the rows are posted to -o's "
                    "URL only; give the final URL with -o",
                    name_, status, to));
    return;
  }
  if (code == CURLE_OK && (status == 401 || status == 403 || status == 404)) {
    give_up(t);
    fail(fmt::format(
        "{} refused the rows: {}{}", name_, f.problem,
        status == 404 ? "; check the URL's path" : "; check the credentials (--header-env Authorization=VAR)"));
    return;
  }
  if (f.again && t.b.attempt <= opt_.retries && !draining_) {
    retry_later(t, retry_after);
    return;
  }
  give_up(t);
  // A connection that still fails after every retry (or cannot work: TLS, a bad
  // address) would fail every batch that follows: the run stops.
  if (code != CURLE_OK)
    fail(f.no_descriptors ? fmt::format("{}: {}", name_, f.problem)
         : f.again ? fmt::format("{} could not be reached after {} attempts: {}", name_, opt_.retries + 1, f.problem)
                   : fmt::format("{} could not be reached: {}", name_, f.problem));
}

http_sink::failure http_sink::describe_failure(const transfer& t, int curl_code, long status, long os_errno) const {
  const auto code = static_cast<CURLcode>(curl_code);
  failure f;
  f.no_descriptors = code == CURLE_COULDNT_CONNECT && out_of_descriptors(os_errno);
  if (f.no_descriptors) {
    f.problem = fmt::format(
        "no connection could be opened: the process ran out of file descriptors{}; raise it "
        "or lower --max-in-flight",
        descriptor_limit());
    f.again = true;
  } else if (code != CURLE_OK) {
    f.problem = secrets_.scrub(t.error[0] != '\0' ? t.error : curl_easy_strerror(code));
    f.again = retryable(code);
  } else {
    const std::string line = first_line(t.response);
    f.problem = line.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, line);
    // Worth another attempt: the server timed out (408), asked us to slow down (429) or
    // failed (5xx). Other answers would be the same again (RFC 9110 15.5).
    f.again = status == 408 || status == 429 || status >= 500;
  }
  return f;
}

// Exponential backoff with full jitter: a uniform wait up to base x 2^(attempt-1), capped;
// at least what Retry-After asked (RFC 9110 10.2.3).
void http_sink::retry_later(transfer& t, std::int64_t retry_after) {
  const double ceiling = std::min(opt_.retry_cap, opt_.retry_base * std::ldexp(1.0, static_cast<int>(t.b.attempt) - 1));
  double wait = std::uniform_real_distribution<double>(0, ceiling)(jitter_);
  if (retry_after >= 0) wait = std::max(wait, std::min(static_cast<double>(retry_after), max_retry_after_seconds));
  t.b.due = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(wait));
  ++account_.retries;
  queue_.push_front(std::move(t.b));
  t.b = batch{};
}

void http_sink::give_up(transfer& t) {
  account_.rows_given_up += t.b.rows;
  ++account_.batches_given_up;
  release(t);
}

// A batch done with (delivered or given up): its body no longer counts.
void http_sink::release(transfer& t) {
  bytes_held_ -= std::min<std::uint64_t>(bytes_held_, t.b.body.capacity());
  t.b = batch{};
}

// Requests still open when the run stops: a body sent in full may have been stored (the
// answer did not come back in time), so its rows are unconfirmed, not unsent.
void http_sink::count_unanswered(const std::vector<transfer>& slots) {
  const std::lock_guard lock(mutex_);
  for (const transfer& t : slots) {
    if (!t.active) continue;
    curl_off_t uploaded = 0;
    curl_easy_getinfo(t.easy.get(), CURLINFO_SIZE_UPLOAD_T, &uploaded);
    account_.requests += t.sent;
    if (t.sent > 0 && uploaded == static_cast<curl_off_t>(t.b.body.size())) account_.rows_unconfirmed += t.b.rows;
  }
}

}  // namespace trafficsim::host
