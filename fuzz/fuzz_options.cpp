// Fuzzes the command line: the input is the arguments, separated by NUL bytes. Every
// outcome but a usage_error or a configuration is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "errors.hpp"
#include "options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"trafficsim-host"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  args.push_back(current);
  for (const std::string& a : args)
    if (a == "--help" || a == "-h" || a == "--version" || a.starts_with("--config")) return 0;  // print, or read files
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  try {
    (void)trafficsim::host::parse_options(static_cast<int>(argv.size()), argv.data(), "fuzz");
  } catch (const trafficsim::host::usage_error&) {
  }
  return 0;
}
