// A private PipeWire for one test program: dbus-daemon (session bus), pipewire and wireplumber
// (which links consumers to our node), all under a temporary XDG_RUNTIME_DIR, no system
// services touched. This process's environment is pointed at it, so a VirtualCamera created
// here connects to it. Everything started is stopped by stop() or the destructor.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.h"

namespace pastiche::test {

class PipeWireSandbox {
public:
    ~PipeWireSandbox() { stop(); }
    // Starts the daemons and waits (bounded) until the session manager has joined. On failure
    // returns false with why (the caller skips, or fails under PASTICHE_REQUIRE_PIPEWIRE=1).
    bool start(std::string& why);
    void stop();  // also restores this process's environment as it was before start()
    void killPipeWire() { pipewire_.stop(); }  // the daemon going away under a client
    const std::vector<std::string>& environment() const { return env_; }  // for child clients
    const std::string& dir() const { return dir_; }
    std::string logs() const;  // tails of the daemons' logs, for failure messages

private:
    bool waitForSessionManager(double seconds);
    std::string dir_;
    std::vector<std::string> env_;
    std::vector<std::pair<std::string, std::optional<std::string>>> savedEnv_;
    ChildProcess dbus_, pipewire_, wireplumber_;
};

}  // namespace pastiche::test
