#pragma once
/// @file
/// Versions of the SDK. A plugin compiled against one ABI version is refused by a host
/// of another before any of its code runs; the SDK version is informational
/// (semantic versioning: minor releases add, never break).

/// SDK semantic version.
#define TRAFFICSIM_SDK_VERSION_MAJOR 1
#define TRAFFICSIM_SDK_VERSION_MINOR 0
#define TRAFFICSIM_SDK_VERSION_PATCH 0
#define TRAFFICSIM_SDK_VERSION_STRING "1.0.0"

/// Bumped on every change that breaks binary compatibility between host and plugins
/// (layout of a struct that crosses the boundary, a virtual function added or moved).
#define TRAFFICSIM_ABI_VERSION 1

/// Every SDK symbol lives in this inline namespace, so a plugin built against another ABI
/// fails to link or load instead of misbehaving at run time.
#define TRAFFICSIM_ABI_NAMESPACE abi_v1

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// The SDK's semantic version as a string, e.g. "1.0.0".
inline constexpr const char* sdk_version = TRAFFICSIM_SDK_VERSION_STRING;
/// The plugin ABI version this SDK speaks.
inline constexpr unsigned abi_version = TRAFFICSIM_ABI_VERSION;

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
