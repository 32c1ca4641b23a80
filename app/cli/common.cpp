#include "app/cli/common.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "app/cli/commands.h"
#include "app/core/atomic_output.h"
#include "app/core/output_checks.h"
#include "engine/cpu/thread_pool.h"

namespace pastiche::cli {

namespace {

std::string formatNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

int exitCodeFor(StatusCode code) {
    switch (code) {
    case StatusCode::Ok: return 0;
    case StatusCode::InvalidArgument: return 2;
    case StatusCode::Unsupported: return 3;
    case StatusCode::Corrupt: return 4;
    case StatusCode::Io: return 5;
    case StatusCode::OutOfMemory: return 6;
    case StatusCode::DeviceLost: return 7;
    case StatusCode::Cancelled: return 8;
    case StatusCode::Internal: return 1;
    }
    return 1;
}

std::string exitCodeHelp() {
    return "Exit status:\n"
           "  0  success\n"
           "  1  internal error\n"
           "  2  invalid command line or argument (option out of range, bad size, output = input)\n"
           "  3  unsupported (file format, output extension, backend capability)\n"
           "  4  corrupt input (truncated or damaged image, video, model or style vector)\n"
           "  5  file error (missing file, permission, disk full, output locked by another run)\n"
           "  6  out of memory (the frame or image exceeds the memory limit)\n"
           "  7  GPU device lost\n"
           "  8  cancelled\n";
}

int printError(const std::string& message) {
    std::fprintf(stderr, "pastiche: error: %s\n", message.c_str());
    return 1;
}

int printError(const Status& status) {
    std::fprintf(stderr, "pastiche: error: %s\n", status.message().c_str());
    return exitCodeFor(status.code());
}

double processCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

NoticeCallback stderrNotice() {
    return [](const std::string& m) { std::fprintf(stderr, "pastiche: note: %s\n", m.c_str()); };
}

Status checkRange(const std::string& option, double value, double lo, double hi) {
    if (std::isfinite(value) && value >= lo && value <= hi) return Status::ok();
    return Status::invalidArgument(option + " must be a number in [" + formatNumber(lo) + ", " + formatNumber(hi) +
                                   "], got " + formatNumber(value));
}

Status checkStrength(double strength) { return checkRange("--strength", strength, 0.0, 1.0); }

Status checkCrf(int crf) { return checkRange("--crf", crf, 0, 51); }

Status checkPreset(const std::string& preset) {
    static const char* const kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                           "medium",    "slow",      "slower",   "veryslow", "placebo"};
    for (const char* p : kPresets)
        if (preset == p) return Status::ok();
    return Status::invalidArgument("--preset '" + preset + "' is not an x264 preset (ultrafast .. veryslow)");
}

Status checkThreads(int threads) { return checkRange("--threads", threads, 0, cpu::ThreadPool::kMaxThreads); }

Status checkSeconds(double seconds) { return checkRange("--seconds", seconds, 0.0, 86400.0); }

Status checkFps(double fps) { return checkRange("--fps", fps, 1.0, 240.0); }

Status checkVideoOutputPath(const std::string& path) { return checkVideoOutputExtension(path); }

Status checkOutputPath(const std::string& output, const std::vector<std::string>& inputs) {
    if (output.empty()) return Status::invalidArgument("no output file given");
    return checkOutputIsNotAnInput(output, inputs);
}

}  // namespace pastiche::cli
