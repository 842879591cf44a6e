// The destination -o names, through its one interface: a file replaced only by commit,
// standard output, an HTTP endpoint that delivers as it goes (a real loopback receiver),
// and --append's merger in front of a file.
#include "destination.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "http_receiver.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Destination, AFileIsReplacedOnlyWhenCommitted) {
  const temp_dir t;
  const std::filesystem::path path = t / "out.csv";
  std::ofstream(path) << "old\n";
  destination_request r;
  r.output = path.string();
  {
    const auto d = open_destination(r);
    EXPECT_TRUE(d->takes_header());
    EXPECT_FALSE(d->delivers_as_it_goes());
    EXPECT_EQ(d->file_path(), std::filesystem::canonical(path).string());
    EXPECT_EQ(kept_when_interrupted(r), nullptr);
    d->write("new\n");
    d->finish();
    EXPECT_EQ(read_text(path), "old\n") << "not before commit";
  }
  EXPECT_EQ(read_text(path), "old\n") << "a destination not committed leaves the file as it was";
  const auto d = open_destination(r);
  d->write("new\n");
  d->finish();
  d->commit();
  EXPECT_EQ(read_text(path), "new\n");
  EXPECT_TRUE(d->account().kind.empty()) << "a file has no network account";
}

TEST(Destination, StandardOutputTakesTheHeaderAndHasNoFileBeside) {
  destination_request r;
  r.output = "-";
  const auto d = open_destination(r);
  EXPECT_EQ(d->name(), "standard output");
  EXPECT_TRUE(d->takes_header());
  EXPECT_TRUE(d->file_path().empty()) << "no by-product goes beside standard output";
}

TEST(Destination, AnHttpUrlDeliversAsItGoesWithoutHeader) {
  http_receiver receiver;
  destination_request r;
  r.output = receiver.url("/ingest");
  r.http.url = r.output;
  r.http.batch_rows = 2;
  r.memory = std::uint64_t{1} << 30;
  const auto d = open_destination(r);
  EXPECT_FALSE(d->takes_header());
  EXPECT_TRUE(d->delivers_as_it_goes());
  EXPECT_NE(kept_when_interrupted(r), nullptr);
  d->write("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  d->finish();
  const sink_account a = d->account();
  EXPECT_EQ(a.kind, "http");
  EXPECT_EQ(a.rows_delivered, 3u);
  EXPECT_EQ(a.batches, 2u) << "batches of 2 rows";
  std::uint64_t lines = 0;
  for (const http_request& q : receiver.requests()) lines += q.body_lines;
  EXPECT_EQ(lines, 3u);
}

TEST(Destination, AppendMergesIntoAFileWithRowsAndTakesNoHeader) {
  const temp_dir t;
  const std::filesystem::path path = t / "out.csv";
  const process_result made = run_host({"--plugins", "base", "--days", "1", "--quiet", "-o", path.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  destination_request r;
  r.output = path.string();
  r.append = true;
  r.plugins = {"burst"};
  const auto d = open_destination(r);
  EXPECT_FALSE(d->takes_header()) << "the file's header stays; the rows are merged under it";
  EXPECT_EQ(d->file_path(), std::filesystem::canonical(path).string());

  const std::filesystem::path empty = t / "empty.csv";
  r.output = empty.string();
  const auto fresh = open_destination(r);
  EXPECT_TRUE(fresh->takes_header()) << "a new file gets the header";
}

}  // namespace
