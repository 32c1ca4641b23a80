// The fixture of the PipeWire tests: one private PipeWire per test program (see
// pipewire_sandbox.h), skipped with the reason when it cannot start (a failure under
// PASTICHE_REQUIRE_PIPEWIRE=1), plus small helpers.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "app/vcam/virtual_camera.h"
#include "child_process.h"
#include "frame_capture.h"
#include "pipewire_sandbox.h"

namespace pastiche {

using Clock = std::chrono::steady_clock;

inline bool waitUntil(double seconds, const auto& ready) {
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < deadline) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return ready();
}

inline std::string runCapture(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log) {
    test::ChildProcess child;
    std::string why, out;
    if (!child.start(argv, env, log, test::ChildProcess::Stdout::ToPipe, why)) return "";
    char buf[4096];
    auto deadline = Clock::now() + std::chrono::seconds(10);
    ssize_t n;
    while (Clock::now() < deadline && (n = ::read(child.stdoutFd(), buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    child.stop(1.0);
    return out;
}

class VcamPipeWireFixture : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        sandbox_ = new test::PipeWireSandbox;
        skipReason_ = test::consumerToolsMissing();
        if (!skipReason_.empty()) return;
        if (!sandbox_->start(skipReason_)) {
            sandbox_->stop();
            if (skipReason_.empty()) skipReason_ = "unknown";
        }
    }
    static void TearDownTestSuite() {
        delete sandbox_;
        sandbox_ = nullptr;
    }
    void SetUp() override {
        if (!skipReason_.empty()) {
            if (const char* req = std::getenv("PASTICHE_REQUIRE_PIPEWIRE"); req && std::string(req) == "1")
                FAIL() << "PASTICHE_REQUIRE_PIPEWIRE=1 but the PipeWire tests cannot run: " << skipReason_;
            GTEST_SKIP() << "the PipeWire tests cannot run here, skipping: " << skipReason_;
        }
    }
    std::string log(const std::string& name) const { return sandbox_->dir() + "/" + name + ".log"; }
    std::string nodes() const { return runCapture({"pw-cli", "ls", "Node"}, sandbox_->environment(), log("pw-cli")); }

    std::unique_ptr<vcam::VirtualCamera> open(vcam::VirtualCameraOptions options) {
        auto camera = vcam::openVirtualCamera(options, [](const std::string& m) { std::fprintf(stderr, "notice: %s\n", m.c_str()); });
        EXPECT_TRUE(camera) << camera.status().message();
        return camera ? std::move(camera).value() : nullptr;
    }

    static inline test::PipeWireSandbox* sandbox_ = nullptr;
    static inline std::string skipReason_;
};



}  // namespace pastiche
