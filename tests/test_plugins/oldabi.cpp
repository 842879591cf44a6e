// Test plugin: what a plugin built against SDK 1.x returned, a descriptor of ABI 1
// (size, ABI version, SDK version string, a pointer to C++ data). The host must refuse it
// with a message naming both ABI versions.
#include <cstdint>

namespace {
struct abi1_descriptor {
  std::uint32_t struct_size;
  std::uint32_t abi_version;
  const char* sdk_version;
  const void* info;
};
}  // namespace

extern "C" __attribute__((visibility("default"))) const abi1_descriptor* trafficsim_plugin_entry() noexcept {
  static const abi1_descriptor d{sizeof(abi1_descriptor), 1, "1.0.0", nullptr};
  return &d;
}
