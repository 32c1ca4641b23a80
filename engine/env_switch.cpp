#include "engine/env_switch.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace pastiche::env {
namespace {

// The whole value as a decimal integer >= 0, or nullopt.
std::optional<uint64_t> parseCount(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    uint64_t n = 0;
    const char* end = v + std::strlen(v);
    const auto [at, ec] = std::from_chars(v, end, n);
    if (ec != std::errc() || at != end) return std::nullopt;
    return n;
}

}  // namespace

std::optional<std::string> value(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

bool is(const char* name, const char* v) {
    const char* s = std::getenv(name);
    return s && std::strcmp(s, v) == 0;
}

bool requested(const char* name) {
    const char* s = std::getenv(name);
    return s && *s && std::strcmp(s, "0") != 0;
}

uint32_t positive(const char* name, uint32_t fallback) {
    const std::optional<uint64_t> n = parseCount(name);
    return n && *n > 0 && *n <= UINT32_MAX ? uint32_t(*n) : fallback;
}

uint64_t count(const char* name, uint64_t fallback) { return parseCount(name).value_or(fallback); }

}  // namespace pastiche::env
