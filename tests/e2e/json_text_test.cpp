// The side files' JSON (--stats-json and the failure summary) written by nlohmann: any
// text the run echoes, such as the output's path, is valid JSON that reads back as the
// text, a byte that is not UTF-8 as U+FFFD.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;

TEST(SideFilesJson, AHostilePathReadsBack) {
  temp_dir t;
  // A quote, a backslash, a tab, a control and a byte that is not UTF-8: a file name
  // may hold any of them.
  const std::string name =
      "a\"b\\c\td\x01"
      "e\xff.csv";
  const std::string output = (t / name).string();
  const process_result r =
      run_host({"--days", "1", "--scale", "0.05", "-q", "-o", output, "--stats-json", (t / "s.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(read_file(t / "s.json"))) << read_file(t / "s.json");
  std::string expected = output;
  expected.replace(expected.find('\xff'), 1, "\xef\xbf\xbd");  // U+FFFD
  EXPECT_EQ(j.at("output").get<std::string>(), expected);
}

}  // namespace
