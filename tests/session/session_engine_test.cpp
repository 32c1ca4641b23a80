// The session engine driven directly, as the desktop app drives it: a file played in real time
// and recorded part-way (audio in sync with the picture), stills, file mode.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <set>
#include <thread>

#include "app/core/image_io.h"
#include "app/core/style_source.h"
#include "app/session/callback_consumer.h"
#include "app/session/recorder.h"
#include "app/session/session.h"
#include "session_test_util.h"

namespace pastiche::test {
namespace {

using namespace std::chrono_literals;

StyleVector udnieVector() {
    StyleVectorSource vectors(modelsDir());
    auto v = vectors.fromImageFile(sharedDir() + "/media/styles/udnie.jpg");
    EXPECT_TRUE(v) << v.status().message();
    return v ? v.value() : StyleVector{};
}

session::SessionOptions options(session::SessionMode mode, double strength, int shortSide) {
    session::SessionOptions o;
    o.mode = mode;
    o.modelsDir = modelsDir();
    o.openSource = [](const SourceSpec& s) { return openSource(s); };
    o.writeImage = [](const std::string& path, const Image8& image) { return writeImage(path, image); };
    o.initial.mix.style = udnieVector();
    o.initial.mix.strength = strength;
    o.initial.processingSize.mode = SizeSpec::Mode::ShortSide;
    o.initial.processingSize.shortSide = shortSide;
    o.initial.backend.choice = BackendSpec::Choice::Cpu;
    o.warmUpBackendSwitch = false;
    return o;
}

// Times (s) where a signal rises above threshold after at least `gap` below it.
std::vector<double> onsets(const std::vector<double>& values, double rate, double threshold, double gap) {
    std::vector<double> out;
    double lastAbove = -1e9;
    for (size_t i = 0; i < values.size(); ++i) {
        const double t = double(i) / rate;
        if (values[i] > threshold) {
            if (t - lastAbove > gap) out.push_back(t);
            lastAbove = t;
        }
    }
    return out;
}

std::vector<double> frameBrightness(const std::string& path, double& fps) {
    fps = parseRate(probeField(path, "v:0", "r_frame_rate"));
    const std::string raw = runCommand("ffmpeg -v error -i " + shq(path) + " -vf scale=32:18,format=gray -f rawvideo - 2>/dev/null");
    std::vector<double> means;
    for (size_t off = 0; off + 576 <= raw.size(); off += 576) {
        double sum = 0;
        for (size_t i = 0; i < 576; ++i) sum += static_cast<unsigned char>(raw[off + i]);
        means.push_back(sum / 576);
    }
    return means;
}

std::vector<double> audioLevel(const std::string& path, double rate) {
    const std::string raw = runCommand("ffmpeg -v error -i " + shq(path) + " -vn -ac 1 -ar " + std::to_string(int(rate)) +
                                       " -f s16le - 2>/dev/null");
    std::vector<double> level(raw.size() / 2);
    for (size_t i = 0; i < level.size(); ++i) {
        int16_t s;
        std::memcpy(&s, raw.data() + 2 * i, 2);
        level[i] = std::abs(double(s)) / 32768.0;
    }
    return level;
}

TEST(SessionEngineRealtime, RecordingPartWayThroughAFileKeepsItsSoundInSync) {
    const auto dir = makeTempDir("avsync");
    const std::string clip = (dir / "flash_beep.mp4").string(), out = (dir / "rec.mp4").string();
    // White flashes and 1 kHz beeps at the same instants.
    const std::string when = "between(t,1.5,1.6)+between(t,3,3.1)+between(t,4.5,4.6)";
    int rc = 0;
    runCommand("ffmpeg -v error -y -f lavfi -i \"color=c=black:s=320x180:r=30:d=6,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:"
               "enable='" + when + "'\" -f lavfi -i \"aevalsrc='0.8*sin(2*PI*1000*t)*(" + when + ")':s=48000:d=6\" "
               "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest " + shq(clip) + " 2>&1",
               &rc);
    ASSERT_EQ(rc, 0);

    std::mutex m;
    std::condition_variable cv;
    bool ended = false;
    int64_t frames = 0;
    Status recordStatus = Status::error("not stopped");
    session::SessionCallbacks cb;
    cb.sourceEnded = [&] {
        std::lock_guard lock(m);
        ended = true;
        cv.notify_all();
    };
    cb.recordingStopped = [&](const std::string&, int64_t n, const Status& st) {
        std::lock_guard lock(m);
        frames = n;
        recordStatus = st;
        cv.notify_all();
    };
    // Strength 0 is the original picture: the flashes stay flashes whatever the style.
    std::atomic<int64_t> shown{0};  // outlives the session, whose thread counts into it
    session::Session s(options(session::SessionMode::Live, 0.0, 96), std::move(cb));
    ASSERT_TRUE(s.prepareEngine().isOk());
    s.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame&) { ++shown; }));
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = clip;
    s.openSource(spec);
    // Start recording part-way: the audio must start at the same moment of the file.
    for (int i = 0; i < 500 && shown < 20; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_GE(shown.load(), 20);
    session::RecorderOptions ro;
    ro.path = out;
    s.startRecording(ro);
    {
        std::unique_lock lock(m);
        ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return ended; }));
    }
    std::this_thread::sleep_for(300ms);
    s.stopRecording();
    s.waitForRecordings();
    ASSERT_TRUE(recordStatus.isOk()) << recordStatus.message();
    ASSERT_GT(frames, 60);

    double fps = 0;
    const std::vector<double> brightness = frameBrightness(out, fps);
    ASSERT_NEAR(fps, 30.0, 0.01);
    const auto flashes = onsets(brightness, fps, 128, 0.3);
    const auto beeps = onsets(audioLevel(out, 8000), 8000, 0.3, 0.3);
    ASSERT_GE(flashes.size(), 2u) << "flashes seen: " << flashes.size();
    ASSERT_EQ(flashes.size(), beeps.size());
    for (size_t i = 0; i < flashes.size(); ++i) {
        std::printf("flash %zu at %.3f s, beep at %.3f s: A/V offset %+.0f ms\n", i, flashes[i], beeps[i],
                    (beeps[i] - flashes[i]) * 1e3);
        // A frame shows for 33 ms; the beep starts within the flash frame's own slot or 40 ms of it.
        EXPECT_NEAR(beeps[i], flashes[i], 0.040) << "flash " << i;
    }
    // The flashes are 1.5 s apart in the file and in the recording.
    EXPECT_NEAR(flashes[1] - flashes[0], 1.5, 0.05);
}

TEST(SessionEngine, EveryStillRequestIsSavedUnderItsOwnName) {
    const auto dir = makeTempDir("stills");
    std::mutex m;
    std::vector<std::string> saved;
    session::SessionCallbacks cb;
    cb.stillSaved = [&](const std::string& p) {
        std::lock_guard lock(m);
        saved.push_back(p);
    };
    std::atomic<int64_t> shown{0};  // outlives the session, whose thread counts into it
    session::Session s(options(session::SessionMode::Live, 1.0, 64), std::move(cb));
    s.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame&) { ++shown; }));
    SourceSpec spec;
    spec.kind = SourceKind::TestPattern;
    spec.width = 320;
    spec.height = 180;
    s.openSource(spec);
    for (int i = 0; i < 1000 && shown < 3; ++i) std::this_thread::sleep_for(10ms);
    const std::string path = (dir / "still.png").string();
    for (int i = 0; i < 5; ++i) {  // five presses within a fraction of a second, one name
        s.captureStill(path, session::StillSize::Output);
        std::this_thread::sleep_for(30ms);
    }
    for (int i = 0; i < 1000; ++i) {
        {
            std::lock_guard lock(m);
            if (saved.size() == 5) break;
        }
        std::this_thread::sleep_for(10ms);
    }
    std::lock_guard lock(m);
    ASSERT_EQ(saved.size(), 5u);
    std::set<std::string> unique(saved.begin(), saved.end());
    EXPECT_EQ(unique.size(), 5u);
    for (const auto& p : saved) {
        auto image = readImage(p);
        ASSERT_TRUE(image) << image.status().message();
        EXPECT_EQ(image.value().width, 320);  // the output size: the source's
        EXPECT_EQ(image.value().height, 180);
    }
}

TEST(SessionEngine, FileModeDeliversEveryFrameInOrder) {
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = sharedDir() + "/media/content/stata_pan_720p.mp4";
    std::vector<int64_t> indices;
    auto o = options(session::SessionMode::File, 1.0, 64);
    // Output at the processing size: the order of frames is the point here, and a guided upscale
    // of 240 frames to 720p costs minutes under the sanitizers.
    o.initial.outputSize = o.initial.processingSize;
    session::Session s(o, {});
    s.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame& f) {
        EXPECT_TRUE(f.isStylized);
        indices.push_back(f.index);
    }));
    s.openSource(spec);
    ASSERT_TRUE(s.waitUntilEnded().isOk());
    auto probe = openSource(spec);
    ASSERT_TRUE(probe);
    ASSERT_GT(indices.size(), 200u);
    EXPECT_EQ(int64_t(indices.size()), probe.value()->info().frameCount);
    for (size_t i = 1; i < indices.size(); ++i) ASSERT_EQ(indices[i], indices[i - 1] + 1);
}

}  // namespace
}  // namespace pastiche::test

namespace pastiche::test {
namespace {

// The app plays files in a loop: a recording that spans the end of the clip goes on seamlessly,
// its sound too (the file's audio starts again with each pass), whether the recording starts in
// the first pass or a later one.
TEST(SessionEngineRealtime, RecordingAcrossTheLoopOfAClipLastsAsLongAsRecorded) {
    const auto dir = makeTempDir("loop");
    const std::string clip = (dir / "short.mp4").string();
    int rc = 0;
    runCommand("ffmpeg -v error -y -f lavfi -i testsrc2=size=320x180:rate=30 -f lavfi -i sine=frequency=440 -t 2 "
               "-c:v libx264 -preset ultrafast -c:a aac -shortest " + shq(clip) + " 2>&1",
               &rc);
    ASSERT_EQ(rc, 0);
    for (const int startMs : {1500, 3500}) {  // near the end of the first pass; in the second
        const std::string out = (dir / ("rec" + std::to_string(startMs) + ".mp4")).string();
        std::mutex m;
        std::condition_variable cv;
        bool stopped = false;
        session::SessionCallbacks cb;
        cb.recordingStopped = [&](const std::string&, int64_t, const Status&) {
            std::lock_guard lock(m);
            stopped = true;
            cv.notify_all();
        };
        session::Session s(options(session::SessionMode::Live, 1.0, 64), std::move(cb));
        ASSERT_TRUE(s.prepareEngine().isOk());
        SourceSpec spec;
        spec.kind = SourceKind::VideoFile;
        spec.path = clip;
        spec.loop = true;
        s.openSource(spec);
        std::this_thread::sleep_for(std::chrono::milliseconds(startMs));
        session::RecorderOptions ro;
        ro.path = out;
        s.startRecording(ro);
        const auto t0 = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(3000ms);
        const double recorded = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        s.stopRecording();
        s.waitForRecordings();
        const StreamFacts f = probeVideo(out);
        const double audio = std::atof(
            runCommand("ffprobe -v error -select_streams a:0 -show_entries stream=duration -of csv=p=0 " + shq(out))
                .c_str());
        std::printf("start %d ms, recorded %.3f s across loops: %.3f s, %lld frames, audio %.3f s\n", startMs, recorded,
                    f.duration, (long long)f.frames, audio);
        EXPECT_NEAR(f.duration, recorded, 0.15);
        EXPECT_NEAR(double(f.frames), f.duration * 30, 1.5);
        EXPECT_NEAR(audio, f.duration, 0.1) << "the sound does not last as long as the picture";
    }
}

}  // namespace
}  // namespace pastiche::test

namespace pastiche::test {
namespace {

// Live: a source faster than the stylizer drops frames instead of queueing them, so latency
// stays near one stylize time instead of growing.
TEST(SessionEngineRealtime, LiveKeepsTheNewestFrameAndLatencyBounded) {
    std::vector<int64_t> indices;  // both outlive the session, whose thread fills them
    std::mutex m;
    session::Session s(options(session::SessionMode::Live, 1.0, 360), {});
    ASSERT_TRUE(s.prepareEngine().isOk());
    s.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame& f) {
        std::lock_guard lock(m);
        indices.push_back(f.index);
    }));
    SourceSpec spec;
    spec.kind = SourceKind::TestPattern;
    spec.width = 640;
    spec.height = 360;
    spec.fps = 200;
    s.openSource(spec);
    std::this_thread::sleep_for(3000ms);
    const session::SessionStats st = s.stats();
    s.stop();
    std::lock_guard lock(m);
    std::printf("live: %lld in, %lld out, %lld dropped, stylize %.1f ms, latency %.1f ms\n", (long long)st.framesIn,
                (long long)st.framesOut, (long long)st.dropped, st.stylizeMsAvg, st.latencyMsAvg);
    ASSERT_GT(indices.size(), 5u);
    for (size_t i = 1; i < indices.size(); ++i) EXPECT_GT(indices[i], indices[i - 1]);
    EXPECT_GT(st.dropped, st.framesOut);  // 200 fps in, far fewer stylized
    // At most one frame waits beyond the one being stylized.
    EXPECT_LT(st.latencyMsAvg, 3.0 * st.stylizeMsAvg + 50.0);
}

}  // namespace
}  // namespace pastiche::test
