#include "frame_capture.h"

#include <unistd.h>

#include <chrono>
#include <thread>

namespace pastiche::test {

namespace {
double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

std::string consumerToolsMissing() {
    const std::string hint = " (apt install gstreamer1.0-tools gstreamer1.0-pipewire)";
    if (findProgram("gst-launch-1.0").empty() || findProgram("gst-inspect-1.0").empty())
        return "gst-launch-1.0 is not installed" + hint;
    ChildProcess inspect;
    std::string why;
    if (!inspect.start({"gst-inspect-1.0", "pipewiresrc"}, environmentWith({}), "/dev/null",
                       ChildProcess::Stdout::ToLog, why))
        return why;
    for (int i = 0; i < 300 && inspect.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return inspect.stop(1.0) == 0 ? "" : "GStreamer has no pipewiresrc element" + hint;
}

std::string gstFormat(vcam::OutputFormat format) { return vcam::formatName(format); }

bool FrameCapture::start(const std::string& node, const vcam::FrameLayout& layout, const std::vector<std::string>& env,
                         const std::string& logPath, std::string& why) {
    layout_ = layout;
    std::string caps = "video/x-raw,format=" + gstFormat(layout.format) + ",width=" + std::to_string(layout.width) +
                       ",height=" + std::to_string(layout.height);
    std::vector<std::string> argv = {"gst-launch-1.0", "-q", "pipewiresrc", "target-object=" + node,
                                     "client-name=pastiche-test-consumer", "!", caps, "!", "fdsink", "fd=1", "sync=false"};
    if (!child_.start(argv, env, logPath, ChildProcess::Stdout::ToPipe, why)) return false;
    reader_ = std::thread([this] { readLoop(); });
    return true;
}

void FrameCapture::readLoop() {
    std::vector<uint8_t> buf(1 << 16);
    const size_t frameSize = layout_.size;
    std::vector<uint8_t> current;
    current.reserve(frameSize);
    for (;;) {
        ssize_t n = ::read(child_.stdoutFd(), buf.data(), buf.size());
        if (n <= 0) return;
        size_t used = 0;
        while (used < size_t(n)) {
            size_t take = std::min(size_t(n) - used, frameSize - current.size());
            current.insert(current.end(), buf.begin() + used, buf.begin() + used + take);
            used += take;
            if (current.size() == frameSize) {
                std::lock_guard lock(mutex_);
                arrivals_.push_back(nowSeconds());
                if (first_.empty()) first_ = current;
                latest_.swap(current);
                current.clear();
                frames_.fetch_add(1);
            }
        }
    }
}

void FrameCapture::stop() {
    // The consumer leaves the way an app does: gst-launch ends, its stream and link go away; the
    // reader then drains the pipe to EOF.
    child_.stop(3.0);
    if (reader_.joinable()) reader_.join();
    child_.closeStdout();
}

bool FrameCapture::waitForFrames(int count, double seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (frames_.load() < count && std::chrono::steady_clock::now() < deadline) {
        if (!child_.running()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return frames_.load() >= count;
}

std::vector<double> FrameCapture::arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
}

std::vector<uint8_t> FrameCapture::firstFrame() const {
    std::lock_guard lock(mutex_);
    return first_;
}

std::vector<uint8_t> FrameCapture::latestFrame() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

}  // namespace pastiche::test
