// A generated moving test pattern: colour bars, shapes that move with the frame index, and the
// frame number. Pixels depend only on (index, size), so runs are reproducible; timestamps are
// index / fps. The stream never ends: callers stop it (--frames / --seconds).
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "app/media/sources_internal.h"

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

    ReadStatus read(Frame& frame) override {
        const int w = info_.width, h = info_.height;
        if (frame.image.width != w || frame.image.height != h) frame.image = Image8(w, h);
        cv::Mat m(h, w, CV_8UC3, frame.image.pixels.data());
        drawBackground(m);
        draw(m, next_);
        frame.index = next_;
        frame.ptsMicros = int64_t(std::llround(next_ * 1e6 / info_.fps));
        frame.captureNanos = steadyNanos();
        ++next_;
        return ReadStatus::Frame;
    }

private:
    // The still part (bars and ramp) is drawn once and copied: a 1080p pattern then costs a
    // memcpy plus the moving shapes, fast enough to feed a GPU at hundreds of frames a second.
    void drawBackground(cv::Mat& m) {
        if (background_.empty()) {
            background_.create(m.rows, m.cols, CV_8UC3);
            drawStill(background_);
        }
        background_.copyTo(m);
    }

    static void drawStill(cv::Mat& m) {
        const int w = m.cols, h = m.rows;
        // 75% colour bars (RGB order: the frame is RGB), then a grey ramp strip at the bottom.
        static const cv::Scalar bars[7] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
                                           {191, 0, 191},   {191, 0, 0},   {0, 0, 191}};
        const int barsH = h * 2 / 3;
        for (int i = 0; i < 7; ++i) {
            int x0 = w * i / 7, x1 = w * (i + 1) / 7;
            cv::rectangle(m, cv::Rect(x0, 0, x1 - x0, barsH), bars[i], cv::FILLED);
        }
        for (int x = 0; x < w; ++x) {
            uint8_t v = uint8_t(x * 255 / std::max(1, w - 1));
            cv::line(m, {x, barsH}, {x, h - 1}, cv::Scalar(v, v, v));
        }
    }

    static void draw(cv::Mat& m, int64_t index) {
        const int w = m.cols, h = m.rows;
        const int barsH = h * 2 / 3;
        // Moving shapes: a ball bouncing horizontally, a square travelling along the ramp.
        const double t = double(index);
        const int r = std::max(4, std::min(w, h) / 12);
        int span = std::max(1, w - 2 * r);
        int phase = int(index * std::max(2, w / 90)) % (2 * span);
        int bx = r + (phase < span ? phase : 2 * span - phase);
        int by = barsH / 2 + int(std::lround(std::sin(t * 0.1) * barsH / 4));
        cv::circle(m, {bx, by}, r, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_8);
        cv::circle(m, {bx, by}, r / 2, cv::Scalar(230, 40, 40), cv::FILLED, cv::LINE_8);
        int side = std::max(4, (h - barsH) / 2);
        int sx = int((index * std::max(1, w / 150)) % std::max(1, w - side));
        cv::rectangle(m, cv::Rect(sx, barsH + (h - barsH - side) / 2, side, side), cv::Scalar(20, 20, 20), cv::FILLED);
        // Frame counter, top-left, on a dark box so it reads on any bar.
        char text[32];
        std::snprintf(text, sizeof text, "%06lld", static_cast<long long>(index));
        double scale = std::max(0.4, h / 360.0);
        int baseline = 0;
        cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 2, &baseline);
        cv::rectangle(m, cv::Rect(0, 0, ts.width + 16, ts.height + baseline + 16), cv::Scalar(0, 0, 0), cv::FILLED);
        cv::putText(m, text, {8, 8 + ts.height}, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 2,
                    cv::LINE_8);
    }

    SourceInfo info_;
    int64_t next_ = 0;
    cv::Mat background_;
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
