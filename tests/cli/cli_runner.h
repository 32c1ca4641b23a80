// Runs the built `pastiche` binary as a user would and captures exit code, stdout and stderr.
#pragma once

#include <string>

namespace pastiche::test {

struct CommandResult {
    int exitCode = -1;   // -1: did not exit normally (signal: a crash)
    int signal = 0;
    std::string out, err;
};

// args is appended to the binary path as shell words (quote paths yourself with quoted()).
CommandResult runPastiche(const std::string& args, const std::string& env = {});
std::string quoted(const std::string& s);
std::string makeTempDir(const std::string& tag);

}  // namespace pastiche::test
