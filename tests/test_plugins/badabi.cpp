// Test plugin: declares a future ABI version. The host must refuse it from the first two
// fields of the descriptor alone, without reading or calling anything else.
#include <trafficsim/plugin.h>

extern "C" TRAFFICSIM_EXPORT const trafficsim_plugin_descriptor* trafficsim_plugin_entry(void) {
  static const trafficsim_plugin_descriptor d{sizeof(trafficsim_plugin_descriptor),
                                              999,
                                              {"999.0.0", 7},
                                              {},
                                              {},
                                              {},
                                              0,
                                              0,
                                              0,
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              nullptr,
                                              0,
                                              nullptr};
  return &d;
}
