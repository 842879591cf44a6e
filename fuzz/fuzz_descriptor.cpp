// Fuzzes the host's reading of a plugin descriptor: every field from the input, strings
// and the parameter tables pointing into it (or null, with any size), as a plugin could
// return them. Only runtime_failure may come out.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "errors.hpp"
#include "plugin_library.hpp"

namespace {
class input {
 public:
  input(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  template <class T>
  T take() {
    T v{};
    const std::size_t k = std::min(sizeof v, n_ - pos_);
    std::memcpy(&v, d_ + pos_, k);
    pos_ += k;
    return v;
  }
  /// A string into the input: a size, and bytes of the rest (or null, keeping the size).
  trafficsim_string text() {
    const auto size = take<std::uint16_t>();
    if (size % 7 == 3) return {nullptr, size};
    const std::size_t k = std::min<std::size_t>(size % 96, n_ - pos_);
    trafficsim_string s{reinterpret_cast<const char*>(d_ + pos_), k};
    pos_ += k;
    return s;
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_, pos_ = 0;
};

int create(const trafficsim_create_request*, void**, trafficsim_message*) { return TRAFFICSIM_FAILED; }
void destroy(void*) {}
int plan(const void*, const trafficsim_plan_request*, trafficsim_day_plan*, trafficsim_message*) {
  return TRAFFICSIM_FAILED;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  trafficsim_plugin_descriptor d{};
  d.struct_size = in.take<std::uint8_t>() % 2 == 0 ? sizeof d : in.take<std::uint32_t>() % (sizeof d + 8);
  d.abi_version = in.take<std::uint8_t>() % 4;
  d.sdk_version = in.text();
  d.name = in.text();
  d.version = in.text();
  d.description = in.text();
  d.default_customers = in.take<std::uint8_t>();
  d.default_seed = in.take<std::uint64_t>();
  const auto functions = in.take<std::uint8_t>();
  d.create = (functions & 1) ? &create : nullptr;
  d.destroy = (functions & 2) ? &destroy : nullptr;
  d.plan_day = (functions & 4) ? &plan : nullptr;
  std::vector<trafficsim_parameter_spec> specs(in.take<std::uint8_t>() % 8);
  for (auto& p : specs) {
    p.name = in.text();
    p.type = in.take<std::uint8_t>() % 3;
    p.default_value = in.take<double>();
    p.min_value = in.take<double>();
    p.max_value = in.take<double>();
    p.description = in.text();
  }
  d.parameter_count = static_cast<std::uint32_t>(specs.size());
  if (in.take<std::uint8_t>() % 5 == 0) d.parameter_count += in.take<std::uint16_t>();  // a count with no table
  d.parameters = specs.empty() || d.parameter_count > specs.size() ? nullptr : specs.data();
  // Typed parameters (SDK 2.4): any type, lengths, defaults and choices (the tables as
  // long as their counts say: a plugin's pointers cannot be checked).
  std::vector<trafficsim_typed_parameter_spec> typed(in.take<std::uint8_t>() % 4);
  std::vector<std::vector<double>> defaults(typed.size());
  std::vector<std::vector<trafficsim_string>> choices(typed.size());
  for (std::size_t i = 0; i < typed.size(); ++i) {
    auto& p = typed[i];
    p.name = in.text();
    p.type = in.take<std::uint8_t>() % 6;
    p.min_length = in.take<std::uint8_t>();
    p.max_length = in.take<std::uint16_t>();
    p.min_value = in.take<double>();
    p.max_value = in.take<double>();
    defaults[i].resize(in.take<std::uint8_t>() % 5);
    for (double& v : defaults[i]) v = in.take<double>();
    p.default_values = defaults[i].empty() && in.take<std::uint8_t>() % 2 == 0 ? nullptr : defaults[i].data();
    p.default_count = defaults[i].size();
    choices[i].resize(in.take<std::uint8_t>() % 4);
    for (trafficsim_string& c : choices[i]) c = in.text();
    p.choices = choices[i].empty() ? nullptr : choices[i].data();
    p.choice_count = choices[i].size();
    p.description = in.text();
  }
  d.typed_parameter_count = typed.size();
  d.typed_parameters = typed.empty() && in.take<std::uint8_t>() % 2 == 0 ? nullptr : typed.data();
  try {
    (void)trafficsim::host::read_descriptor(&d, "fuzz");
  } catch (const trafficsim::host::runtime_failure&) {
  }
  return 0;
}
