// A generated moving test pattern: colour bars, shapes that move with the frame index, and the
// frame number. Pixels depend only on (index, size), so runs are reproducible; timestamps are
// index / fps. The stream never ends: callers stop it (--frames / --seconds).
#include <cmath>
#include <cstdio>
#include <random>

#include <opencv2/imgproc.hpp>

#include "app/media/sources_internal.h"
#include "app/media/test_pattern_layout.h"

namespace pastiche::media {

namespace {

class TestPatternSource final : public FrameSource {
public:
    explicit TestPatternSource(const SourceSpec& spec) {
        info_.kind = SourceKind::TestPattern;
        info_.width = spec.width > 0 ? spec.width : 1280;
        info_.height = spec.height > 0 ? spec.height : 720;
        info_.fps = spec.fps > 0 ? spec.fps : 30.0;
        info_.description = "test pattern " + std::to_string(info_.width) + "x" + std::to_string(info_.height) +
                            "@" + std::to_string(int(std::lround(info_.fps)));
        info_.live = false;  // generated on demand; live mode paces it by its timestamps
    }
    const SourceInfo& info() const override { return info_; }
    Status lastError() const override { return {}; }
    Status seek(int64_t ptsMicros) override {
        next_ = std::max<int64_t>(0, int64_t(std::floor(ptsMicros * 1e-6 * info_.fps + 0.5)));
        return {};
    }

    // A recycled frame this source painted holds the still background plus the moving parts of
    // its old index: only those boxes are restored before the new parts are drawn. At 1080p that
    // is ~0.3 MB of pixels instead of a 6 MB copy, which was the session's ceiling (~0.7 ms of
    // CPU a frame on a 2-core EPYC; docs/PERFORMANCE.md).
    ReadStatus read(Frame& frame) override {
        const int w = info_.width, h = info_.height;
        if (frame.image.width != w || frame.image.height != h) {
            frame.image = Image8(w, h);
            frame.painter = 0;
        }
        cv::Mat m(h, w, CV_8UC3, frame.image.pixels.data());
        if (background_.empty()) {
            background_.create(h, w, CV_8UC3);
            drawTestPatternStill(background_);
        }
        if (frame.painter == painter_) {
            for (const cv::Rect& box : TestPatternLayout(w, h, frame.index).boxes()) background_(box).copyTo(m(box));
        } else {
            background_.copyTo(m);
        }
        TestPatternLayout(w, h, next_).draw(m);
        frame.painter = painter_;
        frame.index = next_;
        frame.ptsMicros = int64_t(std::llround(next_ * 1e6 / info_.fps));
        frame.captureNanos = steadyNanos();
        frame.loopOffsetMicros = 0;
        ++next_;
        return ReadStatus::Frame;
    }

private:
    SourceInfo info_;
    int64_t next_ = 0;
    cv::Mat background_;
    // This source's mark on the frames it paints: random, so no other source (or an earlier
    // pattern whose frames are recycled) can carry it; never 0, the mark of other writers.
    const uint64_t painter_ = (uint64_t(std::random_device{}()) << 32 | std::random_device{}()) | 1;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> openTestPatternSource(const SourceSpec& spec) {
    if (spec.width < 0 || spec.height < 0 || spec.width > 16384 || spec.height > 16384 || spec.fps < 0)
        return Status::error("test pattern: invalid size or fps");
    if ((spec.width > 0 && spec.width < 16) || (spec.height > 0 && spec.height < 16))
        return Status::error("test pattern: size must be at least 16x16");
    return std::unique_ptr<FrameSource>(new TestPatternSource(spec));
}

}  // namespace pastiche::media
