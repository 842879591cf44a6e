// trafficsim-check-python SCRIPT.py [NAME=VALUE...]: the SDK's test kit
// (<trafficsim/testkit.hpp>) run on a Python scenario, as on a C or C++ plugin: the
// script is loaded through the bridge the host uses (trafficsim-python.so, beside the
// host's plugins), then checked against the contract the host relies on (valid plans,
// the same plan twice, the same from 4 threads as from one; placements inside the hour)
// and for composition. Prints every problem; exit 0 if none, 1 if any, 2 if the script
// does not load. No Python test framework needed.

#include <dlfcn.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <trafficsim/testkit.hpp>

#ifndef TRAFFICSIM_PLUGIN_RELDIR
#define TRAFFICSIM_PLUGIN_RELDIR "../lib/trafficsim/plugins"
#endif

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: trafficsim-check-python SCRIPT.py\n"
                 "checks a Python scenario against the plugin contract with the SDK's test kit\n";
    return 2;
  }
  const fs::path script = argv[1];
  std::ifstream in(script, std::ios::binary);
  if (!in) {
    std::cerr << "trafficsim-check-python: cannot read " << script.string() << "\n";
    return 2;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::string source = text.str(), name = script.stem().string(), path = script.string();

  const fs::path bridge =
      fs::canonical("/proc/self/exe").parent_path() / TRAFFICSIM_PLUGIN_RELDIR / "trafficsim-python.so";
  void* handle = ::dlopen(bridge.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::cerr << "trafficsim-check-python: cannot load the Python bridge: " << ::dlerror() << "\n";
    return 2;
  }
  auto entry = reinterpret_cast<trafficsim_script_entry_fn>(::dlsym(handle, TRAFFICSIM_SCRIPT_ENTRY_NAME));
  char why[2048] = "";
  trafficsim_message error{why, sizeof why};
  const trafficsim_plugin_descriptor* d =
      entry == nullptr
          ? nullptr
          : entry({name.data(), name.size()}, {path.data(), path.size()}, {source.data(), source.size()}, &error);
  if (d == nullptr) {
    std::cerr << "trafficsim-check-python: cannot load " << path << ": " << why << "\n";
    return 2;
  }
  const trafficsim::testkit::plugin_module m(d);
  int problems = 0;
  for (const std::string& p : trafficsim::testkit::check_contract(m))
    std::cout << "contract: " << p << "\n", ++problems;
  for (const std::string& p : trafficsim::testkit::check_composable(m))
    std::cout << "composition: " << p << "\n", ++problems;
  std::cout << name << ": " << (problems == 0 ? "no problems found" : std::to_string(problems) + " problem(s)") << "\n";
  return problems == 0 ? 0 : 1;
}
