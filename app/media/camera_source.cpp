// Cameras through OpenCV's V4L2 backend. A grabber thread reads frames into a one-frame slot;
// read() waits on it with a watchdog, so a camera that is unplugged (or stops sending) ends the
// stream with an error instead of hanging the pipeline.
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "app/media/sources_internal.h"

namespace pastiche::media {

namespace {

using namespace std::chrono_literals;

std::string devicePath(int index) { return "/dev/video" + std::to_string(index); }

bool deviceExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// State shared with the grabber thread. It outlives the source if the thread is stuck inside a
// driver call when the source is destroyed (the thread is then detached and finishes later).
struct GrabState {
    std::mutex mutex;
    std::condition_variable cv;
    cv::Mat latest;          // BGR
    int64_t latestIndex = -1;
    int64_t latestNanos = 0;
    bool failed = false;
    std::string failure;
    bool stop = false;
    bool exited = false;
    CameraGrab grab;  // blocks in the driver; owns the cv::VideoCapture
};

class CameraSource final : public FrameSource {
public:
    CameraSource(std::shared_ptr<GrabState> state, SourceInfo info, std::chrono::milliseconds watchdog)
        : state_(std::move(state)), info_(std::move(info)), watchdog_(watchdog) {
        thread_ = std::thread([s = state_] { grabLoop(s); });
    }
    ~CameraSource() override {
        {
            std::lock_guard lock(state_->mutex);
            state_->stop = true;
        }
        std::unique_lock lock(state_->mutex);
        bool exited = state_->cv.wait_for(lock, 2s, [&] { return state_->exited; });
        lock.unlock();
        if (exited) thread_.join();
        else thread_.detach();  // stuck in the driver: it holds its own reference to the state
    }

    const SourceInfo& info() const override { return info_; }
    Status lastError() const override { return error_; }

    ReadStatus read(Frame& frame) override {
        if (!error_.isOk()) return ReadStatus::Error;
        std::unique_lock lock(state_->mutex);
        bool ready = state_->cv.wait_for(lock, watchdog_, [&] {
            return state_->failed || state_->latestIndex > lastIndex_;
        });
        if (state_->latestIndex > lastIndex_) {
            lastIndex_ = state_->latestIndex;
            cv::Mat bgr = state_->latest;  // shared; converted below outside the lock
            int64_t nanos = state_->latestNanos;
            lock.unlock();
            if (frame.image.width != bgr.cols || frame.image.height != bgr.rows)
                frame.image = Image8(bgr.cols, bgr.rows);
            cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, frame.image.pixels.data());
            cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
            if (firstNanos_ == 0) firstNanos_ = nanos;
            frame.ptsMicros = (nanos - firstNanos_) / 1000;
            frame.captureNanos = nanos;
            frame.loopOffsetMicros = 0;
            frame.painter = 0;
            frame.index = delivered_++;
            return ReadStatus::Frame;
        }
        std::string why = state_->failed ? state_->failure
                          : !ready ? "no frame for " + std::to_string(watchdog_.count()) + " ms"
                                   : "stopped";
        lock.unlock();
        error_ = Status::error(info_.description + " stopped delivering frames (" + why +
                               "); was it unplugged?");
        return ReadStatus::Error;
    }

private:
    // NOLINTNEXTLINE(performance-unnecessary-value-param): the grab thread owns a share of the state
    static void grabLoop(std::shared_ptr<GrabState> s) {
        while (true) {
            {
                std::lock_guard lock(s->mutex);
                if (s->stop) break;
            }
            cv::Mat bgr;
            bool ok = false;
            try {
                ok = s->grab(bgr);
            } catch (const cv::Exception&) {
                ok = false;
            }
            std::lock_guard lock(s->mutex);
            if (!ok || bgr.empty()) {
                s->failed = true;
                s->failure = "the driver returned no frame";
                break;
            }
            if (bgr.type() != CV_8UC3) {
                s->failed = true;
                s->failure = "unsupported pixel format from the camera";
                break;
            }
            s->latest = bgr;  // a new Mat per read, so readers may keep the old one
            s->latestIndex++;
            s->latestNanos = steadyNanos();
            s->cv.notify_all();
        }
        s->grab = nullptr;  // releases the capture device
        std::lock_guard lock(s->mutex);
        s->exited = true;
        s->cv.notify_all();
    }

    std::shared_ptr<GrabState> state_;
    SourceInfo info_;
    std::chrono::milliseconds watchdog_;
    std::thread thread_;
    Status error_;
    int64_t lastIndex_ = -1;
    int64_t delivered_ = 0;
    int64_t firstNanos_ = 0;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> openCameraSource(const SourceSpec& spec) {
    const std::string device = devicePath(spec.cameraIndex);
    const std::string name = "camera " + std::to_string(spec.cameraIndex) + " (" + device + ")";
    if (spec.cameraIndex < 0 || !deviceExists(device))
        return Status::error(name + ": no such device; no camera connected? `pastiche cameras` lists them");
    auto capture = std::make_shared<cv::VideoCapture>();
    std::vector<int> params;
    // Pairs pushed one by one: GCC 12 warns falsely (-Wstringop-overflow) on insert of a list here.
    auto request = [&params](int property, int value) {
        params.push_back(property);
        params.push_back(value);
    };
    if (spec.width > 0) request(cv::CAP_PROP_FRAME_WIDTH, spec.width);
    if (spec.height > 0) request(cv::CAP_PROP_FRAME_HEIGHT, spec.height);
    if (spec.fps > 0) request(cv::CAP_PROP_FPS, int(std::lround(spec.fps)));
    try {
        if (!capture->open(spec.cameraIndex, cv::CAP_V4L2, params) || !capture->isOpened())
            return Status::error(name + ": cannot open it through V4L2 (busy, or not a capture device?)");
    } catch (const cv::Exception& e) {
        return Status::error(name + ": OpenCV: " + e.what());
    }
    SourceInfo info;
    info.kind = SourceKind::Camera;
    info.description = name;
    info.width = int(capture->get(cv::CAP_PROP_FRAME_WIDTH));
    info.height = int(capture->get(cv::CAP_PROP_FRAME_HEIGHT));
    info.fps = capture->get(cv::CAP_PROP_FPS);
    info.live = true;
    // Generous for slow cameras (auto exposure can halve fps), short enough to notice an unplug.
    auto watchdog = std::chrono::milliseconds(info.fps > 0 ? std::max<int>(3000, int(10000 / info.fps)) : 5000);
    CameraGrab grab = [capture](cv::Mat& bgr) { return capture->read(bgr); };
    return makeCameraSource(std::move(grab), std::move(info), watchdog);
}

std::unique_ptr<FrameSource> makeCameraSource(CameraGrab grab, SourceInfo info, std::chrono::milliseconds watchdog) {
    auto state = std::make_shared<GrabState>();
    state->grab = std::move(grab);
    auto source = std::make_unique<CameraSource>(std::move(state), std::move(info), watchdog);
    return std::unique_ptr<FrameSource>(std::move(source));
}

}  // namespace pastiche::media
