// Environment switches: the PASTICHE_* triage and tuning knobs (docs/VULKAN.md, docs/PERFORMANCE.md).
// Every one is read through one of these, so that a kind of switch means the same everywhere:
// which values count, and what an unset, empty or malformed value does (the default, always).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pastiche::env {

// The value, or nullopt when the variable is unset or empty.
std::optional<std::string> value(const char* name);

// True only when set to exactly `v`: forced modes (PASTICHE_VK_FP32=1, PASTICHE_VK_FAIL=<stage>).
bool is(const char* name, const char* v);

// A default-on switch: on unless set to "0".
inline bool enabled(const char* name) { return !is(name, "0"); }

// A default-off switch: on when set to anything but "0" (PASTICHE_VK_VALIDATION=1, =all).
bool requested(const char* name);

// A tuning knob: a positive decimal integer, else `fallback` (unset, empty, 0, negative, or not
// wholly a number: "16x" is not 16).
uint32_t positive(const char* name, uint32_t fallback);

// A count that may be 0: a decimal integer >= 0, else `fallback`.
uint64_t count(const char* name, uint64_t fallback);

}  // namespace pastiche::env
