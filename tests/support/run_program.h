// Runs a program to completion and captures what it prints: for tests that start `pastiche`,
// ffprobe and the like. Qt-free, on posix_spawn: Qt's QProcess forks with a raw clone(CLONE_VM |
// CLONE_VFORK), which Clang 14's ThreadSanitizer intercepts and then aborts in ("CHECK failed:
// tsan_rtl.cpp:234 ((!thr->slot)) != (0)"), so tests that run under TSan cannot use it.
#pragma once

#include <string>
#include <vector>

namespace pastiche::test {

struct ProgramRun {
    int exitCode = -1;  // the exit status, or -1 when it did not exit normally
    int signal = 0;     // the signal that ended it, if one did
    bool timedOut = false;
    std::string out, err;
    std::string error;  // why it could not be started ("" when it was)
    bool ok() const { return error.empty() && !timedOut && signal == 0 && exitCode == 0; }
};

struct ProgramEnv {
    std::vector<std::string> set;    // "NAME=VALUE", replacing or adding to the current environment
    std::vector<std::string> unset;  // names removed from it
};

// argv[0] is looked up on PATH unless it holds a '/'. stdin is /dev/null. Past timeoutMs the
// program is killed (SIGKILL) and timedOut set.
ProgramRun runProgram(const std::vector<std::string>& argv, const ProgramEnv& env = {}, int timeoutMs = 600000);

}  // namespace pastiche::test
