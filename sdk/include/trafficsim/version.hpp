#pragma once
/// @file
/// The SDK and ABI versions (from <trafficsim/version.h>) and the C++ SDK's namespace.

#include "trafficsim/version.h"

/// Every C++ SDK symbol lives in this inline namespace. It keeps two SDK majors apart
/// inside one program; it checks nothing across the plugin boundary, which is C (the host
/// checks the descriptor's ABI version instead).
#define TRAFFICSIM_ABI_NAMESPACE abi_v2

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// The SDK's semantic version as a string, e.g. "2.0.0".
inline constexpr const char* sdk_version = TRAFFICSIM_SDK_VERSION_STRING;
/// The plugin ABI version this SDK speaks.
inline constexpr unsigned abi_version = TRAFFICSIM_ABI_VERSION;

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
