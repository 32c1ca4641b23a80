// Under AddressSanitizer only: keeps the Vulkan drivers (ICDs) loaded until exit.
#pragma once

namespace pastiche::vk {

// The loader dlcloses every driver when the last instance goes. The drivers (lavapipe's LLVM
// among them) keep a few allocations until exit, and LeakSanitizer, which runs after the
// unload, can then name neither the library nor a function: the suppressions in
// scripts/lsan.supp cannot match, and every process that made an instance reports a leak. So
// under ASan each driver is opened once more with RTLD_NODELETE, which makes dlclose a no-op.
// Elsewhere this does nothing.
void pinDriversForLeakChecks();

}  // namespace pastiche::vk
