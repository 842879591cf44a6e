#include "destination.hpp"

#include <fmt/format.h>

#include <functional>
#include <string_view>

#include "append.hpp"
#include "append_target.hpp"
#include "errors.hpp"
#include "sink.hpp"

namespace trafficsim::host {

namespace {

/// How long an --append run waits for another run appending to the same file.
constexpr double append_wait_seconds = 60;

/// A file or standard output (sink.hpp): a regular file is renamed into place by commit().
class file_destination final : public destination {
 public:
  explicit file_destination(const destination_request& r) : sink_(r.output, r.force) {}
  void write(std::string_view bytes) override { sink_.write(bytes); }
  void flush() override { sink_.flush(); }
  void finish() override { sink_.finish(); }
  const std::string& name() const noexcept override { return sink_.name(); }
  std::vector<std::string> notices() const override {
    std::vector<std::string> out;
    for (const std::string& stale : sink_.removed_stale())
      out.push_back(fmt::format("removed {}, the temporary file of a run that died", stale));
    return out;
  }
  void commit() override { sink_.commit(); }
  std::string file_path() const override { return sink_.temporary_path().empty() ? std::string() : sink_.final_path(); }
  output_sink& sink() noexcept { return sink_; }

 private:
  output_sink sink_;
};

/// --append: the rows merged into the file's (append.hpp), which stays locked for the
/// whole run so that concurrent appends take turns. An empty file takes the rows as a new
/// one does.
class append_destination final : public destination {
 public:
  explicit append_destination(const destination_request& r) : target_(r.output, append_wait_seconds), file_(r) {
    if (!target_.empty())
      merger_ = std::make_unique<append_merger>(target_.fd(), r.output, r.format, r.plugins, file_.sink(),
                                                r.stop_signal, r.extended);
  }
  void write(std::string_view bytes) override { merger_ ? merger_->write(bytes) : file_.write(bytes); }
  void flush() override { merger_ ? merger_->flush() : file_.flush(); }
  void finish() override { merger_ ? merger_->finish() : file_.finish(); }
  const std::string& name() const noexcept override { return file_.name(); }
  bool takes_header() const noexcept override { return !merger_; }
  std::vector<std::string> notices() const override { return file_.notices(); }
  void commit() override {
    file_.commit();
    target_.committed();
  }
  std::string file_path() const override { return file_.file_path(); }

 private:
  append_target target_;  // locked first, released last
  file_destination file_;
  std::unique_ptr<append_merger> merger_;
};

/// A PostgreSQL table (postgres_sink.hpp): one COPY in one transaction.
class postgres_destination final : public destination {
 public:
  explicit postgres_destination(const destination_request& r) : sink_(r.output, r.table, r.extended, options(r)) {}
  void write(std::string_view bytes) override { sink_.write(bytes); }
  void flush() override { static_cast<byte_writer&>(sink_).flush(); }
  void finish() override { sink_.finish(); }
  const std::string& name() const noexcept override { return sink_.name(); }
  bool takes_header() const noexcept override { return false; }
  void check_rows(std::uint64_t rows) const override {
    if (sink_.rows() != rows)
      throw runtime_failure(
          fmt::format("{} took {} rows of {}; nothing was committed", sink_.name(), sink_.rows(), rows));
  }
  sink_account account() const override {
    sink_account a;
    a.kind = "postgresql";
    a.rows_delivered = sink_.rows();
    a.batches = a.requests = 1;  // one COPY, one transaction
    return a;
  }
  void commit() override { sink_.commit(); }

 private:
  static postgres_options options(const destination_request& r) {
    postgres_options p = r.postgres;
    p.stop_signal = r.stop_signal;
    return p;
  }
  postgres_sink sink_;
};

/// An HTTP endpoint (http_sink.hpp): batches delivered as they fill, which no failure
/// takes back.
class http_destination final : public destination {
 public:
  explicit http_destination(const destination_request& r) : sink_(options(r)) {}
  void write(std::string_view bytes) override { sink_.write(bytes); }
  void flush() override { sink_.flush(); }
  void finish() override { sink_.finish(); }
  const std::string& name() const noexcept override { return sink_.name(); }
  bool takes_header() const noexcept override { return false; }
  sink_account account() const override { return sink_.account(); }
  bool delivers_as_it_goes() const noexcept override { return true; }
  void abort() noexcept override { sink_.abort(); }

 private:
  static http_options options(const destination_request& r) {
    http_options h = r.http;
    h.stop_signal = r.stop_signal;
    // The sink's bodies count against the memory limit: a quarter of it (the engine takes
    // up to half for its customers and an hour's calls).
    h.max_bytes = r.memory / 4;
    return h;
  }
  http_sink sink_;
};

/// The kinds of destination, by the form of -o: the first whose form matches opens it.
struct destination_kind {
  std::function<bool(const destination_request&)> matches;
  std::function<std::unique_ptr<destination>(const destination_request&)> open;
  const char* kept_when_interrupted = nullptr;  ///< what a run stopped by a signal keeps of it
};

template <class D>
std::unique_ptr<destination> open_as(const destination_request& r) {
  return std::make_unique<D>(r);
}

const std::vector<destination_kind>& destination_kinds() {
  static const std::vector<destination_kind> kinds = {
      {[](const destination_request& r) { return is_postgres_uri(r.output); }, open_as<postgres_destination>,
       "nothing was committed: the PostgreSQL transaction was rolled back (its statement cancelled), the table is "
       "as it was"},
      {[](const destination_request& r) { return is_http_url(r.output); }, open_as<http_destination>,
       "the rows delivered before it stay delivered (see the account above)"},
      {[](const destination_request& r) { return r.append; }, open_as<append_destination>},
      {[](const destination_request&) { return true; }, open_as<file_destination>},  // a file or "-"
  };
  return kinds;
}

}  // namespace

std::unique_ptr<destination> open_destination(const destination_request& r) {
  for (const destination_kind& k : destination_kinds())
    if (k.matches(r)) return k.open(r);
  throw usage_error(fmt::format("-o '{}': no destination takes this form", r.output));
}

const char* kept_when_interrupted(const destination_request& r) noexcept {
  for (const destination_kind& k : destination_kinds())
    if (k.matches(r)) return k.kept_when_interrupted;
  return nullptr;
}

}  // namespace trafficsim::host
