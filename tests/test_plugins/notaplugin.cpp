// Test library: a shared library with a plugin's file name but no entry point. Its
// static initialiser leaves a marker file (named by TRAFFICSIM_TEST_INIT_MARKER), so a
// test can tell whether the host ran any of its code: it must not, the file being
// refused from its symbol table before it is loaded.
#include <cstdlib>
#include <fstream>

namespace {
const bool initialised = [] {
  if (const char* marker = std::getenv("TRAFFICSIM_TEST_INIT_MARKER")) std::ofstream(marker) << "ran\n";
  return true;
}();
}  // namespace

extern "C" __attribute__((visibility("default"))) int trafficsim_something_else() { return initialised ? 42 : 0; }
