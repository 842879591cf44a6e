// Test plugin: declares a future ABI version. The host must refuse it from the
// descriptor alone, without calling anything else.
#include <trafficsim/plugin.hpp>

extern "C" __attribute__((visibility("default"))) const trafficsim_plugin_descriptor*
trafficsim_plugin_entry() noexcept {
  static const trafficsim_plugin_descriptor d{sizeof(trafficsim_plugin_descriptor), 999, "999.0.0", nullptr};
  return &d;
}
