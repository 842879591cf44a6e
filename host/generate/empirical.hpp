#pragma once
// The empirical scenario (plugins/empirical/empirical.cpp): written against the SDK like
// every plugin, built into the host, run as `--empirical NAME` (or a profile's
// [profile.NAME] table) with the parameters `trafficsim-host fit` estimated.

#include <trafficsim/plugin.h>

namespace trafficsim::host {

/// The empirical scenario's descriptor, in this process.
const trafficsim_plugin_descriptor* empirical_descriptor();

}  // namespace trafficsim::host
