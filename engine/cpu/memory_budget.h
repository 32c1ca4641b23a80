// How much host memory one job may use, checked before large allocations so that an oversized
// frame is refused with a message naming its size and the limit instead of dying in
// std::bad_alloc (or being killed by the kernel's OOM killer half-way).
#pragma once

#include <cstdint>
#include <string>

#include "engine/status.h"

namespace pastiche {

// $PASTICHE_MEMORY_LIMIT (bytes, or with a K/M/G suffix) when set; else the smallest of the
// memory the kernel reports available, the cgroup's memory.max and RLIMIT_AS.
uint64_t hostMemoryLimitBytes();

// "512M", "1.5G", "4096": bytes with an optional K/M/G/T suffix; 0 when not a size.
uint64_t parseBytes(const std::string& text);

// A still whose whole-frame working set would pass this runs in tiles (engine/tiled_run.h), so
// huge pictures stay within a couple of gigabytes: $PASTICHE_TILE_ABOVE when set, else the
// smaller of 1.5 GB and half the memory limit.
uint64_t tileAboveBytes();

// "1.5 GB" style, for messages.
std::string formatBytes(uint64_t bytes);

// OutOfMemory "<what> needs <need> of memory; the limit is <limit> (...)" when need > the limit.
Status checkMemoryBudget(uint64_t needBytes, const std::string& what);

}  // namespace pastiche
