// Scenarios written in Python, through the real executable, the real bridge
// (trafficsim-python.so) and real scripts: the examples plan exactly what the C++
// plugins they port plan (the same bytes, the same answer key); a script is listed,
// described and configured like any plugin; its output is the same for any threads,
// shards and codec; its failures are reported with Python's reason and where, with the
// plugin, customer and day; files other users could write are refused; the host itself
// does not link Python; the test kit's runner checks a script; typed parameters
// (booleans, choices, arrays) are declared, described, set, handed to Python with their
// types, refused when badly declared, and shown by the run report.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

fs::path source_dir() { return TRAFFICSIM_TEST_SOURCE_DIR; }
fs::path examples() { return source_dir() / "sdk/examples/python"; }
fs::path jitter() { return source_dir() / "tests/test_plugins/python/jitter.py"; }

/// A script `name`.py with `text` in a fresh folder of `t` (mode 0755, file 0644).
fs::path script(const temp_dir& t, const std::string& name, const std::string& text) {
  const fs::path dir = t / ("scripts_" + name);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                           fs::perms::others_exec);
  const fs::path file = dir / (name + ".py");
  write_file(file, text);
  fs::permissions(file,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  return file;
}

const char* minimal = R"(
import trafficsim

class Scenario:
    def __init__(self, params):
        pass

    def plan_day(self, customer, day):
        return trafficsim.Plan(customer.calls_per_day).set_hours(9, 17)
)";

/// The minimal scenario with plan_day's body replaced by `body` (indented 8).
std::string with_plan_day(const std::string& body) {
  return "import trafficsim\n\nclass Scenario:\n    def __init__(self, params):\n        pass\n\n"
         "    def plan_day(self, customer, day):\n" +
         body;
}

TEST(PythonScenario, ExamplesPlanWhatTheCxxPluginsPlan) {
  // The ports read the same slots of the same streams, so the rows and the answer key are
  // the same bytes; the window crosses a month end, 29 February and a weekend.
  for (const std::string name : {"seasonal", "burst"}) {
    temp_dir t;
    const std::vector<std::string> common{"--days", "12", "--start", "2024-02-22", "--set", name + ".customers=20"};
    const std::string cxx =
        run_host_to(t, "cxx.csv", with_args(common, {"--plugins", name, "--truth", (t / "kc").string()}));
    const std::string py = run_host_to(
        t, "py.csv",
        with_args(common, {"--plugins", (examples() / (name + ".py")).string(), "--truth", (t / "kp").string()}));
    EXPECT_GT(cxx.size(), 1000u) << name;
    EXPECT_TRUE(py == cxx) << name << ": the Python port's rows differ from the C++ plugin's";
    EXPECT_EQ(read_file(t / "kp" / "labels.jsonl"), read_file(t / "kc" / "labels.jsonl")) << name;
    if (name == "burst") {
      EXPECT_NE(read_file(t / "kp" / "labels.jsonl").find("\"burst\""), std::string::npos);
    }
  }
}

TEST(PythonScenario, ListedDescribedAndSetLikeAPlugin) {
  const process_result list = run_host({"--list-plugins", "--plugin-dir", examples().string()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("burst.py"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("(not used: "), std::string::npos) << "the example shadows the C++ plugin of its name";

  const process_result d = run_host({"--describe", (examples() / "burst.py").string()});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("Batch bursts"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("window_max_hours       integer"), std::string::npos) << d.out;

  temp_dir t;
  const std::string burst = (examples() / "burst.py").string();
  const std::string none =
      run_host_to(t, "none.csv",
                  {"--plugins", burst, "--days", "3", "--set", "burst.probability=0", "--truth", (t / "k").string()});
  EXPECT_EQ(read_file(t / "k" / "labels.jsonl"), "") << "probability 0: no burst day";
  EXPECT_NE(none, run_host_to(t, "all.csv", {"--plugins", burst, "--days", "3", "--set", "burst.probability=1"}));

  const process_result range = run_host({"--plugins", burst, "--set", "burst.probability=2", "-o", (t / "x").string()});
  EXPECT_EQ(range.exit_code, 2) << range.err;
  EXPECT_NE(range.err.find("probability"), std::string::npos) << range.err;
  const process_result refused =
      run_host({"--plugins", burst, "--set", "burst.multiplier_min=50", "-o", (t / "x").string()});
  EXPECT_EQ(refused.exit_code, 2) << "ParameterError is a usage error: " << refused.err;
  EXPECT_NE(refused.err.find("multiplier_min must not exceed multiplier_max"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(t / "x"));
}

TEST(PythonScenario, InOneFolderTheLibraryOfANameComesBeforeTheScript) {
  temp_dir t;
  const fs::path dir = script(t, "seasonal", read_file(examples() / "seasonal.py")).parent_path();
  fs::copy_file(plugin_dir() / "trafficsim_seasonal.so", dir / "trafficsim_seasonal.so");
  const process_result list = run_host({"--list-plugins", "--plugin-dir", dir.string()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const std::string not_used = "seasonal     (not used: \"" + (dir / "trafficsim_seasonal.so").string();
  EXPECT_NE(list.out.find(not_used), std::string::npos) << list.out;
  EXPECT_NE(list.out.find((dir / "seasonal.py").string()), std::string::npos) << list.out;
}

TEST(PythonConcurrency, SameBytesForAnyThreadsShardsAndCodec) {
  // jitter.py uses every draw, labels and its own placement; --threads 7 on top of 1, 2,
  // three shards and zstd.
  const std::vector<std::string> args{"--plugins", jitter().string(), "--days", "6"};
  const std::string one = expect_same_bytes_any_threads_shards_codec(args);
  EXPECT_GT(one.size(), 10000u);
  temp_dir t;
  EXPECT_TRUE(run_host_to(t, "seven.csv", with_args(args, {"--threads", "7"})) == one) << "--threads 7";
}

TEST(PythonErrors, AnExceptionNamesPythonsReasonAndWhereWithPluginCustomerAndDay) {
  temp_dir t;
  const fs::path f = script(t, "divider",
                            with_plan_day("        if day.index == 2 and customer.index == 3:\n"
                                          "            return 1 / 0\n"
                                          "        return trafficsim.Plan(1.0).set_hours(9, 9)\n"));
  const process_result r = run_host({"--plugins", f.string(), "--days", "4", "-o", (t / "out.csv").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  for (const std::string part : {"plugin 'divider' failed on customer cust_divider_0004 (index 3)", "day 2 of the run",
                                 "ZeroDivisionError: division by zero", "divider.py:9 in plan_day"})
    EXPECT_NE(r.err.find(part), std::string::npos) << part << " in: " << r.err;
  EXPECT_FALSE(fs::exists(t / "out.csv")) << "no half-written output";
}

TEST(PythonErrors, ABadPlanBreaksTheContractLikeAnyPlugin) {
  temp_dir t;
  const fs::path weights = script(t, "short", with_plan_day("        return trafficsim.Plan(1.0, [1.0] * 23)\n"));
  const process_result a = run_host({"--plugins", weights.string(), "--days", "1", "-o", (t / "a").string()});
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.err.find("hour_weights has 23 numbers; a day has 24 hours"), std::string::npos) << a.err;
  const fs::path negative =
      script(t, "negative", with_plan_day("        return trafficsim.Plan(-1.0).set_hours(0, 23)\n"));
  const process_result b = run_host({"--plugins", negative.string(), "--days", "1", "-o", (t / "b").string()});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("plugin 'negative' broke its contract"), std::string::npos) << b.err;
  const fs::path label = script(
      t, "badlabel", with_plan_day("        return trafficsim.Plan(1.0).set_hours(0, 23).label('Bad Kind', 0, 1)\n"));
  const process_result c = run_host({"--plugins", label.string(), "--days", "1", "-o", (t / "c").string()});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_NE(c.err.find("plugin 'badlabel' broke its contract"), std::string::npos) << c.err;
}

TEST(PythonErrors, ASyntaxErrorOrAMissingClassOrMethodIsALoadError) {
  temp_dir t;
  struct bad_case {
    std::string name, text, expected;
  };
  const std::vector<bad_case> cases{
      {"syntax", "import trafficsim\n\nclass Scenario:\n    def plan_day(self, customer, day)\n        pass\n",
       "SyntaxError: expected ':' (at "},
      {"noclass", "import trafficsim\n", "it defines no class Scenario"},
      {"nomethod", "class Scenario:\n    pass\n", "its class Scenario has no method plan_day"},
      {"raises", "raise RuntimeError('no config')\n", "RuntimeError: no config (at "},
      {"badparams", "import trafficsim\nPARAMETERS = [1]\nclass Scenario:\n    def plan_day(self, c, d): pass\n",
       "PARAMETERS[0] is not a parameter"},
  };
  for (const bad_case& b : cases) {
    const fs::path f = script(t, b.name, b.text);
    const process_result r = run_host({"--plugins", f.string(), "-o", (t / "out.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << b.name << ": " << r.err;
    EXPECT_NE(r.err.find("cannot load Python scenario"), std::string::npos) << b.name << ": " << r.err;
    EXPECT_NE(r.err.find(b.expected), std::string::npos) << b.name << ": " << r.err;
  }
  const process_result missing = run_host({"--plugins", (t / "nowhere.py").string(), "-o", (t / "o").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
  const fs::path badname = script(t, "Bad-Name", minimal);
  const process_result named = run_host({"--plugins", badname.string(), "-o", (t / "o").string()});
  EXPECT_EQ(named.exit_code, 2);
  EXPECT_NE(named.err.find("breaks the name rule"), std::string::npos) << named.err;
}

TEST(PythonSecurity, AScriptOrFolderOthersCanWriteIsRefused) {
  temp_dir t;
  const fs::path f = script(t, "open", minimal);
  const std::vector<std::string> args{"--plugins", f.string(), "--days", "1", "-o", (t / "out.csv").string()};
  ASSERT_EQ(run_host(args).exit_code, 0) << "the script as written is accepted";

  fs::permissions(f, fs::perms::others_write, fs::perm_options::add);
  const process_result file = run_host(args);
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_NE(file.err.find("is writable by all users"), std::string::npos) << file.err;
  EXPECT_EQ(run_host(with_args(args, {"--allow-unsafe-plugin-permissions"})).exit_code, 0) << "the explicit opt-out";
  fs::permissions(f, fs::perms::others_write, fs::perm_options::remove);

  fs::permissions(f.parent_path(), fs::perms::group_write, fs::perm_options::add);
  const process_result folder = run_host(args);
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_NE(folder.err.find("its directory"), std::string::npos) << folder.err;
  const process_result listed = run_host({"--list-plugins", "--plugin-dir", f.parent_path().string()});
  EXPECT_EQ(listed.exit_code, 1) << "a scenario found in such a folder is refused too";
  EXPECT_NE(listed.err.find("writable by its group"), std::string::npos) << listed.err;
}

TEST(PythonBridge, TheHostDoesNotLinkPythonTheBridgeDoes) {
  const std::string host = shell_out("readelf -d " + host_exe().string());
  ASSERT_NE(host.find("NEEDED"), std::string::npos) << host;
  EXPECT_EQ(host.find("libpython"), std::string::npos) << host;
  const std::string bridge = shell_out("readelf -d " + (plugin_dir() / "trafficsim-python.so").string());
  EXPECT_NE(bridge.find("libpython3"), std::string::npos) << bridge;
}

TEST(PythonBridge, TheTestKitRunnerChecksAScript) {
  const fs::path runner = host_exe().parent_path() / "trafficsim-check-python";
  child checked = spawn({runner.string(), jitter().string()});
  const process_result good = wait_for(checked);
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("jitter: no problems found"), std::string::npos) << good.out;
  temp_dir t;
  // Hidden state: the plan depends on how many plans were made before, which the kit's
  // "the same plan twice" and "the same from 4 threads" checks catch.
  const fs::path stateful = script(t, "stateful",
                                   with_plan_day("        self.n = getattr(self, 'n', 0) + 1\n"
                                                 "        return trafficsim.Plan(self.n % 7).set_hours(0, 23)\n"));
  child refused = spawn({runner.string(), stateful.string()});
  const process_result bad = wait_for(refused);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("contract: "), std::string::npos) << bad.out;
}

TEST(PythonScaffold, NewPluginPythonMakesAScenarioThatRunsAndPassesTheKit) {
  temp_dir t;
  const std::string tool = (source_dir() / "tools/new-plugin").string();
  const std::string made = shell_out(tool + " --python payday " + (t / "mine").string());
  EXPECT_NE(made.find("trafficsim-check-python"), std::string::npos) << made;
  const fs::path f = t / "mine" / "payday.py";
  child checked = spawn({(host_exe().parent_path() / "trafficsim-check-python").string(), f.string()});
  const process_result kit = wait_for(checked);
  EXPECT_EQ(kit.exit_code, 0) << kit.out << kit.err;
  const std::string rows = run_host_to(t, "payday.csv", {"--plugins", f.string(), "--days", "7"});
  EXPECT_NE(rows.find("cust_payday_0001"), std::string::npos);
  const process_result d = run_host({"--describe", f.string()});
  EXPECT_NE(d.out.find("payday 0.1.0 - payday: a new traffic pattern (edit plan_day)"), std::string::npos) << d.out;
  child bad = spawn({tool, "--python", "Bad-Name", (t / "bad").string()});
  EXPECT_EQ(wait_for(bad).exit_code, 2);
  EXPECT_FALSE(fs::exists(t / "bad"));
}

// ---- typed parameters ----

/// Every kind of typed parameter; `explain` makes the constructor refuse with what it got.
const char* knobs = R"("""knobs: typed parameters of every kind"""
import trafficsim

PARAMETERS = [
    trafficsim.real("unused", 0.5, 0.0, 1.0, "A scalar beside the typed ones"),
    trafficsim.boolean("explain", False, "Refuse to run, showing the values received"),
    trafficsim.boolean("halve", False, "Halves the calls"),
    trafficsim.choice("kind", ["single", "double", "triple"], "single", "single, double or triple the calls"),
    trafficsim.array("levels", [1.0], 0.0, 10.0, "Multipliers of the calls; their mean counts",
                     min_length=1, max_length=8),
    trafficsim.array("hours", [1.0] * 24, 0.0, 100.0, "Relative calls in each hour of the day"),
]

KINDS = ["single", "double", "triple"]


class Scenario:
    def __init__(self, params):
        if params["explain"]:
            shown = {k: (type(v).__name__, len(v)) if k == "hours" else v for k, v in params.items()
                     if k not in ("customers", "seed", "explain", "unused")}
            raise trafficsim.ParameterError(repr(sorted(shown.items())))
        levels = params["levels"]
        self.factor = sum(levels) / len(levels) * (KINDS.index(params["kind"]) + 1) * (0.5 if params["halve"] else 1)
        self.hours = params["hours"]

    def plan_day(self, customer, day):
        return trafficsim.Plan(customer.calls_per_day * self.factor, self.hours)
)";

/// "[0, ..., 0, 1 at `hour`, 0, ...]": 24 hour weights with every call in one hour.
std::string one_hour(int hour) {
  std::string out = "[";
  for (int h = 0; h < 24; ++h) out += std::string(h == 0 ? "" : ", ") + (h == hour ? "1" : "0");
  return out + "]";
}

TEST(PythonTypedParameters, DeclaredDescribedSetAndHandedToPythonAsBoolStrAndFloats) {
  temp_dir t;
  const std::string f = script(t, "knobs", knobs).string();
  const process_result d = run_host({"--describe", f});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  // The type column is as wide as its widest entry, "array[1..8]".
  for (const std::string row :
       {"halve                  boolean            false  true or false",
        "kind                   choice            single  single | double | triple",
        "levels                 array[1..8]", "hours                  array[24]", "unused                 real"})
    EXPECT_NE(d.out.find(row), std::string::npos) << row << " in:\n" << d.out;

  // What the constructor receives, by Python's repr: a bool, a str, a list of floats.
  auto received = [&](const std::vector<std::string>& more) {
    const process_result r =
        run_host(with_args({"--plugins", f, "--set", "knobs.explain=true", "-o", (t / "x.csv").string()}, more));
    EXPECT_EQ(r.exit_code, 2) << "ParameterError: " << r.err;
    return r.err;
  };
  EXPECT_NE(received({}).find("[('halve', False), ('hours', ('list', 24)), ('kind', 'single'), ('levels', [1.0])]"),
            std::string::npos)
      << "the defaults";
  const std::string set =
      received({"--set", "knobs.halve=true", "--set", "knobs.kind=triple", "--set", "knobs.levels=[2, 0.5, 7]"});
  EXPECT_NE(set.find("[('halve', True), ('hours', ('list', 24)), ('kind', 'triple'), ('levels', [2.0, 0.5, 7.0])]"),
            std::string::npos)
      << set;
  write_file(t / "knobs.toml", "[plugin.knobs]\nhalve = true\nkind = \"double\"\nlevels = [1, 2.5]\n");
  const std::string config = received({"--config", (t / "knobs.toml").string()});
  EXPECT_NE(config.find("[('halve', True), ('hours', ('list', 24)), ('kind', 'double'), ('levels', [1.0, 2.5])]"),
            std::string::npos)
      << config;
  const process_result choice = run_host({"--plugins", f, "--set", "knobs.kind=quadruple", "-o", (t / "x").string()});
  EXPECT_EQ(choice.exit_code, 2);
  EXPECT_NE(choice.err.find("'quadruple' is not one of the choices of 'kind': single, double, triple"),
            std::string::npos)
      << choice.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
  EXPECT_FALSE(fs::exists(t / "x"));

  // The values drive the plans. levels' mean 3, kind double (x2), halve (x0.5): 3x the calls.
  // Each customer-day's count is its expectation rounded up or down, so over the 4
  // customers x 7 days the totals differ from 1x and 3x the expected sum by less than 28
  // each: |tripled - 3 x plain| < 28 + 3 x 28 = 112, where ignored values would leave a
  // difference of 2 x plain.
  const std::vector<std::string> week{"--plugins", f, "--days", "7", "--set", "knobs.customers=4"};
  const auto rows = [](const std::string& csv) { return parse_csv(csv).size() - 1; };
  const std::string plain = run_host_to(t, "plain.csv", week);
  const std::string tripled =
      run_host_to(t, "tripled.csv",
                  with_args(week, {"--set", "knobs.levels=[2, 4]", "--set", "knobs.kind=double", "--set",
                                   "knobs.halve=true", "--set", "knobs.hours=" + one_hour(13)}));
  ASSERT_GT(rows(plain), 200u);
  EXPECT_LT(std::abs(static_cast<double>(rows(tripled)) - 3.0 * static_cast<double>(rows(plain))), 112.0)
      << rows(plain) << " " << rows(tripled);
  const auto table = parse_csv(tripled);
  for (std::size_t i = 1; i < table.size(); ++i) ASSERT_EQ(table[i][0].substr(11, 2), "13") << table[i][0];
}

TEST(PythonTypedParameters, ABadDeclarationIsALoadErrorNamingTheFileTheParameterAndWhatIsWrong) {
  temp_dir t;
  struct bad_case {
    std::string declaration, expected;
  };
  const std::vector<bad_case> cases{
      {R"(trafficsim.boolean("on", 1, "x"))", "PARAMETERS[0] ('on') has a default that is not True or False"},
      {R"(trafficsim.choice("mode", ["a", "b"], "c", "x"))",
       "PARAMETERS[0] ('mode') has a default that is not one of its choices"},
      {R"(trafficsim.choice("mode", "ab", "a", "x"))", "PARAMETERS[0] ('mode') has choices that are not a list"},
      {R"(trafficsim.choice("mode", ["a", "Not a name"], "a", "x"))",
       "PARAMETERS[0] ('mode') has a choice that is not a valid name"},
      {R"(trafficsim.choice("mode", [], "a", "x"))", "PARAMETERS[0] ('mode') has a default that is not one of"},
      {R"(trafficsim.array("w", [1, "x"], 0, 10, "x"))",
       "PARAMETERS[0] ('w') has a default whose element 1 is not a number"},
      {R"(trafficsim.array("w", [1, 20], 0, 10, "x"))", "PARAMETERS[0] ('w') has a default outside its range"},
      {R"(trafficsim.array("w", 5, 0, 10, "x"))", "PARAMETERS[0] ('w') has a default that is not a list of numbers"},
      {R"(trafficsim.array("w", [1, 2], 0, 10, "x", max_length=1))",
       "PARAMETERS[0] ('w') has a length range that is not within 1 .. 4096"},
      {R"(trafficsim.array("w", [1] * 4097, 0, 10, "x"))",
       "PARAMETERS[0] ('w') has a min_length or max_length that is not a whole number from 1 to 4096"},
      {R"(trafficsim.real("w", 1, 0, 2, "x"), trafficsim.array("w", [1], 0, 2, "x"))", "PARAMETERS declares 'w' twice"},
      {R"(trafficsim.boolean("seed", True, "x"))", "PARAMETERS declares 'seed' twice"},
      {R"(trafficsim.boolean("Loud", True, "x"))", "PARAMETERS declares 'Loud', which is not a valid name"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const fs::path f =
        script(t, "bad" + std::to_string(i),
               "import trafficsim\nPARAMETERS = [" + cases[i].declaration + "]\n" + std::string(minimal));
    const process_result r = run_host({"--plugins", f.string(), "-o", (t / "out.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << cases[i].declaration << ": " << r.err;
    EXPECT_NE(r.err.find("cannot load Python scenario \"" + f.string() + "\": " + cases[i].expected), std::string::npos)
        << cases[i].declaration << ": " << r.err;
    EXPECT_FALSE(fs::exists(t / "out.csv"));
  }
}

TEST(PythonTypedParameters, TheSeasonalExampleTakesItsWeeklyFactorsAsAnArray) {
  // The defaults plan what the C++ plugin plans (ExamplesPlanWhatTheCxxPluginsPlan); set
  // to 0 at the weekend, the weekly factors leave Saturdays and Sundays without calls.
  temp_dir t;
  const std::string csv = run_host_to(t, "weekdays.csv",
                                      {"--plugins", (examples() / "seasonal.py").string(), "--days", "14", "--set",
                                       "seasonal.customers=5", "--set", "seasonal.weekly=[1, 1, 1, 1, 1, 0, 0]"});
  const auto table = parse_csv(csv);
  ASSERT_GT(table.size(), 100u);
  std::array<std::size_t, 7> by_weekday{};
  for (std::size_t i = 1; i < table.size(); ++i) {
    const std::string& ts = table[i][0];
    const std::chrono::year_month_day ymd{std::chrono::year(std::stoi(ts.substr(0, 4))),
                                          std::chrono::month(static_cast<unsigned>(std::stoi(ts.substr(5, 2)))),
                                          std::chrono::day(static_cast<unsigned>(std::stoi(ts.substr(8, 2))))};
    ++by_weekday[std::chrono::weekday(std::chrono::sys_days(ymd)).iso_encoding() - 1];
  }
  EXPECT_EQ(by_weekday[5] + by_weekday[6], 0u) << "calls on a weekend";
  for (std::size_t d = 0; d < 5; ++d) EXPECT_GT(by_weekday[d], 0u) << "weekday " << d;
}

TEST(PythonBridge, TheTestKitRunnerTriesTypedParametersAtTheirExtremes) {
  // knobs does not refuse hour weights all 0 (the kit's "all at the minimum"), so the kit
  // finds plans without an hour; the seasonal example's weekly factors all 0 plan no calls.
  const fs::path runner = host_exe().parent_path() / "trafficsim-check-python";
  temp_dir t;
  child knobs_kit = spawn({runner.string(), script(t, "knobs", knobs).string()});
  const process_result bad = wait_for(knobs_kit);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("contract: with hours of 24 value(s) from 0"), std::string::npos) << bad.out;
  child seasonal_kit = spawn({runner.string(), (examples() / "seasonal.py").string()});
  const process_result good = wait_for(seasonal_kit);
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("seasonal: no problems found"), std::string::npos) << good.out;
}

TEST(PythonTypedParameters, TheRunReportShowsThemInTextHtmlAndJson) {
  temp_dir t;
  const std::string f = script(t, "knobs", knobs).string();
  const std::string hours =
      "[0.125, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24.5]";
  const std::vector<std::string> args{"--plugins", f,
                                      "--days",    "2",
                                      "--set",     "knobs.customers=3",
                                      "--set",     "knobs.halve=true",
                                      "--set",     "knobs.kind=double",
                                      "--set",     "knobs.levels=[2, 4]",
                                      "--set",     "knobs.hours=" + hours};
  const process_result r = run_host(with_args(args, {"--stats-json", (t / "run.json").string(), "--report",
                                                     (t / "run.html").string(), "-o", (t / "rows.csv").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Text: an array of more than 4 numbers as its first 3 and its length.
  EXPECT_NE(r.err.find("  typed parameters of knobs: explain=false, halve=true, hours=[0.125, 2, 3, ... 24 values], "
                       "kind=double, levels=[2, 4]\n"),
            std::string::npos)
      << r.err;

  // JSON, read by Python's json module: every value in full, with its JSON type.
  child reader = spawn({"/usr/bin/python3", "-c",
                        "import json, sys\n"
                        "p = json.load(open(sys.argv[1]))['plugins'][0]['parameters']\n"
                        "print(sorted((k, type(v).__name__, v) for k, v in p.items()))\n",
                        (t / "run.json").string()});
  const process_result json = wait_for(reader);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out,
            "[('explain', 'bool', False), ('halve', 'bool', True), ('hours', 'list', [0.125, 2, 3, 4, 5, 6, 7, 8, 9, "
            "10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24.5]), ('kind', 'str', 'double'), ('levels', "
            "'list', [2, 4]), ('unused', 'float', 0.5)]\n");

  // HTML: abbreviated in the table, in full in the command that makes the same rows.
  const std::string html = read_file(t / "run.html");
  EXPECT_NE(html.find("unused=0.5, explain=false, halve=true, hours=[0.125, 2, 3, ... 24 values], kind=double, "
                      "levels=[2, 4]</td>"),
            std::string::npos)
      << between(html, "<table id=\"origin\">", "</table>");
  const std::string command = between(html, "<pre id=\"command\">", "</pre>");
  EXPECT_NE(command.find(" --set knobs.halve=true --set 'knobs.hours=[0.125,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
                         "17,18,19,20,21,22,23,24.5]' --set knobs.kind=double --set 'knobs.levels=[2,4]'"),
            std::string::npos)
      << command;
  // `report DATA --run-stats` reads the typed values back from the JSON: the same page.
  const process_result again = run_host({"report", (t / "rows.csv").string(), "--run-stats", (t / "run.json").string(),
                                         "-o", (t / "again.html").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(read_file(t / "again.html") == html) << first_difference(html, read_file(t / "again.html"));
}

}  // namespace
