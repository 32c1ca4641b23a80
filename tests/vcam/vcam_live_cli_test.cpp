// Bar 1 of issue 13 end to end: `pastiche live --test-pattern --virtual-camera pipewire` in a
// private PipeWire, read by GStreamer's pipewiresrc; the pixels must be `pastiche stylize` of the
// same test-pattern frame (PSNR >= 30 dB after chroma subsampling), the rate 30 fps +-5% over
// 5 s, and a consumer leaving and coming back gets frames again. The pattern runs at 0.1 fps, so
// one frame lasts ten seconds and the camera repeats it on time: stylization far slower than the
// output.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "app/core/image_io.h"
#include "app/media/frame_source.h"
#include "frame_capture.h"
#include "support/test_support.h"
#include "vcam_pipewire_fixture.h"
#include "vcam_test_util.h"

namespace pastiche {
namespace {

namespace fs = std::filesystem;
using vcam::OutputFormat;
using VcamLiveCliRealtime = VcamPipeWireFixture;  // rate over wall time: runs alone, not under sanitizers

constexpr int kWidth = 320, kHeight = 180;

int runPastiche(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& log) {
    std::vector<std::string> argv = {PASTICHE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    test::ChildProcess child;
    std::string why;
    if (!child.start(argv, env, log, test::ChildProcess::Stdout::ToLog, why)) return -1;
    waitUntil(300, [&] { return !child.running(); });
    return child.stop(1.0);
}

std::string readText(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(VcamLiveCliRealtime, LiveTestPatternIsTheStylizedPatternAtTheOutputRate) {
    const std::string style = test::sharedDir() + "/media/styles/udnie.jpg";
    const std::string models = test::modelsDir();
    if (!fs::exists(style) || !fs::exists(models)) GTEST_SKIP() << "needs " << style << " and the models in " << models;
    const std::string dir = sandbox_->dir();
    const auto& env = sandbox_->environment();

    // The expected pictures: the first frames of the same test pattern, through `pastiche
    // stylize`. Which one live stylizes first depends on how soon the style is ready (live opens
    // the source first and the camera sends only stylized frames), so the camera's frame must
    // match one of them.
    SourceSpec spec;
    spec.kind = SourceKind::TestPattern;
    spec.width = kWidth, spec.height = kHeight, spec.fps = 0.1;
    auto pattern = openSource(spec);
    ASSERT_TRUE(pattern) << pattern.status().message();
    std::vector<Image8> inputs, expected;
    for (int i = 0; i < 3; ++i) {
        Frame frame;
        ASSERT_EQ(pattern.value()->read(frame), ReadStatus::Frame);
        const std::string in = dir + "/frame" + std::to_string(i) + ".png", out = dir + "/expected" + std::to_string(i) + ".png";
        ASSERT_TRUE(writeImage(in, frame.image));
        ASSERT_EQ(runPastiche({"--models-dir", models, "stylize", in, "-o", out, "--style", style, "--backend", "cpu"}, env,
                              dir + "/stylize.log"),
                  0)
            << readText(dir + "/stylize.log");
        auto stylized = readImage(out);
        ASSERT_TRUE(stylized) << stylized.status().message();
        ASSERT_EQ(stylized->width, kWidth);
        inputs.push_back(frame.image);
        expected.push_back(test::afterChromaSubsampling(stylized.value(), OutputFormat::Yuy2));
    }

    test::ChildProcess live;
    std::string why;
    ASSERT_TRUE(live.start({PASTICHE_BINARY, "--models-dir", models, "live", "--test-pattern", "--capture-size",
                            std::to_string(kWidth) + "x" + std::to_string(kHeight), "--fps", "0.1", "--seconds", "60",
                            "--style", style, "--backend", "cpu", "--stability", "0",  // per frame: comparable to stylize
                            "--virtual-camera", "pipewire", "--virtual-camera-size", "native"},
                           env, dir + "/live.log", test::ChildProcess::Stdout::ToLog, why))
        << why;
    // The node appears with the first stylized frame (its size is the frame's).
    auto nodeListed = [&] {
        return runCapture({"pw-cli", "ls", "Node"}, env, dir + "/pw-cli.log").find("node.name = \"Pastiche\"") != std::string::npos;
    };
    ASSERT_TRUE(waitUntil(120, [&] { return nodeListed() || !live.running(); }) && live.running())
        << "no Pastiche node\n" << readText(dir + "/live.log") << sandbox_->logs();

    const auto layout = vcam::defaultLayout(OutputFormat::Yuy2, kWidth, kHeight);
    {
        test::FrameCapture capture;
        ASSERT_TRUE(capture.start("Pastiche", layout, env, dir + "/gst-live.log", why)) << why;
        ASSERT_TRUE(capture.waitForFrames(1, 30)) << readText(dir + "/gst-live.log") << readText(dir + "/live.log");
        const double t0 = capture.arrivals().front() + 0.5;
        ASSERT_TRUE(waitUntil(15, [&] { return capture.arrivals().back() > t0 + 5.0; }));
        int inWindow = 0;
        for (double t : capture.arrivals()) inWindow += t >= t0 && t < t0 + 5.0;
        std::printf("pastiche live --virtual-camera pipewire: %.2f fps over 5 s (source 0.1 fps)\n", inWindow / 5.0);
        EXPECT_NEAR(inWindow / 5.0, 30.0, 1.5);
        const Image8 got = test::decodeFrame(capture.firstFrame(), layout);
        size_t best = 0;
        std::vector<double> p;
        for (size_t i = 0; i < expected.size(); ++i) {
            p.push_back(test::psnr8(got, expected[i]));
            if (p[i] > p[best]) best = i;
        }
        std::printf("live frame vs stylize of pattern frames 0, 1, 2: PSNR %.1f, %.1f, %.1f dB\n", p[0], p[1], p[2]);
        EXPECT_GE(p[best], 30.0) << "not stylize of any of the first pattern frames";
        EXPECT_LT(test::psnr8(got, inputs[best]), 25.0) << "not stylized?";
        capture.stop();
    }
    {
        test::FrameCapture again;  // another consumer, another format
        const auto i420 = vcam::defaultLayout(OutputFormat::I420, kWidth, kHeight);
        ASSERT_TRUE(again.start("Pastiche", i420, env, dir + "/gst-again.log", why)) << why;
        ASSERT_TRUE(again.waitForFrames(5, 30)) << "frames did not resume\n" << readText(dir + "/gst-again.log");
        EXPECT_TRUE(live.running());
        again.stop();
    }
    EXPECT_EQ(live.stop(10.0), 0) << readText(dir + "/live.log");  // SIGTERM: live stops cleanly
    std::string log = readText(dir + "/live.log");
    EXPECT_NE(log.find("live: virtual camera: PipeWire node 'Pastiche' (frame size)@30, 0 consumers"), std::string::npos) << log;
    EXPECT_NE(log.find("virtual camera: PipeWire node 'Pastiche' 320x180@30"), std::string::npos) << log;
    EXPECT_TRUE(waitUntil(10, [&] { return !nodeListed(); })) << "the node outlived live";
}

}  // namespace
}  // namespace pastiche
