#pragma once
// The HTML report of a dataset (--report FILE.html, `trafficsim-host report DATA`): one
// self-contained page — inline SVG and CSS, no script, no font, no request — whose size
// does not grow with the rows. See docs/report.md.

#include <filesystem>
#include <string>

#include "traffic_profile.hpp"

namespace trafficsim::host {

/// The page of a finished profile. Only what the rows say is shown, so the report of a
/// run and the report of its file read back are the same bytes.
std::string render_html_report(const traffic_profile& p);

/// Writes render_html_report(p) to `path` atomically; runtime_failure if it cannot.
void write_html_report(const std::filesystem::path& path, const traffic_profile& p);

}  // namespace trafficsim::host
