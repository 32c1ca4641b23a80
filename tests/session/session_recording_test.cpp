// Recordings through the session engine, as a user makes them with `pastiche live --record` and
// `pastiche stylize`: constant rate at the source's rate, images recorded as clips, and files
// that play after SIGKILL at any moment. Suites named *Realtime measure against the wall clock:
// they run alone, and not under the sanitizers (which slow the code several times).
#include <chrono>
#include <thread>

#include "app/core/image_io.h"
#include "session_test_util.h"

namespace pastiche::test {
namespace {

std::string styleImage() { return sharedDir() + "/media/styles/udnie.jpg"; }

TEST(SessionRecordingRealtime, LiveTestPatternRecordingHasTheSourcesRateAndLength) {
    const auto dir = makeTempDir("cfr");
    const std::string out = (dir / "out.mp4").string();
    int rc = 0;
    const std::string log = runCommand("PASTICHE_MODELS=" + shq(modelsDir()) + " " + shq(pasticheBinary()) +
                                           " live --test-pattern --record " + shq(out) + " --seconds 6 --style " +
                                           shq(styleImage()) + " 2>&1",
                                       &rc);
    ASSERT_EQ(rc, 0) << log;
    const StreamFacts f = probeVideo(out);
    EXPECT_NEAR(f.rFrameRate, 30.0, 0.3) << log;
    EXPECT_NEAR(f.avgFrameRate, 30.0, 0.3);
    EXPECT_NEAR(f.duration, 6.0, 0.1);
    EXPECT_NEAR(double(f.frames), f.duration * 30.0, 1.0);
    EXPECT_EQ(f.width, 1280);  // the output keeps the source's size
    EXPECT_EQ(f.height, 720);
}

TEST(SessionRecordingRealtime, RecordingAnImageGivesAPlayableClipOfTheStylizedImage) {
    const auto dir = makeTempDir("image");
    const std::string image = sharedDir() + "/media/content/golden_gate_sq.jpg";
    const std::string clip = (dir / "clip.mp4").string(), still = (dir / "still.png").string();
    const std::string env = "PASTICHE_MODELS=" + shq(modelsDir()) + " ";
    int rc = 0;
    std::string log = runCommand(env + shq(pasticheBinary()) + " live --input " + shq(image) + " --record " + shq(clip) +
                                     " --seconds 2 --size 128 --backend cpu --style " + shq(styleImage()) + " 2>&1",
                                 &rc);
    ASSERT_EQ(rc, 0) << log;
    const StreamFacts f = probeVideo(clip);
    EXPECT_NEAR(f.duration, 2.0, 0.15) << log;
    EXPECT_GE(f.frames, 55);
    log = runCommand(env + shq(pasticheBinary()) + " stylize " + shq(image) + " -o " + shq(still) +
                         " --size 128 --backend cpu --style " + shq(styleImage()) + " 2>&1",
                     &rc);
    ASSERT_EQ(rc, 0) << log;
    auto expected = readImage(still);
    ASSERT_TRUE(expected) << expected.status().message();
    const Decoded d = decodeAll(clip, /*keepMiddle=*/true);
    ASSERT_FALSE(d.middle.empty()) << d.error;
    auto original = readImage(image);
    ASSERT_TRUE(original);
    EXPECT_EQ(d.middle.width, original.value().width);  // recordings keep the source's size
    if (expected.value().width != d.middle.width)
        expected = resizeImage(expected.value(), d.middle.width, d.middle.height);
    // The clip's frames are the stylized image (H.264 4:2:0 costs a few dB).
    EXPECT_GT(psnr8(d.middle, expected.value()), 30.0);
}

// Kills `pastiche ARGS` after each delay (all started together) and checks what each left.
struct KillResult {
    double elapsed = 0;
    StreamFacts facts;
    std::string path, log;
};

std::vector<KillResult> killAfter(const std::vector<double>& delays, const std::function<std::string(int)>& argsFor,
                                  const std::function<std::string(int)>& outputFor, const std::string& logPrefix) {
    std::vector<pid_t> pids;
    std::vector<KillResult> results(delays.size());
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < delays.size(); ++i) pids.push_back(spawnPastiche(argsFor(int(i)), logPrefix + std::to_string(i)));
    std::vector<bool> killed(delays.size(), false);
    for (size_t done = 0; done < delays.size();) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        for (size_t i = 0; i < delays.size(); ++i) {
            if (killed[i] || now < delays[i]) continue;
            killHard(pids[i]);
            killed[i] = true;
            results[i].elapsed = now;
            ++done;
        }
    }
    for (size_t i = 0; i < delays.size(); ++i) {
        std::string path = outputFor(int(i));
        if (!std::filesystem::exists(path) && std::filesystem::exists(path + ".part")) path += ".part";
        results[i].path = path;
        results[i].facts = probeVideo(path);
        results[i].log = runCommand("cat " + shq(logPrefix + std::to_string(i)));
    }
    return results;
}

TEST(SessionRecordingRealtime, SigkillDuringLiveRecordingKeepsAllButTheLastSeconds) {
    const auto dir = makeTempDir("kill-live");
    auto out = [&](int i) { return (dir / ("take" + std::to_string(i) + ".mp4")).string(); };
    std::vector<KillResult> results;
    for (double delay : {5.0, 12.0, 25.0}) {  // one at a time: each has the machine as a user would
        const int i = int(results.size());
        auto r = killAfter(
        {delay},
        [&](int) {
            return "live --test-pattern --backend cpu --size 256 --record " + shq(out(i)) + " --style " +
                   shq(styleImage());
        },
        [&](int) { return out(i); }, (dir / ("log" + std::to_string(i))).string());
        results.push_back(r.front());
    }
    for (const auto& r : results) {
        SCOPED_TRACE(r.path + " killed after " + std::to_string(r.elapsed) + " s\n" + r.log);
        EXPECT_GT(r.facts.frames, 0) << "the file does not play";
        // Up to ~1 s of start-up (model, backend) and ~2 s in the encoder and the open fragment.
        EXPECT_GE(r.facts.duration, r.elapsed - 3.0);
        EXPECT_NEAR(double(r.facts.frames), r.facts.duration * 30.0, 2.0);
    }
}

TEST(SessionRecordingRealtime, SigkillDuringVideoStylizeKeepsAllButTheLastSeconds) {
    const auto dir = makeTempDir("kill-stylize");
    const std::string clip = (dir / "long.mp4").string();
    int rc = 0;
    // Long enough that no job finishes before its kill; small enough to stylize faster than real time.
    runCommand("ffmpeg -v error -y -f lavfi -i testsrc2=size=320x180:rate=30 -f lavfi -i sine=frequency=440 -t 150 "
               "-c:v libx264 -preset ultrafast -c:a aac -shortest " + shq(clip) + " 2>&1",
               &rc);
    ASSERT_EQ(rc, 0);
    const std::vector<double> delays = {5, 12, 25};
    auto out = [&](int i) { return (dir / ("out" + std::to_string(i) + ".mp4")).string(); };
    auto results = killAfter(
        delays,
        [&](int i) {
            return "stylize " + shq(clip) + " -o " + shq(out(i)) + " --backend cpu --size 96 --style " +
                   shq(styleImage());
        },
        out, (dir / "log").string());
    for (const auto& r : results) {
        SCOPED_TRACE(r.path + " killed after " + std::to_string(r.elapsed) + " s\n" + r.log);
        EXPECT_GT(r.facts.frames, 0) << "the partial output does not play";
        EXPECT_GE(r.facts.duration, std::min(150.0, r.elapsed - 3.0));
    }
}

}  // namespace
}  // namespace pastiche::test

namespace pastiche::test {
namespace {

// One output step for stills and video: a frame of a lossless 4:4:4 video equals `stylize` of that
// frame as an image (issue 11, bar 5).
TEST(SessionOutput, LosslessVideoFrameEqualsTheStylizedStill) {
    const auto dir = makeTempDir("lossless");
    const std::string clip = sharedDir() + "/media/content/stata_pan_720p.mp4";
    const std::string video = (dir / "out.mp4").string(), frame = (dir / "frame.png").string(),
                      still = (dir / "still.png").string(), fromVideo = (dir / "from_video.png").string();
    const std::string env = "PASTICHE_MODELS=" + shq(modelsDir()) + " ";
    const std::string common = " --size 128 --backend cpu --style " + shq(styleImage());
    int rc = 0;
    // 1 s of the clip is enough: cut it losslessly in RGB so both paths start from the same pixels.
    const std::string shortClip = (dir / "short.mkv").string();
    runCommand("ffmpeg -v error -y -i " + shq(clip) + " -t 1 -an -c:v ffv1 -pix_fmt bgr0 " + shq(shortClip) + " 2>&1", &rc);
    ASSERT_EQ(rc, 0);
    std::string log = runCommand(env + shq(pasticheBinary()) + " stylize " + shq(shortClip) + " -o " + shq(video) +
                                     " --pix-fmt yuv444p --crf 0 --stability 0" + common + " 2>&1",
                                 &rc);
    ASSERT_EQ(rc, 0) << log;
    runCommand("ffmpeg -v error -y -i " + shq(shortClip) + " -vf 'select=eq(n\\,10)' -frames:v 1 " + shq(frame) + " 2>&1", &rc);
    ASSERT_EQ(rc, 0);
    log = runCommand(env + shq(pasticheBinary()) + " stylize " + shq(frame) + " -o " + shq(still) + common + " 2>&1", &rc);
    ASSERT_EQ(rc, 0) << log;
    runCommand("ffmpeg -v error -y -i " + shq(video) + " -vf 'select=eq(n\\,10)' -frames:v 1 " + shq(fromVideo) + " 2>&1", &rc);
    ASSERT_EQ(rc, 0);
    auto a = readImage(still), b = readImage(fromVideo);
    ASSERT_TRUE(a && b);
    const double db = psnr8(a.value(), b.value());
    std::printf("frame 10 of the lossless 4:4:4 video vs the stylized still: %.1f dB\n", db);
    EXPECT_GE(db, 45.0);
}

}  // namespace
}  // namespace pastiche::test
