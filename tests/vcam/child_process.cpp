#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

extern char** environ;

namespace pastiche::test {

std::string findProgram(const std::string& name) {
    if (name.find('/') != std::string::npos) return std::filesystem::exists(name) ? name : "";
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string candidate = dirs.substr(start, end - start) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return "";
}

std::vector<std::string> environmentWith(const std::vector<std::string>& overrides) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        size_t eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv;
    }
    for (const auto& kv : overrides) env[kv.substr(0, kv.find('='))] = kv;
    std::vector<std::string> out;
    for (auto& [k, kv] : env) out.push_back(kv);
    return out;
}

bool ChildProcess::start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& logPath, Stdout out, std::string& why) {
    std::string program = findProgram(argv.at(0));
    if (program.empty()) {
        why = argv[0] + " is not installed (not on PATH)";
        return false;
    }
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    int pipeFds[2] = {-1, -1};
    if (out == Stdout::ToPipe && ::pipe2(pipeFds, O_CLOEXEC) != 0) {
        why = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        why = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        int log = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0) {
            ::dup2(log, 2);
            if (out == Stdout::ToLog) ::dup2(log, 1);
        }
        if (out == Stdout::ToPipe) ::dup2(pipeFds[1], 1);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::execve(program.c_str(), args.data(), envp.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    pid_ = pid;
    if (out == Stdout::ToPipe) {
        ::close(pipeFds[1]);
        stdoutFd_ = pipeFds[0];
    }
    return true;
}

bool ChildProcess::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exitStatus_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = -1;
        return false;
    }
    return true;
}

int ChildProcess::stop(double graceSeconds) {
    if (running()) {
        ::kill(-pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(graceSeconds);
        while (running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (running()) {
            ::kill(-pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
            exitStatus_ = -1;
        }
    }
    return exitStatus_;
}

void ChildProcess::closeStdout() {
    if (stdoutFd_ >= 0) ::close(stdoutFd_);
    stdoutFd_ = -1;
}

}  // namespace pastiche::test
