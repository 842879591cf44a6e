#pragma once
// A configured scenario on the host's side of the C boundary: created through the
// plugin's create function, called through plan_day and place_calls, destroyed through
// destroy. A plugin's failure arrives as a status and a message, never an exception.

#include <trafficsim/plugin.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "plugin_library.hpp"

namespace trafficsim::host {

/// A plugin's resolved configuration: every declared parameter, customers and seed.
struct plugin_parameters {
  std::uint32_t customers = 1;
  std::uint64_t seed = 0;
  std::vector<std::pair<std::string, double>> values;
  /// Typed parameters (SDK 2.4): a boolean's 0 or 1, a choice's index, an array's numbers.
  std::vector<std::pair<std::string, std::vector<double>>> typed_values;
};

/// A buffer a plugin writes its failure into.
struct plugin_message {
  char text[512];
  trafficsim_message c{text, sizeof text};
  plugin_message() noexcept { text[0] = '\0'; }
  /// The text, with control characters shown as '?' (a plugin's text goes to a terminal).
  std::string str() const;
};

class scenario_handle {
 public:
  scenario_handle() = default;
  /// Creates the scenario of `lib` with `params`. Throws usage_error if the plugin refuses
  /// the values, runtime_failure if create fails otherwise; both name the plugin.
  scenario_handle(const plugin_library& lib, const plugin_parameters& params);
  /// Takes a scenario made in this process behind descriptor `d` (a composite): `state`
  /// is destroyed through d->destroy.
  static scenario_handle adopt(const trafficsim_plugin_descriptor* d, void* state) noexcept {
    scenario_handle h;
    h.d_ = d;
    h.state_ = state;
    return h;
  }
  scenario_handle(scenario_handle&& o) noexcept
      : d_(std::exchange(o.d_, nullptr)), state_(std::exchange(o.state_, nullptr)) {}
  scenario_handle& operator=(scenario_handle&& o) noexcept {
    if (this != &o) {
      reset();
      d_ = std::exchange(o.d_, nullptr);
      state_ = std::exchange(o.state_, nullptr);
    }
    return *this;
  }
  scenario_handle(const scenario_handle&) = delete;
  scenario_handle& operator=(const scenario_handle&) = delete;
  ~scenario_handle() { reset(); }

  /// plan_day across the boundary: TRAFFICSIM_OK or the plugin's status, with `m` filled.
  int plan_day(const trafficsim_plan_request& r, trafficsim_day_plan& plan, plugin_message& m) const noexcept {
    return d_->plan_day(state_, &r, &plan, &m.c);
  }
  /// True if the plugin places calls itself (else the host places them uniformly).
  bool places_calls() const noexcept { return d_->place_calls != nullptr; }
  int place_calls(const trafficsim_place_request& r, std::uint32_t* offsets, std::uint64_t n,
                  plugin_message& m) const noexcept {
    return d_->place_calls(state_, &r, offsets, n, &m.c);
  }

 private:
  void reset() noexcept {
    if (state_ != nullptr) d_->destroy(state_);
    state_ = nullptr;
  }
  const trafficsim_plugin_descriptor* d_ = nullptr;
  void* state_ = nullptr;
};

}  // namespace trafficsim::host
