#include "engine/cpu/memory_budget.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "engine/env_switch.h"

namespace pastiche {

uint64_t parseBytes(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !(v > 0)) return 0;
    double scale = 1;
    switch (*end) {
    case 'k': case 'K': scale = 1024.0; break;
    case 'm': case 'M': scale = 1024.0 * 1024; break;
    case 'g': case 'G': scale = 1024.0 * 1024 * 1024; break;
    case 't': case 'T': scale = 1024.0 * 1024 * 1024 * 1024; break;
    default: break;
    }
    const double bytes = v * scale;
    return bytes >= 1.8e19 ? UINT64_MAX : uint64_t(bytes);
}

namespace {

uint64_t memAvailableBytes() {
    std::ifstream f("/proc/meminfo");
    std::string key;
    uint64_t kb = 0;
    std::string unit;
    while (f >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024;
    return UINT64_MAX;
}

uint64_t cgroupLimitBytes() {
    std::ifstream f("/sys/fs/cgroup/memory.max");
    std::string v;
    if (!(f >> v) || v == "max") return UINT64_MAX;
    const uint64_t b = parseBytes(v);
    return b ? b : UINT64_MAX;
}

uint64_t addressSpaceLimitBytes() {
    rlimit r{};
    if (getrlimit(RLIMIT_AS, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return UINT64_MAX;
    return uint64_t(r.rlim_cur);
}

}  // namespace

uint64_t hostMemoryLimitBytes() {
    if (const std::optional<std::string> limit = env::value("PASTICHE_MEMORY_LIMIT")) {
        const uint64_t b = parseBytes(*limit);
        if (b) return b;
    }
    return std::min({memAvailableBytes(), cgroupLimitBytes(), addressSpaceLimitBytes()});
}

std::string formatBytes(uint64_t bytes) {
    char buf[32];
    const double b = double(bytes);
    if (b >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f GB", b / (1024.0 * 1024 * 1024));
    else if (b >= 1024.0 * 1024) std::snprintf(buf, sizeof buf, "%.1f MB", b / (1024.0 * 1024));
    else std::snprintf(buf, sizeof buf, "%.0f KB", b / 1024.0);
    return buf;
}

Status checkMemoryBudget(uint64_t needBytes, const std::string& what) {
    const uint64_t limit = hostMemoryLimitBytes();
    if (needBytes <= limit) return Status::ok();
    return Status::outOfMemory(what + " needs " + formatBytes(needBytes) + " of memory; the limit is " +
                               formatBytes(limit) + " (available memory, or PASTICHE_MEMORY_LIMIT)");
}

uint64_t tileAboveBytes() {
    if (const std::optional<std::string> above = env::value("PASTICHE_TILE_ABOVE")) {
        const uint64_t b = parseBytes(*above);
        if (b) return b;
    }
    return std::min<uint64_t>(uint64_t(3) << 29, hostMemoryLimitBytes() / 2);
}

}  // namespace pastiche
