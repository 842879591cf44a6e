// The output sink: a regular file is written beside its target and renamed into place
// only on commit; without commit nothing is left and an existing file is untouched.
#include "sink.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "errors.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;
namespace fs = std::filesystem;

TEST(Sink, CommitRenamesTheTemporaryFileIntoPlace) {
  temp_dir t;
  const std::string target = (t / "sub/out.csv").string();
  {
    output_sink s(target);
    EXPECT_FALSE(s.temporary_path().empty());
    EXPECT_TRUE(fs::exists(s.temporary_path()));
    EXPECT_EQ(fs::path(s.temporary_path()).parent_path(), t / "sub") << "beside the target, for an atomic rename";
    s.write("a,b\n");
    s.write("1,2\n");
    EXPECT_FALSE(fs::exists(target)) << "nothing in place before commit";
    s.commit();
  }
  EXPECT_EQ(read_file(target), "a,b\n1,2\n");
  EXPECT_EQ(list_dir(t / "sub"), std::vector<std::string>{"out.csv"});
}

TEST(Sink, WithoutCommitTheOldFileStaysAndNothingIsLeft) {
  temp_dir t;
  write_file(t / "out.csv", "old\n");
  ::chmod((t / "out.csv").c_str(), 0640);
  {
    output_sink s((t / "out.csv").string());
    s.write("new\n");
  }
  EXPECT_EQ(read_file(t / "out.csv"), "old\n");
  EXPECT_EQ(list_dir(t.path()), std::vector<std::string>{"out.csv"});
  output_sink s((t / "out.csv").string());
  s.write("new\n");
  s.commit();
  struct stat st {};
  ::stat((t / "out.csv").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "a replaced file keeps its permissions";
}

TEST(Sink, DevicesAreWrittenDirectlyAndErrorsAreClear) {
  output_sink null("/dev/null");
  EXPECT_TRUE(null.temporary_path().empty());
  null.write("x");
  null.commit();
  output_sink full("/dev/full");
  try {
    full.write("x");
    FAIL() << "wrote to /dev/full";
  } catch (const runtime_failure& e) {
    EXPECT_NE(std::string(e.what()).find("no space left on device"), std::string::npos) << e.what();
  }
  temp_dir t;
  EXPECT_THROW(output_sink(t.path().string()), runtime_failure) << "a directory";
}

}  // namespace
