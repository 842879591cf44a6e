// The one CSV rule (csv.hpp, RFC 4180) for every CSV the host reads: the dataset reader
// (report, fit), the scorer's detections (trafficsim-score) and the append merger's
// existing file. The splitter alone, then each reader through its executable.
#include "csv.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;

/// The fields of `record` as strings, or the error and its field as "error N".
std::vector<std::string> split(std::string_view record) {
  std::vector<std::string_view> fields;
  std::string unescaped;
  const csv_split r = split_csv_record(record, fields, unescaped);
  if (r.error != csv_error::none)
    return {"error " + std::to_string(r.field) + ": " + std::string(csv_error_text(r.error))};
  return {fields.begin(), fields.end()};
}

using fields = std::vector<std::string>;

TEST(Csv, PlainFieldsEmptyFieldsAndEmptyRecords) {
  EXPECT_EQ(split("a,b,c"), (fields{"a", "b", "c"}));
  EXPECT_EQ(split("a,,b,"), (fields{"a", "", "b", ""})) << "an empty field between commas and after the last";
  EXPECT_EQ(split(""), (fields{""})) << "an empty record is one empty field";
  EXPECT_EQ(split(","), (fields{"", ""}));
  EXPECT_EQ(split(" a , b "), (fields{" a ", " b "})) << "spaces are data";
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  EXPECT_EQ(split(R"("a,b",c)"), (fields{"a,b", "c"}));
  EXPECT_EQ(split(R"("say ""hi""",x)"), (fields{R"(say "hi")", "x"})) << "a doubled quote is one quote";
  EXPECT_EQ(split(R"("""")"), (fields{"\""}));
  EXPECT_EQ(split(R"("",x,"")"), (fields{"", "x", ""})) << "an empty quoted field";
  EXPECT_EQ(split("\"two\nlines\",\"crlf\r\nkept\""), (fields{"two\nlines", "crlf\r\nkept"}));
  // Several unescaped fields at once: their views stay valid together.
  EXPECT_EQ(split(R"("a""b","c""d",e,"f""")"), (fields{"a\"b", "c\"d", "e", "f\""}));
  std::vector<std::string_view> out;
  std::string unescaped;
  EXPECT_TRUE(split_csv_record(R"(a,"b")", out, unescaped).quoted);
  EXPECT_FALSE(split_csv_record("a,b", out, unescaped).quoted);
}

TEST(Csv, MalformedQuotesAreErrorsNamingTheirField) {
  EXPECT_EQ(split(R"(a,"open)"), (fields{"error 2: an unterminated quote"}));
  EXPECT_EQ(split(R"(a,"x"")"), (fields{"error 2: an unterminated quote"})) << "the last quote is escaped";
  EXPECT_EQ(split(R"(a,"x""")"), (fields{"a", "x\""})) << "an escaped quote, then the closing one";
  EXPECT_EQ(split(R"("ab"c,d)"), (fields{"error 1: text after a closing quote"}));
  const std::string in_field = "error 3: " + std::string(csv_error_text(csv_error::quote_in_unquoted_field));
  EXPECT_EQ(split(R"(a,b,c"d)"), (fields{in_field})) << "a quote inside an unquoted field";
  EXPECT_EQ(split(R"("q",b,c""d)"), (fields{in_field})) << "even when the record has quoted fields";
}

TEST(Csv, LineEndsAndQuoteParity) {
  EXPECT_EQ(csv_record_without_cr("a,b\r"), "a,b");
  EXPECT_EQ(csv_record_without_cr("a,b"), "a,b");
  EXPECT_EQ(csv_record_without_cr(""), "");
  EXPECT_TRUE(odd_csv_quotes(R"(a,"b)"));
  EXPECT_FALSE(odd_csv_quotes(R"(a,"b""c")"));
  EXPECT_FALSE(odd_csv_quotes("no quotes"));
}

/// trafficsim-score's output for detections `csv` against the answer key in t / "truth".
process_result score(const temp_dir& t, const std::string& csv) {
  write_file(t / "events.csv", csv);
  child c = spawn({(host_exe().parent_path() / "trafficsim-score").string(), "detections", "--truth",
                   (t / "truth").string(), (t / "events.csv").string()});
  return wait_for(c);
}

/// The first label of the key as (customer, kind, start, end).
std::vector<std::string> first_label(const temp_dir& t) {
  const std::string labels = read_file(t / "truth" / "labels.jsonl");
  auto field = [&](const std::string& key) {
    const std::size_t at = labels.find("\"" + key + "\":\"") + key.size() + 4;
    return labels.substr(at, labels.find('"', at) - at);
  };
  return {field("customer_id"), field("kind"), field("start"), field("end")};
}

// The scorer: quoted fields, a quoted line break and CR LF ends read by the rule; a quote
// inside an unquoted field refused with its line and field.
TEST(CsvReaders, TheScorerReadsDetectionsByTheRule) {
  temp_dir t;
  run_host_to(t, "d.csv", {"--days", "3", "--plugins", "burst", "--truth", (t / "truth").string()});
  const std::vector<std::string> l = first_label(t);
  const std::string header = "customer_id,kind,note,start,end\r\n";
  const process_result r = score(
      t, header + "\"" + l[0] + "\"," + l[1] + ",\"two\r\nlines, \"\"quoted\"\"\"," + l[2] + ",\"" + l[3] + "\"\r\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream all(r.out.substr(r.out.find("\nall ") + 1));
  const std::vector<std::string> f{std::istream_iterator<std::string>(all), std::istream_iterator<std::string>()};
  ASSERT_GE(f.size(), 4u) << r.out;
  EXPECT_EQ(f[2] + " " + f[3], "1 1") << "the one detection read and matched: " << r.out;

  const process_result bad = score(t, header + l[0] + "," + l[1] + ",\"a\"b," + l[2] + "," + l[3] + "\n");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("events.csv:2: field 3: text after a closing quote"), std::string::npos) << bad.err;
  const process_result inside = score(t, header + l[0] + "," + l[1] + ",a\"\"b," + l[2] + "," + l[3] + "\n");
  EXPECT_EQ(inside.exit_code, 2) << inside.err;
  EXPECT_NE(inside.err.find("events.csv:2: field 3: a quote inside an unquoted field"), std::string::npos)
      << inside.err;
  // One quote: the record reads on as a quoted line break would, to the end of the file.
  const process_result odd = score(t, header + l[0] + "," + l[1] + ",a\"b," + l[2] + "," + l[3] + "\n");
  EXPECT_EQ(odd.exit_code, 2) << odd.err;
  EXPECT_NE(odd.err.find("events.csv:2: a quoted field is not closed"), std::string::npos) << odd.err;
}

// The dataset reader: a quoted field is its text (the same page as unquoted); a quote
// inside an unquoted field is refused with its line and column.
TEST(CsvReaders, TheDatasetReaderReadsRowsByTheRule) {
  temp_dir t;
  std::filesystem::create_directories(t / "plain");
  std::filesystem::create_directories(t / "quoted");
  const std::string data = run_host_to(t, "plain/d.csv", {"--days", "1", "--scale", "0.05"});
  const std::size_t first = data.find('\n') + 1, comma = data.find(',', first);
  std::string quoted = data;  // the first row's timestamp and call_id quoted
  quoted.insert(comma + 1, 1, '"');
  quoted.insert(quoted.find(',', comma + 1), 1, '"');
  quoted.insert(first + 19, 1, '"');
  quoted.insert(first, 1, '"');
  write_file(t / "quoted/d.csv", quoted);
  for (const char* dir : {"plain", "quoted"}) {
    const process_result r = run_host({"report", "d.csv", "-o", "d.html", "-q"}, {.cwd = t / dir});
    ASSERT_EQ(r.exit_code, 0) << dir << ": " << r.err;
  }
  EXPECT_TRUE(read_file(t / "quoted/d.html") == read_file(t / "plain/d.html")) << "the same rows, the same page";

  std::string inside = data;
  inside.insert(data.find(',', first) + 3, 2, '"');  // two quotes inside the call_id: no line joined
  write_file(t / "inside.csv", inside);
  const process_result bad = run_host({"report", (t / "inside.csv").string(), "-o", (t / "x.html").string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("inside.csv:2: column 2: a quote inside an unquoted field"), std::string::npos) << bad.err;
}

// The append merger: an existing row split by the rule; a quoted field (trafficsim writes
// none) or a malformed quote refused, the file untouched.
TEST(CsvReaders, TheAppendMergerSplitsExistingRowsByTheRule) {
  temp_dir t;
  const std::string data = run_host_to(t, "d.csv", {"--days", "1", "--scale", "0.05", "--plugins", "base"});
  const std::size_t first = data.find('\n') + 1;
  std::string open = data, quoted = data;  // the first row's timestamp opened, or quoted
  open.insert(first, 1, '"');
  quoted.insert(first + 19, 1, '"');
  quoted.insert(first, 1, '"');
  for (const auto& [changed, says] : std::vector<std::pair<std::string, std::string>>{
           {open, "its field 1: an unterminated quote"},
           {quoted, "it has a quoted field; trafficsim's rows quote none"}}) {
    write_file(t / "e.csv", changed);
    const process_result r = run_host(
        {"--days", "1", "--scale", "0.05", "--plugins", "burst", "--append", "-q", "-o", (t / "e.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << says << ": " << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_TRUE(read_file(t / "e.csv") == changed) << "the file is untouched";
  }
}

}  // namespace
