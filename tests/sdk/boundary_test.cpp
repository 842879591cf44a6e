// The C boundary that TRAFFICSIM_PLUGIN generates, called in-process through its C
// function pointers exactly as the host calls it: the descriptor's fields, parameters in,
// plans out, and every exception turned into a status and a message.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/sdk.hpp>
#include <trafficsim/testkit.hpp>

namespace {

using namespace trafficsim;

class probe final : public scenario {
 public:
  explicit probe(double factor, std::int64_t mode) : factor_(factor), mode_(mode) {}
  void plan_day(const customer& c, const day_info& day, const plan_streams& rng, day_plan& plan) const override {
    if (mode_ == 1) throw std::runtime_error("plan failed for a reason");
    if (mode_ == 2) throw 3.5;
    if (mode_ == 3) throw std::runtime_error(std::string(5000, 'x'));
    plan.expected_calls = factor_ * c.calls_per_day + day.index + rng.day.unit(0);
    plan.min_calls = c.index;
    plan.set_hours(9, 17, 2.0);
    plan.churned = day.weekend();
    if (mode_ == 5) {
      plan.label("burst", 9, 17, {{"multiplier", factor_}, {"day", day.index}});
      plan.label("churn", 0, 24);
    }
    if (mode_ == 6) plan.label("Burst", 9, 17);
    if (mode_ == 7) plan.label("burst", 17, 9);
  }
  void place_calls(const customer&, const day_info&, unsigned hour, const random_stream&,
                   std::span<std::uint32_t> offsets_us) const override {
    if (mode_ == 4) throw std::logic_error("no room");
    for (auto& o : offsets_us) o = hour;
  }

 private:
  double factor_;
  std::int64_t mode_;
};

std::unique_ptr<scenario> make_probe(const parameters& p) {
  if (p.real("factor") > 5) throw parameter_error("factor above 5 with this mode");
  return std::make_unique<probe>(p.real("factor"), p.integer("mode"));
}

constexpr parameter_spec probe_parameters[] = {
    real_parameter("factor", 1.5, 0.0, 10.0, "Multiplier"),
    integer_parameter("mode", 0, 0, 7,
                      "0 ok, 1 throws, 2 throws a double, 3 long message, 4 placement throws, 5 labels, 6 a bad "
                      "kind, 7 bad hours"),
};

constexpr plugin_info probe_info{
    .name = "probe",
    .version = "0.1.0",
    .description = "Test: every path of the boundary",
    .default_customers = 4,
    .default_seed = 11,
    .parameters = probe_parameters,
    .create = &make_probe,
};

const trafficsim_plugin_descriptor& probe_descriptor() { return *detail::descriptor<probe_info>(); }

std::string text(trafficsim_string s) { return std::string(to_string_view(s)); }

TEST(Boundary, TheDescriptorDescribesThePlugin) {
  const trafficsim_plugin_descriptor& d = probe_descriptor();
  EXPECT_EQ(d.struct_size, sizeof(trafficsim_plugin_descriptor));
  EXPECT_EQ(d.abi_version, 2u);
  EXPECT_EQ(text(d.sdk_version), "2.4.0");
  EXPECT_EQ(text(d.name), "probe");
  EXPECT_EQ(text(d.version), "0.1.0");
  EXPECT_EQ(d.default_customers, 4u);
  EXPECT_EQ(d.default_seed, 11u);
  ASSERT_EQ(d.parameter_count, 2u);
  EXPECT_EQ(text(d.parameters[1].name), "mode");
  EXPECT_EQ(d.parameters[1].type, TRAFFICSIM_INTEGER);
  EXPECT_EQ(d.parameters[0].default_value, 1.5);
  EXPECT_NE(d.place_calls, nullptr);
}

TEST(Boundary, PlansCrossAsTheScenarioMadeThem) {
  testkit::plugin_module m(&probe_descriptor());
  const auto s = m.create({{"factor", 2.0}}, 5);
  const customer c = s.customer_at(3);
  const day_info saturday = detail::make_day_info({2025, 1, 4}, 0, 7);
  const day_plan p = s.plan_day(c, saturday);
  const random_stream day_stream = detail::make_plan_streams(s.key(), 3, 0).day;
  EXPECT_EQ(p.expected_calls, 2.0 * c.calls_per_day + 0 + day_stream.unit(0));
  EXPECT_EQ(p.min_calls, 3u);
  EXPECT_EQ(p.hour_weight[9], 2.0);
  EXPECT_EQ(p.hour_weight[8], 0.0);
  EXPECT_TRUE(p.churned);
  EXPECT_EQ(s.place_calls(c, saturday, 13, 3), (std::vector<std::uint32_t>{13, 13, 13}));
}

TEST(Boundary, LabelsCrossAsTheScenarioMadeThem) {
  testkit::plugin_module m(&probe_descriptor());
  const auto s = m.create({{"factor", 2.5}, {"mode", 5}}, 5);
  const day_plan p = s.plan_day(s.customer_at(1), detail::make_day_info({2025, 1, 6}, 3, 7));
  ASSERT_EQ(p.label_count, 2u);
  EXPECT_EQ(p.labels[0].kind_view(), "burst");
  EXPECT_EQ(p.labels[0].first_hour, 9u);
  EXPECT_EQ(p.labels[0].end_hour, 17u);
  ASSERT_EQ(p.labels[0].attribute_count, 2u);
  EXPECT_EQ(p.labels[0].attributes[0].name_view(), "multiplier");
  EXPECT_EQ(p.labels[0].attributes[0].value, 2.5);
  EXPECT_EQ(p.labels[0].attributes[1].name_view(), "day");
  EXPECT_EQ(p.labels[0].attributes[1].value, 3.0);
  EXPECT_EQ(p.labels[1].kind_view(), "churn");
  EXPECT_EQ(p.labels[1].attribute_count, 0u);
}

TEST(Boundary, AHostOfSdk20GetsNoLabelsAndNothingWrittenPastItsStruct) {
  // A 2.0 host's plan struct ends before label_count: the plugin must not write there.
  const trafficsim_plugin_descriptor& d = probe_descriptor();
  testkit::plugin_module m(&d);
  const auto s = m.create({{"mode", 5}}, 5);
  ASSERT_EQ(s.plan_day(s.customer_at(0), detail::make_day_info({2025, 1, 6}, 0, 7)).label_count, 2u)
      << "a 2.1 host gets the labels";
  const trafficsim_plan_request r =
      detail::plan_request(s.key(), s.customer_at(0), detail::make_day_info({2025, 1, 6}, 0, 7));
  trafficsim_day_plan plan;
  std::memset(&plan, 0xAB, sizeof plan);
  std::memset(&plan, 0, offsetof(trafficsim_day_plan, label_count));
  plan.struct_size = offsetof(trafficsim_day_plan, label_count);
  char buffer[256];
  trafficsim_message msg{buffer, sizeof buffer};
  const trafficsim_parameter_value values[] = {{{"factor", 6}, 1.5}, {{"mode", 4}, 5}};
  const trafficsim_create_request create{sizeof(trafficsim_create_request), 5, 11, values, 2, nullptr, 0};
  void* state = nullptr;
  ASSERT_EQ(d.create(&create, &state, &msg), TRAFFICSIM_OK) << buffer;
  ASSERT_EQ(d.plan_day(state, &r, &plan, &msg), TRAFFICSIM_OK);
  const auto* tail = reinterpret_cast<const unsigned char*>(&plan) + offsetof(trafficsim_day_plan, label_count);
  for (std::size_t i = 0; i < sizeof plan - offsetof(trafficsim_day_plan, label_count); ++i)
    ASSERT_EQ(tail[i], 0xAB) << "byte " << i << " past a 2.0 plan was written";
  EXPECT_GT(plan.expected_calls, 0.0);
  d.destroy(state);
}

TEST(Boundary, BadLabelsAreRefusedWithTheReason) {
  testkit::plugin_module m(&probe_descriptor());
  const customer c = m.create({}, 5).customer_at(0);
  const day_info day = detail::make_day_info({2025, 1, 6}, 0, 7);
  try {
    (void)m.create({{"mode", 6}}, 5).plan_day(c, day);
    ADD_FAILURE() << "a bad kind passed";
  } catch (const testkit::plugin_error& e) {
    EXPECT_NE(std::string(e.what()).find("'Burst' breaks the name rule"), std::string::npos) << e.what();
  }
  try {
    (void)m.create({{"mode", 7}}, 5).plan_day(c, day);
    ADD_FAILURE() << "bad hours passed";
  } catch (const testkit::plugin_error& e) {
    EXPECT_NE(std::string(e.what()).find("hours 17-9"), std::string::npos) << e.what();
  }
  // What a plugin written in C could send, checked by the host and the test kit alike.
  trafficsim_day_plan raw{};
  raw.struct_size = sizeof raw;
  EXPECT_EQ(detail::check_labels(raw), "");
  raw.label_count = 5;
  EXPECT_NE(detail::check_labels(raw).find("at most 4"), std::string::npos);
  raw.label_count = 1;
  std::memcpy(raw.labels[0].kind, "spike", 6);
  raw.labels[0].first_hour = 3;
  raw.labels[0].end_hour = 4;
  EXPECT_EQ(detail::check_labels(raw), "");
  std::memset(raw.labels[0].kind, 'x', sizeof raw.labels[0].kind);  // no NUL
  EXPECT_NE(detail::check_labels(raw).find("name rule"), std::string::npos);
  std::memcpy(raw.labels[0].kind, "spike", 6);
  raw.labels[0].end_hour = 25;
  EXPECT_NE(detail::check_labels(raw).find("hours 3-25"), std::string::npos);
  raw.labels[0].end_hour = 4;
  raw.labels[0].attribute_count = 1;
  std::memcpy(raw.labels[0].attributes[0].name, "size", 5);
  raw.labels[0].attributes[0].value = std::numeric_limits<double>::infinity();
  EXPECT_NE(detail::check_labels(raw).find("not finite"), std::string::npos);
}

TEST(Boundary, ParameterErrorsAreInvalidParameters) {
  testkit::plugin_module m(&probe_descriptor());
  try {
    m.create({{"factor", 7.0}});
    FAIL() << "created";
  } catch (const parameter_error& e) {
    EXPECT_STREQ(e.what(), "factor above 5 with this mode");
  }
}

int plan_status(std::int64_t mode, std::string& message, std::uint64_t capacity = 1024) {
  const trafficsim_plugin_descriptor& d = probe_descriptor();
  void* state = nullptr;
  trafficsim_parameter_value values[] = {{to_c("factor"), 1.0}, {to_c("mode"), static_cast<double>(mode)}};
  const trafficsim_create_request cr{sizeof cr, 2, 1, values, 2, nullptr, 0};
  std::vector<char> buffer(capacity + 1, '#');
  trafficsim_message msg{buffer.data(), capacity};
  EXPECT_EQ(d.create(&cr, &state, &msg), TRAFFICSIM_OK);
  trafficsim_plan_request r{};
  r.struct_size = sizeof r;
  trafficsim_day_plan plan{};
  const int status = d.plan_day(state, &r, &plan, &msg);
  d.destroy(state);
  EXPECT_EQ(buffer[capacity], '#') << "wrote past the capacity";
  message.assign(buffer.data(), ::strnlen(buffer.data(), capacity));
  return status;
}

TEST(Boundary, ExceptionsBecomeAStatusAndAMessage) {
  std::string msg;
  EXPECT_EQ(plan_status(1, msg), TRAFFICSIM_FAILED);
  EXPECT_EQ(msg, "plan failed for a reason");
  EXPECT_EQ(plan_status(2, msg), TRAFFICSIM_FAILED);
  EXPECT_EQ(msg, "an exception that is not a std::exception");
  EXPECT_EQ(plan_status(0, msg), TRAFFICSIM_OK);
  EXPECT_EQ(msg.find_first_not_of('#'), std::string::npos) << "a success writes no message";
}

TEST(Boundary, LongMessagesAreCutToTheHostsBuffer) {
  std::string msg;
  EXPECT_EQ(plan_status(3, msg, 100), TRAFFICSIM_FAILED);
  EXPECT_EQ(msg, std::string(99, 'x'));
}

TEST(Boundary, PlacementFailuresTooAndTheDefaultIsUniform) {
  testkit::plugin_module m(&probe_descriptor());
  const auto s = m.create({{"mode", 4.0}});
  EXPECT_THROW(s.place_calls(s.customer_at(0), detail::make_day_info({2025, 1, 1}, 0, 1), 3, 5), testkit::plugin_error);
  // A scenario that does not override place_calls places uniformly, as the host would.
  const scenario* plain = nullptr;
  struct flat final : scenario {
    void plan_day(const customer&, const day_info&, const plan_streams&, day_plan&) const override {}
  } f;
  plain = &f;
  const random_stream rng{{1, 2}, {3, 4, 5, 0}};
  std::vector<std::uint32_t> a(10), b(10);
  plain->place_calls({}, {}, 0, rng, a);
  place_uniformly(rng, b.data(), b.size());
  EXPECT_EQ(a, b);
}

TEST(Boundary, DaysCrossUnchanged) {
  const day_info d = detail::make_day_info({2024, 2, 28}, 3, 10);
  const day_info back = day_info::from_c(d.to_c());
  EXPECT_EQ(back.index, 3u);
  EXPECT_EQ(back.days, 10u);
  EXPECT_EQ(back.epoch_day, d.epoch_day);
  EXPECT_EQ(back.date, (civil_date{2024, 3, 2}));
  EXPECT_EQ(back.day_of_week, weekday::saturday);
}

}  // namespace
