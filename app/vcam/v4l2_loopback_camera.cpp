#include "app/vcam/v4l2_loopback_camera.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <thread>

#include "app/vcam/frame_formatter.h"

namespace pastiche::vcam {

namespace {

bool outputFormatOf(uint32_t fourcc, OutputFormat& out) {
    switch (fourcc) {
        case V4L2_PIX_FMT_YUYV: out = OutputFormat::Yuy2; return true;
        case V4L2_PIX_FMT_NV12: out = OutputFormat::Nv12; return true;
        case V4L2_PIX_FMT_YUV420: out = OutputFormat::I420; return true;
        case V4L2_PIX_FMT_XBGR32:  // memory order B, G, R, X
        case V4L2_PIX_FMT_BGR32: out = OutputFormat::Bgrx; return true;
        case V4L2_PIX_FMT_RGBX32: out = OutputFormat::Rgbx; return true;
        default: return false;
    }
}

class V4l2LoopbackCamera final : public VirtualCamera {
public:
    V4l2LoopbackCamera(std::unique_ptr<V4l2Device> device, const VirtualCameraOptions& options, NoticeCallback notice)
        : VirtualCamera(options, std::move(notice)), device_(std::move(device)) {}
    ~V4l2LoopbackCamera() override { close(); }

    Status negotiate(int width, int height) {
        auto format = negotiateLoopbackFormat(*device_, width, height, options_.fps);
        if (!format) return format.status();
        std::lock_guard lock(mutex_);
        format_ = format.value();
        formatter_.setLayout(format_.layout);
        padded_.assign(format_.writeSize, 0);
        negotiated_ = true;
        return Status::ok();
    }

    void start() { writer_ = std::thread([this] { writeLoop(); }); }

    Status close() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (writer_.joinable()) writer_.join();
        return Status::ok();
    }

    int consumers() const override { return -1; }  // v4l2loopback does not say who reads

    std::string describe() const override {
        std::lock_guard lock(mutex_);
        std::string text = "v4l2loopback " + device_->path() + " ";
        if (negotiated_)
            text += std::to_string(format_.layout.width) + "x" + std::to_string(format_.layout.height) + "@" +
                    std::to_string(int(std::lround(options_.fps))) + " " + fourccText(format_.fourcc);
        else
            text += "(waiting for the first frame's size)";
        if (!writeError_.empty()) text += " (" + writeError_ + ")";
        return text;
    }

protected:
    void firstFrameSize(int, int) override { wake_.notify_all(); }

private:
    void writeLoop() {
        using Clock = std::chrono::steady_clock;
        const auto period = std::chrono::nanoseconds(int64_t(std::llround(1e9 / options_.fps)));
        auto next = Clock::now();
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            if (!negotiated_) {
                // Size from the first frame: negotiate here, off the session's thread.
                std::shared_ptr<const Image8> first = newestFrame();
                if (!first) {
                    wake_.wait_for(lock, period);
                    continue;
                }
                int w = 0, h = 0;
                outputSize(options_, first->width, first->height, w, h);
                lock.unlock();
                Status status = negotiate(w, h);
                lock.lock();
                if (!status) {
                    writeError_ = status.message();
                    notice("virtual camera: " + status.message());
                    return;
                }
                next = Clock::now();
            }
            const std::vector<uint8_t>& bytes = formatter_.bytesFor(newestFrame());
            std::memcpy(padded_.data(), bytes.data(), bytes.size());
            lock.unlock();
            Status status = device_->writeFrame(padded_.data(), padded_.size());
            lock.lock();
            if (status) {
                framesSent_.fetch_add(1);
                writeError_.clear();
            } else if (writeError_.empty()) {
                writeError_ = status.message();
                notice("virtual camera: " + status.message() + "; retrying");
            }
            // Keep to the schedule; after a long stall start afresh rather than burst.
            next += period;
            auto now = Clock::now();
            if (next < now - 4 * period) next = now;
            wake_.wait_until(lock, next, [this] { return stopping_; });
        }
    }

    std::unique_ptr<V4l2Device> device_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::thread writer_;
    bool stopping_ = false;
    bool negotiated_ = false;
    LoopbackFormat format_;
    FrameFormatter formatter_;
    std::vector<uint8_t> padded_;
    std::string writeError_;
};

}  // namespace

std::string fourccText(uint32_t fourcc) {
    std::string s(4, ' ');
    for (int i = 0; i < 4; ++i) s[i] = char((fourcc >> (8 * i)) & 0xff);
    return s;
}

Result<LoopbackFormat> negotiateLoopbackFormat(V4l2Device& device, int width, int height, double fps) {
    const std::string& path = device.path();
    v4l2_capability cap{};
    PASTICHE_RETURN_IF_ERROR(device.queryCapability(cap));
    if (!isLoopback(cap))
        return Status::error(path + " is not a v4l2loopback device (driver '" +
                             std::string(reinterpret_cast<const char*>(cap.driver)) + "'); create one with: " +
                             kLoopbackSetupHint);
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_OUTPUT))
        return Status::error(path + " offers no output side: another program is writing to it already "
                             "(an exclusive_caps device shows only its capture side while it has a writer)");

    v4l2_format format{};
    format.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    format.fmt.pix.width = uint32_t(width & ~1);
    format.fmt.pix.height = uint32_t(height);
    format.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    format.fmt.pix.field = V4L2_FIELD_NONE;
    format.fmt.pix.bytesperline = format.fmt.pix.width * 2;
    format.fmt.pix.sizeimage = format.fmt.pix.bytesperline * format.fmt.pix.height;
    format.fmt.pix.colorspace = V4L2_COLORSPACE_SMPTE170M;
    PASTICHE_RETURN_IF_ERROR(device.setFormat(format).withContext("negotiating YUYV " + std::to_string(width & ~1) + "x" +
                                                                   std::to_string(height)));

    const v4l2_pix_format& pix = format.fmt.pix;
    LoopbackFormat result;
    result.fourcc = pix.pixelformat;
    OutputFormat out;
    if (!outputFormatOf(pix.pixelformat, out))
        return Status::error(path + ": the driver chose pixel format " + fourccText(pix.pixelformat) +
                             ", which Pastiche cannot write (YUYV, NV12, YU12, XR24, XB24)");
    int w = int(pix.width), h = int(pix.height);
    if (w <= 0 || h <= 0 || (needsEvenWidth(out) && (w & 1)) || (needsEvenHeight(out) && (h & 1)))
        return Status::error(path + ": the driver chose an unusable size " + std::to_string(w) + "x" +
                             std::to_string(h) + " for " + fourccText(pix.pixelformat));
    FrameLayout tight = defaultLayout(out, w, h);
    size_t rowBytes = out == OutputFormat::Yuy2 ? size_t(w) * 2 : (out == OutputFormat::Rgbx || out == OutputFormat::Bgrx) ? size_t(w) * 4 : size_t(w);
    size_t stride = pix.bytesperline >= rowBytes ? pix.bytesperline : tight.stride[0];
    result.layout = layoutWithStride(out, w, h, stride);
    result.writeSize = std::max<size_t>(result.layout.size, pix.sizeimage);

    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    parm.parm.output.timeperframe.numerator = 1000;
    parm.parm.output.timeperframe.denominator = uint32_t(std::lround(fps * 1000));
    (void)device.setFrameRate(parm);  // older v4l2loopback versions refuse it; the rate is ours anyway
    return result;
}

Result<std::unique_ptr<VirtualCamera>> openV4l2LoopbackCamera(std::unique_ptr<V4l2Device> device,
                                                              const VirtualCameraOptions& options, NoticeCallback notice) {
    auto camera = std::make_unique<V4l2LoopbackCamera>(std::move(device), options, std::move(notice));
    if (options.width > 0 && options.height > 0) {
        int w = 0, h = 0;
        outputSize(options, 0, 0, w, h);
        PASTICHE_RETURN_IF_ERROR(camera->negotiate(w, h).withContext("virtual camera"));
    }
    camera->start();
    return std::unique_ptr<VirtualCamera>(std::move(camera));
}

Result<std::unique_ptr<VirtualCamera>> openV4l2LoopbackCamera(const VirtualCameraOptions& options, NoticeCallback notice) {
    std::string path = options.devicePath;
    if (path.empty()) {
        auto found = findLoopbackDevice();
        if (!found) return found.status().withContext("virtual camera");
        path = found.value();
    }
    auto device = openV4l2Device(path);
    if (!device) {
        Status status = device.status();
        if (!std::filesystem::exists(path))
            status = Status::error(status.message() + "; create a loopback device once with: " + kLoopbackSetupHint);
        return status.withContext("virtual camera");
    }
    return openV4l2LoopbackCamera(std::move(device).value(), options, std::move(notice));
}

}  // namespace pastiche::vcam
