#include "pipewire_sandbox.h"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace pastiche::test {

namespace {

bool waitFor(double seconds, const auto& ready) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ready();
}

std::string tail(const std::string& path, size_t bytes = 1500) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

std::string runForOutput(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& log, double seconds) {
    ChildProcess child;
    std::string why;
    if (!child.start(argv, env, log, ChildProcess::Stdout::ToPipe, why)) return "";
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{child.stdoutFd(), POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        ssize_t n = ::read(child.stdoutFd(), buf, sizeof buf);  // pw-cli exits after listing
        if (n <= 0) break;
        out.append(buf, size_t(n));
    }
    child.stop(1.0);
    return out;
}

}  // namespace

bool PipeWireSandbox::start(std::string& why) {
    for (const char* program : {"pipewire", "wireplumber", "dbus-daemon", "pw-cli"})
        if (findProgram(program).empty()) {
            why = std::string(program) + " is not installed (apt install pipewire pipewire-bin wireplumber dbus)";
            return false;
        }
    char templ[] = "/tmp/pastiche-vcam-XXXXXX";
    if (!::mkdtemp(templ)) {
        why = "cannot create a temporary directory";
        return false;
    }
    dir_ = templ;
    const std::string run = dir_ + "/run";
    fs::create_directories(run);
    fs::permissions(run, fs::perms::owner_all, fs::perm_options::replace);
    const std::string bus = "unix:path=" + run + "/bus";
    const std::vector<std::string> overrides = {
        "XDG_RUNTIME_DIR=" + run, "PIPEWIRE_RUNTIME_DIR=" + run, "XDG_STATE_HOME=" + dir_ + "/state",
        "XDG_CONFIG_HOME=" + dir_ + "/config", "XDG_DATA_HOME=" + dir_ + "/data", "HOME=" + dir_,
        "DBUS_SESSION_BUS_ADDRESS=" + bus, "PIPEWIRE_REMOTE=pipewire-0", "WIREPLUMBER_DEBUG=2"};
    env_ = environmentWith(overrides);
    // This process talks to the sandbox too (the VirtualCamera under test).
    for (const auto& kv : overrides) {
        size_t eq = kv.find('=');
        const std::string name = kv.substr(0, eq);
        const char* old = std::getenv(name.c_str());
        savedEnv_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
        ::setenv(name.c_str(), kv.substr(eq + 1).c_str(), 1);
    }

    if (!dbus_.start({"dbus-daemon", "--session", "--nofork", "--nopidfile", "--address=" + bus}, env_,
                     dir_ + "/dbus.log", ChildProcess::Stdout::ToLog, why))
        return false;
    if (!waitFor(15, [&] { return fs::exists(run + "/bus"); })) {
        why = "dbus-daemon did not create its socket within 15 s\n" + logs();
        return false;
    }
    if (!pipewire_.start({"pipewire"}, env_, dir_ + "/pipewire.log", ChildProcess::Stdout::ToLog, why)) return false;
    if (!waitFor(20, [&] { return fs::exists(run + "/pipewire-0") || !pipewire_.running(); }) || !pipewire_.running()) {
        why = "pipewire did not start within 20 s\n" + logs();
        return false;
    }
    if (!wireplumber_.start({"wireplumber"}, env_, dir_ + "/wireplumber.log", ChildProcess::Stdout::ToLog, why))
        return false;
    if (!waitForSessionManager(30)) {
        why = "wireplumber did not join the private pipewire within 30 s\n" + logs();
        return false;
    }
    return true;
}

bool PipeWireSandbox::waitForSessionManager(double seconds) {
    // wireplumber creates the "default" metadata object once its policy is loaded.
    return waitFor(seconds, [&] {
        if (!wireplumber_.running()) return false;
        std::string out = runForOutput({"pw-cli", "ls", "Metadata"}, env_, dir_ + "/pw-cli.log", 5);
        return out.find("\"default\"") != std::string::npos;
    });
}

std::string PipeWireSandbox::logs() const {
    std::string s;
    for (const char* name : {"dbus.log", "pipewire.log", "wireplumber.log"})
        s += std::string("--- ") + name + "\n" + tail(dir_ + "/" + name) + "\n";
    return s;
}

void PipeWireSandbox::stop() {
    wireplumber_.stop();
    pipewire_.stop();
    dbus_.stop();
    if (!dir_.empty() && !std::getenv("PASTICHE_KEEP_VCAM_LOGS")) {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    dir_.clear();
    for (const auto& [name, value] : savedEnv_) {
        if (value) ::setenv(name.c_str(), value->c_str(), 1);
        else ::unsetenv(name.c_str());
    }
    savedEnv_.clear();
}

}  // namespace pastiche::test
