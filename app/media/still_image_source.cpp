// A still image as a source. With spec.fps > 0 (live use: the GUI, `pastiche live --input
// photo.jpg`) it repeats the picture forever at that rate; with fps == 0 it delivers the picture
// once and then ends (file mode).
#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/media/sources_internal.h"

namespace pastiche::media {

namespace {

class StillImageSource final : public FrameSource {
public:
    StillImageSource(Image8 image, const SourceSpec& spec) : image_(std::move(image)) {
        info_.kind = SourceKind::StillImage;
        info_.description = "image " + spec.path;
        info_.path = spec.path;
        info_.width = image_.width;
        info_.height = image_.height;
        info_.fps = spec.fps;
        info_.frameCount = spec.fps > 0 ? -1 : 1;
        info_.live = false;
    }
    const SourceInfo& info() const override { return info_; }
    Status lastError() const override { return {}; }
    ReadStatus read(Frame& frame) override {
        if (info_.fps <= 0 && next_ > 0) return ReadStatus::EndOfStream;
        frame.image = image_;
        frame.index = next_;
        frame.ptsMicros = info_.fps > 0 ? int64_t(std::llround(next_ * 1e6 / info_.fps)) : 0;
        frame.captureNanos = steadyNanos();
        ++next_;
        return ReadStatus::Frame;
    }

private:
    Image8 image_;
    SourceInfo info_;
    int64_t next_ = 0;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> openStillImageSource(const SourceSpec& spec) {
    cv::Mat bgr = cv::imread(spec.path, cv::IMREAD_COLOR);  // applies EXIF orientation
    if (bgr.empty()) return Status::error(spec.path + ": cannot read the image (missing, unsupported or corrupt)");
    if (spec.width > 0 && spec.height > 0 && (bgr.cols != spec.width || bgr.rows != spec.height))
        cv::resize(bgr, bgr, cv::Size(spec.width, spec.height), 0, 0, cv::INTER_AREA);
    Image8 image(bgr.cols, bgr.rows);
    cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, image.pixels.data());
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return std::unique_ptr<FrameSource>(new StillImageSource(std::move(image), spec));
}

}  // namespace pastiche::media
