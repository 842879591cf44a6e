// The option table: every value validated once into the typed run configuration, and a
// config file read through the same table as the command line.
#include "options.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;

host::run_config parse(std::vector<std::string> args) {
  args.insert(args.begin(), "trafficsim-host");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto r = parse_options(static_cast<int>(argv.size()), argv.data(), "test");
  if (std::holds_alternative<int>(r)) throw std::runtime_error("help or version");
  return std::get<host::run_config>(r);
}

std::string usage_message(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(no usage_error)";
}

TEST(Options, DefaultsAreTheSeedsRun) {
  const auto c = parse({});
  EXPECT_EQ(c.action, command::generate);
  EXPECT_EQ(c.plugins, "all");
  EXPECT_EQ(c.days, 30u);
  EXPECT_EQ(c.start, (civil_date{2025, 1, 1}));
  EXPECT_EQ(c.output, "data/simulated_calls.csv");
  EXPECT_EQ(c.format, output_format::csv);
  EXPECT_EQ(c.codec, compression::none);
  EXPECT_FALSE(c.seed);
  EXPECT_EQ(c.scale, 1.0);
}

TEST(Options, TypedValuesAndWhatTheFileNameImplies) {
  const auto c = parse({"--days", "7", "--seed", "9", "--scale", "2.5", "--start", "2025-03-01", "-o", "x.jsonl.zst",
                        "--shard", "1/4", "--threads", "3"});
  EXPECT_EQ(c.days, 7u);
  EXPECT_EQ(*c.seed, 9u);
  EXPECT_EQ(c.scale, 2.5);
  EXPECT_EQ(c.start, (civil_date{2025, 3, 1}));
  EXPECT_EQ(c.format, output_format::jsonl);
  EXPECT_EQ(c.codec, compression::zstd);
  EXPECT_EQ(c.level, 1);
  EXPECT_EQ(c.shard_index, 1u);
  EXPECT_EQ(c.shard_count, 4u);
  EXPECT_EQ(c.threads, 3u);
}

TEST(Options, EachValueIsCheckedOnce) {
  EXPECT_NE(usage_message({"--days", "0"}).find("--days 0 is out of range"), std::string::npos);
  EXPECT_NE(usage_message({"--days", "100001"}).find("--days 100001 is out of range"), std::string::npos);
  EXPECT_NE(usage_message({"--days", "-3"}).find("--days '-3' is not a whole number"), std::string::npos);
  EXPECT_NE(usage_message({"--scale", "-1"}).find("--scale -1 is invalid"), std::string::npos);
  EXPECT_NE(usage_message({"--scale", "0"}).find("--scale 0 is invalid"), std::string::npos);
  EXPECT_NE(usage_message({"--start", "2025-02-30"}).find("not a valid date"), std::string::npos);
  EXPECT_NE(usage_message({"--start", "9999-12-01", "--days", "40"}).find("past 9999-12-31"), std::string::npos);
  EXPECT_NE(usage_message({"--threads", "5000"}).find("too many"), std::string::npos);
  EXPECT_NE(usage_message({"--format", "xml"}).find("--format 'xml' is unknown"), std::string::npos);
  EXPECT_NE(usage_message({"--compression-level", "30", "--compress", "zst"}).find("invalid for zstd"),
            std::string::npos);
  EXPECT_NE(usage_message({"--append", "-o", "-"}).find("cannot append to standard output"), std::string::npos);
  EXPECT_NE(usage_message({"--progress", "sometimes"}).find("use auto, always or never"), std::string::npos);
  EXPECT_NE(usage_message({"-o", ""}).find("-o/--output is empty"), std::string::npos);
  EXPECT_NE(usage_message({"--describe", ""}).find("--describe needs a plugin name"), std::string::npos);
  EXPECT_NE(usage_message({"--frobnicate"}).find("see --help"), std::string::npos);
}

TEST(Options, ConfigFileGoesThroughTheSameTable) {
  test::temp_dir t;
  test::write_file(t / "a.toml",
                   "plugins = [\"burst\", \"base\"]\ndays = 3\nscale = 2.5\nappend = true\nplugin-dir = [\"/p1\", "
                   "\"/p2\"]\n[plugin.burst]\nprobability = 0.5\n");
  const auto c = parse({"--config", (t / "a.toml").string(), "--set", "burst.probability=0.1", "-o", "x.csv"});
  EXPECT_EQ(c.plugins, "burst,base");
  EXPECT_EQ(c.days, 3u);
  EXPECT_EQ(c.scale, 2.5);
  EXPECT_TRUE(c.append);
  EXPECT_EQ(c.plugin_dirs, (std::vector<std::filesystem::path>{"/p1", "/p2"}));
  // The file's parameters come first, so the command line's --set wins.
  EXPECT_EQ(c.sets, (std::vector<std::string>{"burst.probability=0.5", "burst.probability=0.1"}));
  // The command line overrides a key of the file.
  EXPECT_EQ(parse({"--config", (t / "a.toml").string(), "--days", "9"}).days, 9u);
}

}  // namespace
