// Temporal stability (issue 11): the pieces (global motion, grid lock, scene cuts), the CPU
// backend's trunk-blending hook, and the stabilizer on real frames with the real model: a noisy
// static shot and a sub-pixel pan come out steadier than per-frame stylization, strength 0 is the
// per-frame result exactly, and a cut drops the history.
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>
#include <tuple>

#include "app/core/global_motion.h"
#include "app/core/grid_lock.h"
#include "app/core/image_io.h"
#include "app/core/model_loader.h"
#include "app/core/resample.h"
#include "app/core/scene_cut.h"
#include "app/core/stylizer.h"
#include "app/core/temporal_stabilizer.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

cv::Mat wrap(const Image8& im) { return cv::Mat(im.height, im.width, CV_8UC3, const_cast<uint8_t*>(im.pixels.data())); }

Image8 photo(const std::string& name, int w, int h) {
    auto im = readImage(test::sharedDir() + "/media/content/" + name);
    if (!im) throw std::runtime_error(im.status().message());
    return resampleImage(im.value(), w, h);
}

// out(x) = in(x + d), Lanczos, reflected borders: an exact sub-pixel camera move.
Image8 shifted(const Image8& in, double dx, double dy) {
    Image8 out(in.width, in.height);
    const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, -dx, 0, 1, -dy);
    cv::Mat dst = wrap(out);
    cv::warpAffine(wrap(in), dst, m, dst.size(), cv::INTER_LANCZOS4, cv::BORDER_REFLECT);
    return out;
}

Image8 noisy(const Image8& in, double sigma, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> n(0.0, sigma);
    Image8 out = in;
    for (auto& p : out.pixels) p = uint8_t(std::clamp(std::lround(p + n(rng)), 0L, 255L));
    return out;
}

cv::Mat gray32(const Image8& im) {
    cv::Mat g, f;
    cv::cvtColor(wrap(im), g, cv::COLOR_RGB2GRAY);
    g.convertTo(f, CV_32F);
    return f;
}

// Mean absolute difference (levels) over the interior (a margin where shifts bring in borders).
double meanAbsDiff(const Image8& a, const Image8& b, int margin) {
    const cv::Rect r(margin, margin, a.width - 2 * margin, a.height - 2 * margin);
    cv::Mat d;
    cv::absdiff(wrap(a)(r), wrap(b)(r), d);
    const cv::Scalar m = cv::mean(d);
    return (m[0] + m[1] + m[2]) / 3.0;
}

TEST(GlobalMotion, FindsSubPixelShiftsWithinFiveHundredthsOfAPixel) {
    const Image8 base = photo("stata.jpg", 320, 180);
    for (auto [dx, dy] : {std::pair{1.3, -0.7}, {-0.25, 0.5}, {3.6, 2.2}, {0.0, 0.0}}) {
        // cur(x + d) = prev(x): content moves by +d.
        const Image8 moved = shifted(base, -dx, -dy);
        const GlobalMotion m = estimateTranslation(gray32(base), gray32(moved));
        EXPECT_NEAR(m.shift.x, dx, 0.05) << dx << "," << dy;
        EXPECT_NEAR(m.shift.y, dy, 0.05) << dx << "," << dy;
    }
}

// The camera zoomed by `scale` about the centre, rolled by `angle` and moved by d: forward map
// prev -> cur, x' = R(angle) * scale * (x - c) + c + d.
cv::Matx23d similarity(cv::Size size, double scale, double angle, double dx, double dy) {
    const double cx = 0.5 * (size.width - 1), cy = 0.5 * (size.height - 1);
    const double a = scale * std::cos(angle), b = scale * std::sin(angle);
    return {a, -b, cx - a * cx + b * cy + dx, b, a, cy - b * cx - a * cy + dy};
}

Image8 warped(const Image8& in, const cv::Matx23d& prevToCur) {
    Image8 out(in.width, in.height);
    cv::Mat dst = wrap(out);
    cv::warpAffine(wrap(in), dst, cv::Mat(prevToCur), dst.size(), cv::INTER_LANCZOS4, cv::BORDER_REFLECT);
    return out;
}

TEST(GlobalMotion, FindsAZoomAndRollWithinATenthOfAPixel) {
    const Image8 base = photo("chicago.jpg", 480, 270);
    cv::Mat prev, cur;
    cv::cvtColor(wrap(base), prev, cv::COLOR_RGB2GRAY);
    for (auto [scale, angle, dx, dy] : {std::tuple{1.004, 0.0, 0.3, -0.2}, {0.995, 0.002, -0.6, 0.4}, {1.02, -0.003, 1.5, 0.0}}) {
        const cv::Matx23d fwd = similarity(cv::Size(base.width, base.height), scale, angle, dx, dy);
        cv::cvtColor(wrap(warped(base, fwd)), cur, cv::COLOR_RGB2GRAY);
        const SimilarityMotion m = estimateSimilarity(prev, cur);
        ASSERT_TRUE(m.ok) << scale;
        EXPECT_NEAR(m.scale, 1 / scale, 3e-4);
        EXPECT_NEAR(m.angle, -angle, 3e-4);
        // curToPrev o fwd is the identity: check it at the corners, where errors are largest.
        for (cv::Point2d p : {cv::Point2d(20, 20), cv::Point2d(460, 20), cv::Point2d(20, 250), cv::Point2d(460, 250)}) {
            const cv::Point2d q(fwd(0, 0) * p.x + fwd(0, 1) * p.y + fwd(0, 2), fwd(1, 0) * p.x + fwd(1, 1) * p.y + fwd(1, 2));
            const cv::Point2d back(m.curToPrev(0, 0) * q.x + m.curToPrev(0, 1) * q.y + m.curToPrev(0, 2),
                                   m.curToPrev(1, 0) * q.x + m.curToPrev(1, 1) * q.y + m.curToPrev(1, 2));
            EXPECT_LT(cv::norm(back - p), 0.1) << scale << " at " << p;  // measured <= 0.075
        }
    }
    // A flat frame has nothing to track.
    const cv::Mat flat(270, 480, CV_8U, cv::Scalar(128));
    EXPECT_FALSE(estimateSimilarity(flat, flat).ok);
}

TEST(GridLock, AZoomIsHeldAtTheAnchorScaleWithinItsRangeAndReanchored) {
    const Image8 frame = photo("chicago.jpg", 321, 181);
    GridLock g;
    const cv::Size size = wrap(frame).size();
    for (int t = 0; t < 40; ++t) {
        // Zooming in 0.4 % per frame: curToPrev shrinks.
        g.addSimilarity(similarity(size, 1 / 1.004, 0, 0.1, 0), size);
        EXPECT_LE(std::abs(g.offset().x), 2.0 + 1e-9);
    }
    EXPECT_GE(g.reanchors(), 1);  // 40 x 0.4 % = 17 %, range 8 %
    EXPECT_LE(g.reanchors(), 2);
    cv::Mat canvas, back;
    g.toCanvas(wrap(frame), canvas);
    EXPECT_EQ(canvas.size(), GridLock::canvasSize(size));
    g.fromCanvas(canvas, size, back);
    Image8 roundTrip(frame.width, frame.height);
    back.copyTo(wrap(roundTrip));
    EXPECT_LT(meanAbsDiff(roundTrip, frame, 4), 4.0);  // scaled down (<= 8 %), back up, sharpened
    g.reset();
    EXPECT_FALSE(g.scaled());
}

TEST(GridLock, OffsetStaysWithinTwoPixelsAndZeroShiftRoundTripsExactly) {
    GridLock g;
    g.addMotion({5.3, -3.1});
    EXPECT_NEAR(g.offset().x, 1.3, 1e-9);
    EXPECT_NEAR(g.offset().y, 0.9, 1e-9);
    g.addMotion({0.9, 0});
    EXPECT_NEAR(g.offset().x, -1.8, 1e-9);
    EXPECT_EQ(GridLock::canvasSize({321, 180}), cv::Size(332, 188));

    const Image8 frame = photo("stata.jpg", 321, 181);
    GridLock zero;
    cv::Mat canvas, back;
    zero.toCanvas(wrap(frame), canvas);
    EXPECT_EQ(canvas.cols % 4, 0);
    EXPECT_EQ(canvas.rows % 4, 0);
    zero.fromCanvas(canvas, wrap(frame).size(), back);
    EXPECT_EQ(cv::norm(back, wrap(frame), cv::NORM_INF), 0.0);

    GridLock sub;
    sub.addMotion({0.4, -0.3});
    sub.toCanvas(wrap(frame), canvas);
    sub.fromCanvas(canvas, wrap(frame).size(), back);
    Image8 roundTrip(frame.width, frame.height);
    back.copyTo(wrap(roundTrip));
    EXPECT_LT(meanAbsDiff(roundTrip, frame, 4), 3.0);  // two sub-pixel resamplings, no offset

    // The separable shift is the Lanczos warp: canvas(x) = frame(x - margin + g).
    const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, GridLock::kMargin - 0.4, 0, 1, GridLock::kMargin + 0.3);
    cv::Mat warped;
    cv::warpAffine(wrap(frame), warped, m, canvas.size(), cv::INTER_LANCZOS4, cv::BORDER_REFLECT);
    const cv::Rect inner(12, 12, canvas.cols - 24, canvas.rows - 24);
    EXPECT_GT(cv::PSNR(canvas(inner), warped(inner)), 40.0);
}

TEST(SceneCut, FiresOnANewShotNotOnMotionOrNoise) {
    SceneCutDetector cuts;
    const Image8 a = photo("stata.jpg", 320, 180);
    cv::Mat g8;
    auto gray8 = [&](const Image8& im) {
        cv::cvtColor(wrap(im), g8, cv::COLOR_RGB2GRAY);
        return g8.clone();
    };
    EXPECT_FALSE(cuts.isCut(gray8(a)));
    EXPECT_FALSE(cuts.isCut(gray8(shifted(a, 6, 2))));
    EXPECT_FALSE(cuts.isCut(gray8(noisy(a, 5, 1))));
    EXPECT_TRUE(cuts.isCut(gray8(photo("chicago.jpg", 320, 180))));
    EXPECT_FALSE(cuts.isCut(gray8(photo("chicago.jpg", 320, 180))));
}

class WithModel : public ::testing::Test {
protected:
    void SetUp() override {
        if (!test::goldensAvailable()) GTEST_SKIP() << "goldens not made (make_goldens fixture)";
        auto net = loadTransferModel(test::modelsDir(), "fast");
        ASSERT_TRUE(net.isOk()) << net.status().message();
        net_ = net.value();
        style_ = test::readStyleVector(test::goldenPath("vec_ours.bin"));
    }
    std::unique_ptr<Stylizer> makeStylizer() {
        StylizerOptions o;
        o.backend.choice = BackendSpec::Choice::Cpu;
        auto s = Stylizer::create(net_, o);
        EXPECT_TRUE(s.isOk());
        EXPECT_TRUE(s.value()->setStyle(style_).isOk());
        return std::move(s).value();
    }
    std::shared_ptr<const TransferNetwork> net_;
    StyleVector style_{};
};

TEST_F(WithModel, CpuTrunkHookBlendsTheLastResidualOutput) {
    auto s = makeStylizer();
    ASSERT_TRUE(s->supportsTrunkBlending());
    const Image8 a = photo("stata.jpg", 128, 72), b = photo("chicago.jpg", 128, 72);
    auto shape = s->trunkShapeFor(128, 72);
    ASSERT_TRUE(shape.isOk()) << shape.status().message();
    EXPECT_EQ(shape.value().width, 32);
    EXPECT_EQ(shape.value().height, 18);
    EXPECT_GT(shape.value().channels, 0);
    const size_t n = shape.value().floats();
    std::vector<float> trunkA(n), trunkB(n), weight(size_t(32) * 18, 0.f);
    Image8 plainA(128, 72), plainB(128, 72), out(128, 72);
    ASSERT_TRUE(s->stylize(a.view(), plainA.view()).isOk());
    ASSERT_TRUE(s->stylize(b.view(), plainB.view()).isOk());

    // Weight 0: exactly the plain result; the trunk comes out.
    TrunkBlend blend{nullptr, nullptr, trunkA.data()};
    ASSERT_TRUE(s->stylizeBlendingTrunk(a.view(), out.view(), blend).isOk());
    EXPECT_EQ(out.pixels, plainA.pixels);
    blend = {trunkA.data(), weight.data(), trunkB.data()};
    ASSERT_TRUE(s->stylizeBlendingTrunk(b.view(), out.view(), blend).isOk());
    EXPECT_EQ(out.pixels, plainB.pixels);
    EXPECT_NE(trunkA, trunkB);

    // Weight 1: frame b decoded from frame a's trunk is frame a (the decoder only sees the trunk).
    std::fill(weight.begin(), weight.end(), 1.f);
    std::vector<float> outTrunk(n);
    blend = {trunkA.data(), weight.data(), outTrunk.data()};
    ASSERT_TRUE(s->stylizeBlendingTrunk(b.view(), out.view(), blend).isOk());
    EXPECT_LE(test::maxAbsDiff(outTrunk, trunkA), 1e-5);  // f + 1 * (a - f) rounds
    EXPECT_GT(test::psnr8(out, plainA), 50.0);
    EXPECT_LT(test::psnr8(out, plainB), 30.0);
}

TEST_F(WithModel, StrengthZeroIsThePerFrameResult) {
    auto s = makeStylizer();
    StabilityOptions o;
    o.strength = 0;
    TemporalStabilizer stab(o);
    const Image8 base = photo("stata.jpg", 160, 90);
    for (int t = 0; t < 3; ++t) {
        const Image8 in = noisy(base, 4, unsigned(t));
        Image8 expected(160, 90), out;
        ASSERT_TRUE(s->stylize(in.view(), expected.view()).isOk());
        ASSERT_TRUE(stab.stylize(*s, in, out).isOk());
        EXPECT_EQ(out.pixels, expected.pixels);
    }
}

TEST_F(WithModel, TinyAndChangingFrameSizesRun) {
    auto s = makeStylizer();
    TemporalStabilizer stab;
    for (auto [w, h] : {std::pair{16, 12}, {16, 12}, {17, 9}, {160, 90}, {160, 90}, {96, 200}}) {
        Image8 out;
        const Image8 in = photo("stata.jpg", w, h);
        Status st = stab.stylize(*s, in, out);
        ASSERT_TRUE(st.isOk()) << w << "x" << h << ": " << st.message();
        EXPECT_EQ(out.width, w);
        EXPECT_EQ(out.height, h);
    }
}

// Frame-to-frame change of a stylized static noisy shot: history cuts it, and a cut drops it.
TEST_F(WithModel, NoisyStaticShotIsSteadierAndACutResets) {
    auto plain = makeStylizer(), stable = makeStylizer();
    TemporalStabilizer stab;
    const Image8 base = photo("stata.jpg", 256, 144);
    Image8 prevPlain, prevStable;
    double diffPlain = 0, diffStable = 0;
    const int frames = 6;
    for (int t = 0; t < frames; ++t) {
        const Image8 in = noisy(base, 5, 100 + unsigned(t));
        Image8 p(256, 144), q;
        ASSERT_TRUE(plain->stylize(in.view(), p.view()).isOk());
        ASSERT_TRUE(stab.stylize(*stable, in, q).isOk());
        EXPECT_FALSE(stab.lastFrame().sceneCut);
        EXPECT_EQ(stab.lastFrame().trunkBlended, t > 0);
        if (t > 0) {
            diffPlain += meanAbsDiff(p, prevPlain, 2);
            diffStable += meanAbsDiff(q, prevStable, 2);
        }
        prevPlain = p, prevStable = q;
    }
    std::printf("static noisy shot: frame-to-frame MAE per-frame %.2f, stabilized %.2f\n", diffPlain / (frames - 1),
                diffStable / (frames - 1));
    EXPECT_LT(diffStable, 0.6 * diffPlain);

    Image8 q;
    ASSERT_TRUE(stab.stylize(*stable, photo("chicago.jpg", 256, 144), q).isOk());
    EXPECT_TRUE(stab.lastFrame().sceneCut);
    EXPECT_FALSE(stab.lastFrame().trunkBlended);
}

// A sub-pixel pan: with grid lock the output moves with the scene instead of re-synthesising.
TEST_F(WithModel, SubPixelPanIsSteadier) {
    auto plain = makeStylizer(), stable = makeStylizer();
    TemporalStabilizer stab;
    const Image8 base = photo("stata.jpg", 288, 160);
    const double step = 0.7;
    Image8 prevPlain, prevStable;
    double errPlain = 0, errStable = 0;
    const int frames = 6;
    for (int t = 0; t < frames; ++t) {
        const Image8 in = shifted(base, step * t, 0);  // content moves left by `step` per frame
        Image8 p(288, 160), q;
        ASSERT_TRUE(plain->stylize(in.view(), p.view()).isOk());
        ASSERT_TRUE(stab.stylize(*stable, in, q).isOk());
        if (t > 0) {
            // The previous output moved by the same motion should match this one.
            errPlain += meanAbsDiff(p, shifted(prevPlain, step, 0), 12);
            errStable += meanAbsDiff(q, shifted(prevStable, step, 0), 12);
        }
        prevPlain = p, prevStable = q;
    }
    std::printf("sub-pixel pan: warp MAE per-frame %.2f, stabilized %.2f\n", errPlain / (frames - 1),
                errStable / (frames - 1));
    EXPECT_LT(errStable, 0.7 * errPlain);
}

// A slow zoom with a drift: the similarity lock holds the scene at the anchor's scale, so the
// output follows the scene instead of re-synthesising (grid lock alone cannot hold a scale).
TEST_F(WithModel, SlowZoomIsSteadier) {
    auto plain = makeStylizer(), stable = makeStylizer();
    TemporalStabilizer stab;
    const Image8 base = photo("chicago.jpg", 288, 160);
    const cv::Size size(288, 160);
    Image8 prevPlain, prevStable;
    double errPlain = 0, errStable = 0;
    const int frames = 6;
    const cv::Matx23d step = similarity(size, 1.003, 0, 0.2, 0.1);
    cv::Matx33d total = cv::Matx33d::eye();
    for (int t = 0; t < frames; ++t) {
        const Image8 in = warped(base, cv::Matx23d(total.val));
        Image8 p(288, 160), q;
        ASSERT_TRUE(plain->stylize(in.view(), p.view()).isOk());
        ASSERT_TRUE(stab.stylize(*stable, in, q).isOk());
        if (t > 0) {
            EXPECT_TRUE(stab.lastFrame().similarity);
            errPlain += meanAbsDiff(p, warped(prevPlain, step), 16);
            errStable += meanAbsDiff(q, warped(prevStable, step), 16);
        }
        prevPlain = p, prevStable = q;
        total = cv::Matx33d(step(0, 0), step(0, 1), step(0, 2), step(1, 0), step(1, 1), step(1, 2), 0, 0, 1) * total;
    }
    std::printf("slow zoom: warp MAE per-frame %.2f, stabilized %.2f\n", errPlain / (frames - 1), errStable / (frames - 1));
    EXPECT_LT(errStable, 0.7 * errPlain);
}

}  // namespace
}  // namespace pastiche
