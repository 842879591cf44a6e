// The times a log's rows carry, as a fit reads them (row_view::micros): ISO 8601 with any
// fraction and a zone, and numbers since 1970 in seconds to nanoseconds, told from the
// first row or named; bad times name the line and column.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataset_reader.hpp"
#include "errors.hpp"

namespace {

using namespace trafficsim::host;

/// The column "t" of each row of `rows` (CSV lines under the header "t,x") in `format`.
std::vector<std::int64_t> times(const std::string& rows, time_format format) {
  std::vector<std::int64_t> out;
  const std::vector<column_request> columns{{"t", {}}};
  read_text_rows("t,x\n", rows, columns, [&](const row_view& r) { out.push_back(r.micros(0, format)); });
  return out;
}

// 2025-03-01T09:15:00Z as seconds since 1970.
constexpr std::int64_t base_s = 1'740'820'500;

TEST(DatasetTime, IsoWithFractionsAndZones) {
  const std::vector<std::int64_t> t = times(
      "2025-03-01T09:15:00,1\n"
      "2025-03-01 09:15:00.123,1\n"
      "2025-03-01T09:15:00.6805900,1\n"  // Azure's trace: seven decimals, a space
      "2025-03-01T09:15:00.123456789Z,1\n"
      "2025-03-01T11:15:00+02:00,1\n"
      "2025-03-01T04:15:00.5-0500,1\n"
      "2025-03-01 09:15:00.123+00,1\n",  // PostgreSQL's timestamptz, as SpendLogs exports
      time_format::automatic);
  const std::int64_t us = base_s * 1'000'000;
  EXPECT_EQ(t,
            (std::vector<std::int64_t>{us, us + 123'000, us + 680'590, us + 123'456, us, us + 500'000, us + 123'000}));
}

TEST(DatasetTime, NumbersSince1970InEachUnit) {
  const std::int64_t us = base_s * 1'000'000;
  // Told from the first row's size, then kept for the file.
  EXPECT_EQ(times("1740820500,1\n1740820500.25,1\n", time_format::automatic),
            (std::vector<std::int64_t>{us, us + 250'000}));
  EXPECT_EQ(times("1740820500123,1\n1740820500000.5,1\n", time_format::automatic),
            (std::vector<std::int64_t>{us + 123'000, us + 500}));
  EXPECT_EQ(times("1740820500123456,1\n", time_format::automatic), (std::vector<std::int64_t>{us + 123'456}));
  EXPECT_EQ(times("1740820500123456789,1\n", time_format::automatic), (std::vector<std::int64_t>{us + 123'456}));
  // Named: a trace's milliseconds from its start (Mooncake's timestamp) are not seconds.
  EXPECT_EQ(times("0,1\n27,1\n3600000,1\n", time_format::milliseconds),
            (std::vector<std::int64_t>{0, 27'000, 3'600'000'000}));
  EXPECT_EQ(times("0,1\n27,1\n", time_format::automatic), (std::vector<std::int64_t>{0, 27'000'000}));
  EXPECT_EQ(times("-1.5,1\n", time_format::seconds), (std::vector<std::int64_t>{-1'500'000}));
}

TEST(DatasetTime, BadTimesNameLineAndColumn) {
  const std::vector<std::pair<std::string, time_format>> bad{
      {"2025-03-01T09:15:00,1\n2025-03-01 9:15,1\n", time_format::automatic},
      {"2025-03-01T09:15:00,1\n2025-03-01T09:15:00+2,1\n", time_format::automatic},
      {"2025-03-01T09:15:00,1\n2025-03-01T09:15:00 PST,1\n", time_format::automatic},
      {"1740820500,1\n17408e5,1\n", time_format::automatic},
      {"1740820500,1\n2025-03-01T09:15:00,1\n", time_format::automatic},  // numbers, then a date
      {"0,1\n99999999999999999,1\n", time_format::seconds},               // past any calendar
  };
  for (const auto& [rows, format] : bad) {
    try {
      times(rows, format);
      ADD_FAILURE() << rows << " was read";
    } catch (const bad_data& e) {
      EXPECT_NE(std::string(e.what()).find("the rows:3: column t: '"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_time_format("ms"), time_format::milliseconds);
  EXPECT_FALSE(parse_time_format("epoch"));
}

}  // namespace
