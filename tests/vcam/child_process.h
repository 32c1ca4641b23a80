// Child processes for the virtual-camera tests (pipewire, wireplumber, dbus-daemon, gst-launch):
// each in its own process group, killed with its parent (PR_SET_PDEATHSIG) so that a crashed
// test leaves nothing running, stopped with SIGTERM then SIGKILL within a bounded time.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace pastiche::test {

// Full path of a program on PATH, or "" when missing.
std::string findProgram(const std::string& name);

class ChildProcess {
public:
    ChildProcess() = default;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess() {
        stop();
        closeStdout();
    }

    enum class Stdout { ToLog, ToPipe };
    // argv[0] is looked up on PATH; env is the whole environment ("K=V"); stderr (and stdout
    // unless piped) goes to logPath. Returns false with why set when it cannot start.
    bool start(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& logPath,
               Stdout out, std::string& why);
    int stdoutFd() const { return stdoutFd_; }  // ToPipe: the read end (owned here)
    bool running();
    // SIGTERM to the group, wait up to graceSeconds, then SIGKILL. Returns the exit status (-1 if
    // killed). The stdout pipe stays open so that a reader thread can drain it and see EOF.
    int stop(double graceSeconds = 3.0);
    void closeStdout();
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    int stdoutFd_ = -1;
    int exitStatus_ = -1;
};

// The current environment with the given "K=V" entries replacing or adding to it.
std::vector<std::string> environmentWith(const std::vector<std::string>& overrides);

}  // namespace pastiche::test
