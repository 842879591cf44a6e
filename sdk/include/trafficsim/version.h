/* trafficsim SDK versions: the one source of truth (CMake, the scaffold and the host read
 * these lines). A plain C header, so a plugin written in C sees the same numbers. */
#ifndef TRAFFICSIM_VERSION_H
#define TRAFFICSIM_VERSION_H

/* SDK semantic version: a minor release adds, never breaks. */
#define TRAFFICSIM_SDK_VERSION_MAJOR 2
#define TRAFFICSIM_SDK_VERSION_MINOR 4
#define TRAFFICSIM_SDK_VERSION_PATCH 0
#define TRAFFICSIM_SDK_VERSION_STRING "2.4.0"

/* The plugin ABI: the layout of the C structs in plugin.h and the meaning of their
 * fields. Bumped only when an existing field changes; new fields are appended to a
 * struct whose first member is its size, which a host or plugin of another minor
 * version reads to know which fields exist (no bump). A host refuses a plugin of
 * another ABI before it calls anything but the entry point. */
#define TRAFFICSIM_ABI_VERSION 2

#endif
