// The documentation against the executables: every --option that README.md and docs/*.md
// name is one that trafficsim-host (or one of its subcommands) or trafficsim-score
// knows, as their --help lists them, unless it is named as another tool's (cmake, ctest,
// sbatch ...); and every value a document gives an option with a fixed set of values
// (--format jsonl, --compress zst ...) is one of those values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

// Options the documents name that belong to other tools, with the tool: the document
// must name the tool too (so that an option dropped from the host cannot hide here).
const std::map<std::string, std::string>& other_tools_options() {
  static const std::map<std::string, std::string> options{
      {"--array", "sbatch"},
      {"--build", "cmake"},
      {"--install", "cmake"},
      {"--prefix", "cmake"},
      {"--preset", "cmake"},
      {"--test-dir", "ctest"},
      {"--output-on-failure", "ctest"},
      {"--data-binary", "curl"},
      {"--seconds", "tools/fuzz"},
      {"--mooncake-conversation", "derive-trace-stats"},
      {"--mooncake-synthetic", "derive-trace-stats"},
      {"--azure-code", "derive-trace-stats"},
      {"--azure-conv", "derive-trace-stats"},
      {"--python", "new-plugin"},
      {"--description", "new-plugin"},
      {"--c", "new-plugin"},
      {"--release", "cargo"},
      {"--offline", "cargo"},
      {"--quick", "tools/"},  // tools/bench's and tools/fit-roundtrip's: the document names one of them
      {"--host", "fit-roundtrip"},
      {"--seeds", "fit-roundtrip"},
      {"--jobs", "tools/fuzz"},
      {"--since", "tools/lint"},
      {"--runs", "tools/bench"},
      {"--reference", "tools/bench"},
      {"--dir", "tools/bench"},
      {"--benchmark", "Google Benchmark"},
      {"--branch-sim", "cachegrind"},
      {"--train", "zstd"},
      {"--fast", "zstd"},
  };
  return options;
}

std::string help_of(const std::vector<std::string>& args) {
  const process_result r = run_host(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

std::string score_help_of(const std::vector<std::string>& args) {
  std::vector<std::string> full{(host_exe().parent_path() / "trafficsim-score").string()};
  full.insert(full.end(), args.begin(), args.end());
  child c = spawn(full);
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// Every --help text of the two executables and their subcommands.
const std::string& all_help() {
  static const std::string text = [] {
    std::string t;
    for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"report", "--help"}, {"fit", "--help"}})
      t += help_of(args);
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"--help"}, {"invoices", "--help"}, {"detections", "--help"}})
      t += score_help_of(args);
    return t;
  }();
  return text;
}

// One line of a document: where it is, the line, and the whole document.
struct doc_line {
  std::string where;  ///< "FILE:LINE"
  const std::string& line;
  const std::string& text;
};

// Calls `f` with every line of README.md, docs/*.md, bench/README.md and the plugin
// examples' READMEs (sdk/examples/*/README.md).
template <class F>
void for_each_doc_line(F f) {
  const fs::path root = TRAFFICSIM_TEST_SOURCE_DIR;
  std::vector<fs::path> docs{root / "README.md", root / "bench" / "README.md"};
  for (const auto& e : fs::directory_iterator(root / "docs"))
    if (e.path().extension() == ".md") docs.push_back(e.path());
  for (const auto& e : fs::directory_iterator(root / "sdk" / "examples"))
    if (fs::is_regular_file(e.path() / "README.md")) docs.push_back(e.path() / "README.md");
  for (const fs::path& doc : docs) {
    const std::string text = read_file(doc);
    std::istringstream lines(text);
    std::size_t number = 0;
    for (std::string line; std::getline(lines, line);)
      f(doc_line{fs::relative(doc, root).string() + ":" + std::to_string(++number), line, text});
  }
}

const std::regex option_name("--[a-z][a-z0-9-]*[a-z0-9]");

// The option names an option table lists: "  --name ..." or "  -o,--output ...".
std::set<std::string> help_options(const std::string& help) {
  std::set<std::string> names;
  std::istringstream lines(help);
  const std::regex entry(R"(^  (?:-[a-zA-Z],)?(--[a-z][a-z0-9-]*))");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, entry)) names.insert(m[1]);
  }
  return names;
}

TEST(Docs, EveryOptionNamedIsOneTheExecutablesKnow) {
  const std::set<std::string> known = help_options(all_help());
  ASSERT_GT(known.size(), 40u) << all_help();
  std::size_t named = 0;
  for_each_doc_line([&](const doc_line& d) {
    const std::string& line = d.line;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), option_name); it != std::sregex_iterator(); ++it) {
      const std::string name = it->str();
      // Not an option: a word after a dash inside a longer token (a-b--c) or a file name.
      if (it->position() > 0 && std::isalnum(static_cast<unsigned char>(line[it->position() - 1]))) continue;
      ++named;
      if (known.count(name) != 0) continue;
      const auto other = other_tools_options().find(name);
      if (other != other_tools_options().end()) {
        EXPECT_NE(d.text.find(other->second), std::string::npos)
            << d.where << ": " << name << " is " << other->second << "'s, but the document does not name "
            << other->second;
        continue;
      }
      ADD_FAILURE() << d.where << ": " << name
                    << " is not an option of trafficsim-host or trafficsim-score (see their --help): " << line;
    }
  });
  EXPECT_GT(named, 100u) << "the documents name options";
}

// "--format csv|jsonl|..." in the help: the values it takes. Only placeholders made of
// lowercase words separated by '|' (not NAME|FILE).
std::map<std::string, std::set<std::string>> fixed_values(const std::string& help) {
  std::map<std::string, std::set<std::string>> out;
  std::istringstream lines(help);
  const std::regex entry(R"(^  (?:-[a-zA-Z],)?(--[a-z][a-z0-9-]*) ([a-z0-9-]+(?:\|[a-z0-9-]+)+)(?:=| |$))");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, entry)) continue;
    std::set<std::string>& values = out[m[1]];
    std::stringstream list(m[2]);
    for (std::string v; std::getline(list, v, '|');) values.insert(v);
  }
  return out;
}

TEST(Docs, EveryValueGivenToAnOptionWithFixedValuesIsOneOfThem) {
  const auto options = fixed_values(all_help());
  ASSERT_EQ(options.count("--format"), 1u) << all_help();
  ASSERT_EQ(options.count("--compress"), 1u) << all_help();
  std::size_t checked = 0;
  for_each_doc_line([&](const doc_line& d) {
    for (const auto& [name, values] : options) {
      // "--name value" or "--name=value", the value a plain word (not a placeholder).
      const std::regex given(name + R"((?: |=)([a-z0-9][a-z0-9-]*)\b)");
      for (auto it = std::sregex_iterator(d.line.begin(), d.line.end(), given); it != std::sregex_iterator(); ++it) {
        const std::string value = (*it)[1];
        ++checked;
        EXPECT_EQ(values.count(value), 1u)
            << d.where << ": " << name << " " << value << " is not one of its values: " << d.line;
      }
    }
  });
  EXPECT_GT(checked, 10u) << "the documents give options values";
}

// The README's "Command line" table lists every option of trafficsim-host, with the
// default its --help gives ("--days N=30": `30`).
TEST(Docs, TheReadmesTableListsEveryOptionWithItsDefault) {
  const std::string help = help_of({"--help"});
  const std::string readme = read_file(fs::path(TRAFFICSIM_TEST_SOURCE_DIR) / "README.md");
  const std::size_t from = readme.find("## Command line"), to = readme.find("\n## ", from + 1);
  ASSERT_NE(from, std::string::npos);
  // The table's rows: the first cell (the options) and the second (the default).
  std::vector<std::pair<std::string, std::string>> rows;
  std::istringstream lines(readme.substr(from, to - from));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells{""};  // split at '|', but not at an escaped "\|"
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '|' && line[i - 1] != '\\')
        cells.emplace_back();
      else
        cells.back() += line[i];
    }
    if (cells.size() >= 3) rows.emplace_back(cells[0], cells[1]);
  }
  ASSERT_GT(rows.size(), 30u);
  std::istringstream entries(help);
  const std::regex entry(R"(^  (?:-[a-zA-Z],)?(--[a-z][a-z0-9-]*)(?: (\S+))?)");
  std::size_t defaults = 0;
  for (std::string line; std::getline(entries, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, entry)) continue;
    const std::string name = m[1];
    const std::regex named("`(?:-[a-z], )?" + name + "[ `]");
    const auto row =
        std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return std::regex_search(r.first, named); });
    if (row == rows.end()) {
      ADD_FAILURE() << name << " is not in the README's table of options";
      continue;
    }
    // "PLACEHOLDER=DEFAULT": the table's default cell shows it (0 threads is "all cores").
    // A placeholder in capitals on both sides ("PLUGIN.PARAM=VALUE") is not a default.
    const std::string placeholder = m[2];
    const std::size_t eq = placeholder.rfind('=');
    if (eq == std::string::npos || name == "--threads") continue;
    const std::string value = placeholder.substr(eq + 1);
    if (std::none_of(value.begin(), value.end(), [](char c) {
          return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
        }))
      continue;
    ++defaults;
    EXPECT_NE(row->second.find("`" + value + "`"), std::string::npos)
        << name << ": --help gives the default " << value << ", the README " << row->second;
  }
  EXPECT_GE(defaults, 6u) << "defaults checked";
}

}  // namespace
