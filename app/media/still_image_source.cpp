// A still image as a source. With spec.fps > 0 (live use: the GUI, `pastiche live --input
// photo.jpg`) it repeats the picture forever at that rate; with fps == 0 it delivers the picture
// once and then ends (file mode).
#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/core/image_io.h"
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
        frame.painter = 0;
        frame.index = next_;
        frame.ptsMicros = info_.fps > 0 ? int64_t(std::llround(next_ * 1e6 / info_.fps)) : 0;
        frame.captureNanos = steadyNanos();
        frame.loopOffsetMicros = 0;
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
    // readImage: bounded, size-capped from the header before decoding, damage reported.
    auto read = readImage(spec.path);
    if (!read) return read.status();
    Image8 image = std::move(read).value();
    if (spec.width > 0 && spec.height > 0 && (image.width != spec.width || image.height != spec.height))
        image = resizeImage(image, spec.width, spec.height);
    return std::unique_ptr<FrameSource>(new StillImageSource(std::move(image), spec));
}

}  // namespace pastiche::media
