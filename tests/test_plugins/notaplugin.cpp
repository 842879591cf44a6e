// Test library: a shared library with a plugin's file name but no entry point.
extern "C" __attribute__((visibility("default"))) int trafficsim_something_else() { return 42; }
