#include "app/cli/common.h"

#include <cstdio>

#include "app/cli/commands.h"

namespace pastiche::cli {

int printError(const std::string& message) {
    std::fprintf(stderr, "pastiche: error: %s\n", message.c_str());
    return 1;
}

NoticeCallback stderrNotice() {
    return [](const std::string& m) { std::fprintf(stderr, "pastiche: note: %s\n", m.c_str()); };
}

}  // namespace pastiche::cli
