// Test plugin: create throws something that is not a std::exception (an int), or a
// message with terminal control characters; plan_day throws an int for customer 1. The generated boundary code
// must turn both into a status and a message.
#include <memory>
#include <stdexcept>
#include <trafficsim/sdk.hpp>

namespace {
using namespace trafficsim;
class oddthrow final : public scenario {
 public:
  void plan_day(const customer& c, const day_info&, const plan_streams&, day_plan&) const override {
    if (c.index == 1) throw 42;
  }
};
std::unique_ptr<scenario> create(const parameters& p) {
  if (p.integer("create_throws") == 1) throw 7;
  if (p.integer("create_throws") == 2) throw std::runtime_error("bad\x1b[2Jtext\nnext");
  return std::make_unique<oddthrow>();
}
constexpr parameter_spec params[] = {
    integer_parameter("create_throws", 1, 0, 2, "1: create throws an int; 2: a message with control characters"),
};
constexpr plugin_info info{
    .name = "oddthrow",
    .version = "0.0.1",
    .description = "Test: throws ints from create and plan_day",
    .default_customers = 3,
    .default_seed = 1,
    .parameters = params,
    .create = &create,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
