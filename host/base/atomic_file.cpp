#include "atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <trafficsim/detail/streams.hpp>

#include "errors.hpp"

namespace trafficsim::host {

namespace fs = std::filesystem;

std::string describe_errno(int err) {
  if (err == ENOSPC) return "no space left on device (the disk is full)";
  if (err == EFBIG) return "file too large (a file size limit was reached)";
  return std::strerror(err);
}

namespace {

// The temporaries being written, for remove_temporary_files() in a signal handler: fixed
// slots whose state is a lock-free atomic, so the handler never reads a name half
// written or freed. States: free, being filled, ready, taken by the handler (which ends
// the process right after).
enum slot_state : int { slot_free, slot_filling, slot_ready, slot_taken };
struct temp_slot {
  std::atomic<int> state{slot_free};
  char path[PATH_MAX] = {};
};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free atomic");
// Enough for a run's output and all its side files at once; a file without a slot is
// still removed by its destructor, only not by a second Ctrl-C.
constexpr int slot_count = 16;
temp_slot slots[slot_count];

int register_temp(const std::string& path) noexcept {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < slot_count; ++i) {
    int expected = slot_free;
    if (!slots[i].state.compare_exchange_strong(expected, slot_filling, std::memory_order_acq_rel)) continue;
    std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
    slots[i].state.store(slot_ready, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_temp(int slot) noexcept {
  if (slot < 0) return;
  int expected = slot_ready;
  // Taken: the handler is removing it and ending the process; leave the slot to it.
  slots[slot].state.compare_exchange_strong(expected, slot_free, std::memory_order_acq_rel);
}

/// The prefix of our temporary files for a target named `name`: ".<name>.tmp-", or, for
/// a name too long to take the suffix within NAME_MAX, ".trafficsim-<hash>.tmp-".
std::string temp_prefix(const std::string& name) {
  if (name.size() <= 200) return "." + name + ".tmp-";
  return fmt::format(".trafficsim-{:016x}.tmp-", trafficsim::detail::fnv1a64(name));
}

/// Removes temporary files "<prefix><pid>-XXXXXX" in `dir` whose process is gone (a run
/// killed with SIGKILL, or by the machine going down); returns their names.
std::vector<std::string> remove_stale(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string rest = name.substr(prefix.size());
    const auto dash = rest.find('-');
    long pid = 0;
    const auto [p, perr] = std::from_chars(rest.data(), rest.data() + (dash == std::string::npos ? 0 : dash), pid);
    if (dash == std::string::npos || perr != std::errc() || p != rest.data() + dash || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    if (fs::remove(entry.path(), ec)) removed.push_back(entry.path().string());
  }
  return removed;
}

/// Six characters no other user can predict.
std::string random_suffix() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[6];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
    throw runtime_failure(fmt::format("cannot draw a temporary file name: {}", std::strerror(errno)));
  std::string out;
  for (unsigned char b : bytes) out += alphabet[b % (sizeof alphabet - 1)];
  return out;
}

void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the rename is done; a folder we cannot open cannot be synced either
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void remove_temporary_files() noexcept {
  for (temp_slot& s : slots) {
    int expected = slot_ready;
    if (s.state.compare_exchange_strong(expected, slot_taken, std::memory_order_acq_rel)) ::unlink(s.path);
  }
}

namespace {

/// A device, pipe or socket at `path`, or a link to one (/dev/stdout): written into, never
/// replaced.
bool is_special(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  if (S_ISLNK(st.st_mode) && ::stat(path.c_str(), &st) != 0) return false;  // a dangling link
  return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode);
}

/// Writes `text` straight into the device or pipe at `path`.
void write_special(const fs::path& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw runtime_failure(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  int err = 0;
  for (std::string_view rest = text; !rest.empty() && err == 0;) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (err != 0) throw runtime_failure(fmt::format("cannot write to {}: {}", path.string(), describe_errno(err)));
}

}  // namespace

atomic_file::atomic_file(fs::path target) : target_(std::move(target)) {
  // Renaming over /dev/null (as root) would replace the device: never.
  if (is_special(target_))
    throw runtime_failure(fmt::format("cannot replace {}: it is not a regular file", target_.string()));
  const fs::path dir = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
  const std::string prefix = temp_prefix(target_.filename().string());
  stale_ = remove_stale(dir, prefix);
  struct stat st {};
  const bool replaces_file = ::lstat(target_.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  for (int attempt = 0; fd_ < 0; ++attempt) {
    const std::string name = (dir / fmt::format("{}{}-{}", prefix, ::getpid(), random_suffix())).string();
    // O_EXCL with O_NOFOLLOW: never a file that exists, never through a link.
    fd_ = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      temp_ = name;
    } else if (errno != EEXIST || attempt == 100) {
      throw runtime_failure(fmt::format("cannot write {}: {} (creating a file in '{}')", target_.string(),
                                        describe_errno(errno), dir.string()));
    }
  }
  slot_ = register_temp(temp_);
  // A new file gets what open() gave it (0666 less the umask); a replaced one keeps its mode.
  if (replaces_file) ::fchmod(fd_, st.st_mode & 07777);
}

atomic_file::~atomic_file() { discard(); }

void atomic_file::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    unregister_temp(slot_);
    slot_ = -1;
    temp_.clear();
  }
}

void atomic_file::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw runtime_failure(fmt::format("cannot write to {}: {}", target_.string(), describe_errno(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void atomic_file::finish() {
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;
  const bool synced = ::fsync(fd) == 0 || errno == EINVAL;  // EINVAL: a file system that cannot sync
  const int err = errno;
  if (::close(fd) != 0 || !synced)
    throw runtime_failure(
        fmt::format("cannot finish writing {}: {}", target_.string(), describe_errno(synced ? errno : err)));
}

void atomic_file::commit() {
  finish();
  if (temp_.empty()) throw runtime_failure(fmt::format("{}: written twice", target_.string()));
  if (::rename(temp_.c_str(), target_.c_str()) != 0)
    throw runtime_failure(
        fmt::format("cannot move the finished file into place as '{}': {}", target_.string(), std::strerror(errno)));
  unregister_temp(slot_);
  slot_ = -1;
  temp_.clear();
  sync_folder(target_.parent_path().empty() ? fs::path(".") : target_.parent_path());
}

void write_file_atomically(const fs::path& path, std::string_view text) {
  if (is_special(path)) return write_special(path, text);
  atomic_file f(path);
  f.write(text);
  f.commit();
}

void staged_files::add(const fs::path& path, std::string_view text) {
  if (is_special(path)) {
    specials_.emplace_back(path, std::string(text));
    return;
  }
  auto f = std::make_unique<atomic_file>(path);
  f->write(text);
  f->finish();
  files_.push_back(std::move(f));
}

fs::path staged_files::pending(const fs::path& path) const {
  for (const auto& f : files_)
    if (f->target() == path) return f->temporary_path();
  return path;
}

void staged_files::publish() {
  for (const auto& f : files_) f->commit();
  files_.clear();
  for (const auto& [path, text] : specials_) write_special(path, text);
  specials_.clear();
}

}  // namespace trafficsim::host
