#include "engine/vulkan/driver_pin.h"

#include <dlfcn.h>

#include <initializer_list>
#include <mutex>

#if defined(__SANITIZE_ADDRESS__)
#define PASTICHE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PASTICHE_ASAN 1
#endif
#endif

namespace pastiche::vk {

void pinDriversForLeakChecks() {
#ifdef PASTICHE_ASAN
    static std::once_flag once;
    std::call_once(once, [] {
        // Debian 12's Mesa drivers (mesa-vulkan-drivers); a driver that is not installed is skipped.
        // The handles are never closed: that is the point.
        for (const char* driver :
             {"libvulkan_lvp.so", "libvulkan_intel.so", "libvulkan_intel_hasvk.so", "libvulkan_radeon.so"})
            (void)dlopen(driver, RTLD_LAZY | RTLD_NODELETE);
    });
#endif
}

}  // namespace pastiche::vk
