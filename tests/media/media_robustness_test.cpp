// Damaged and unusual video inputs through the real binary (issue 15): a truncated MKV or TS is
// reported (non-zero exit, one clear line) while the output so far stays playable; a valid AVI
// whose header over-counts frames and two TS files joined with `cat` work; outputs never clobber.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/core/atomic_output.h"
#include "app/media/frame_sink.h"
#include "media_test_util.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

namespace fs = std::filesystem;

std::string modelsDirForTests() {
    const char* env = std::getenv("PASTICHE_MODELS");
    return env && *env ? env : test::modelsDir();
}

bool ready() {
    return fs::exists(PASTICHE_BINARY) && fs::exists(fs::path(modelsDirForTests()) / "style_transfer_f16_384.tflite") &&
           fs::exists(fs::path(modelsDirForTests()) / "style_predict_quantized_256.tflite");
}

std::string q(const std::string& s) { return "'" + s + "'"; }

struct CommandRun {
    int rc = -1;
    std::string out;
};

// A style vector file (no style network run per test).
std::string styleVector(const fs::path& dir) {
    const std::string path = (dir / "style.vec").string();
    std::ofstream f(path);
    for (int i = 0; i < 100; ++i) f << 0.4 * std::sin(i * 0.7) << " ";
    return path;
}

CommandRun stylize(const fs::path& dir, const std::string& input, const std::string& output, const std::string& size = "64",
                   const std::string& extra = {}) {
    CommandRun r;
    r.out = test::runCommand("PASTICHE_MODELS=" + q(modelsDirForTests()) + " " + q(PASTICHE_BINARY) + " stylize " + q(input) +
                                 " -o " + q(output) + " --style-vector " + q(styleVector(dir)) + " --size " + size + " --backend cpu " +
                                 extra + " 2>&1",
                             &r.rc);
    return r;
}

// Seconds of each stream as ffprobe reads them, and whether ffmpeg decodes the file cleanly.
struct Probe {
    double video = 0, audio = 0;
    bool decodesCleanly = false;
};

Probe probe(const std::string& path) {
    Probe p;
    std::istringstream in(test::runCommand("ffprobe -v error -show_entries stream=codec_type,duration -of csv=p=0 " + q(path)));
    std::string line;
    while (std::getline(in, line)) {
        const auto comma = line.find(',');
        if (comma == std::string::npos) continue;
        const double seconds = std::atof(line.c_str() + comma + 1);
        if (line.compare(0, comma, "video") == 0) p.video = seconds;
        if (line.compare(0, comma, "audio") == 0) p.audio = seconds;
    }
    int rc = -1;
    const std::string errors = test::runCommand("ffmpeg -v error -i " + q(path) + " -f null - 2>&1", &rc);
    p.decodesCleanly = rc == 0 && errors.empty();
    return p;
}

void makeClip(const fs::path& path, const std::string& codecs, double seconds) {
    int rc = -1;
    const std::string log = test::runCommand(
        "ffmpeg -v error -y -f lavfi -i testsrc=size=96x64:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 -t " +
            std::to_string(seconds) + " " + codecs + " " + q(path.string()) + " 2>&1",
        &rc);
    ASSERT_EQ(rc, 0) << log;
}

void writeFile(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string readText(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void truncateCopy(const fs::path& from, const fs::path& to, double fraction) {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    fs::resize_file(to, uintmax_t(double(fs::file_size(from)) * fraction));
}

class MediaRobustness : public ::testing::Test {
protected:
    void SetUp() override {
        if (!ready()) GTEST_SKIP() << "needs the pastiche binary and fetched models";
        dir_ = test::makeTempDir("robust-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    }
    void TearDown() override {
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

TEST_F(MediaRobustness, TruncatedMkvIsReportedAndTheOutputSoFarPlays) {
    makeClip(path("clip.mkv"), "-c:v libx264 -preset ultrafast -g 25 -c:a aac", 4.0);
    for (double fraction : {0.1, 0.5, 0.9}) {
        SCOPED_TRACE("MKV cut at " + std::to_string(fraction));
        truncateCopy(path("clip.mkv"), path("cut.mkv"), fraction);
        const CommandRun r = stylize(dir_, path("cut.mkv"), path("out.mp4"));  // before: rc 0, no message
        EXPECT_NE(r.rc, 0) << r.out;
        EXPECT_LT(r.rc, 128) << r.out;
        EXPECT_NE(r.out.find("pastiche: error: "), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("cut short"), std::string::npos) << r.out;
        ASSERT_TRUE(fs::exists(path("out.mp4"))) << r.out;
        const Probe p = probe(path("out.mp4"));
        EXPECT_TRUE(p.decodesCleanly);
        EXPECT_GT(p.video, 0.0);
        EXPECT_LT(p.video, 4.0 * fraction + 0.3);
        fs::remove(path("out.mp4"));
    }
    // The whole file: no error.
    const CommandRun whole = stylize(dir_, path("clip.mkv"), path("whole.mp4"));
    EXPECT_EQ(whole.rc, 0) << whole.out;
}

TEST_F(MediaRobustness, TruncatedTsIsReported) {
    makeClip(path("clip.ts"), "-c:v libx264 -preset ultrafast -g 25 -c:a aac -f mpegts", 4.0);
    truncateCopy(path("clip.ts"), path("cut.ts"), 0.9);
    const CommandRun r = stylize(dir_, path("cut.ts"), path("out.mp4"));
    EXPECT_NE(r.rc, 0) << r.out;
    EXPECT_LT(r.rc, 128) << r.out;
    EXPECT_NE(r.out.find("cut short"), std::string::npos) << r.out;
    ASSERT_TRUE(fs::exists(path("out.mp4")));
    EXPECT_TRUE(probe(path("out.mp4")).decodesCleanly);
}

TEST_F(MediaRobustness, JoinedTsFilesKeepAudioAndVideoMonotonicAndInStep) {
    makeClip(path("a.ts"), "-c:v libx264 -preset ultrafast -g 25 -c:a aac -f mpegts", 2.0);
    int rc = -1;
    test::runCommand("cat " + q(path("a.ts")) + " " + q(path("a.ts")) + " > " + q(path("joined.ts")), &rc);
    ASSERT_EQ(rc, 0);
    // Before: "writing audio failed: Invalid argument" at the join.
    const CommandRun r = stylize(dir_, path("joined.ts"), path("out.mp4"));
    ASSERT_EQ(r.rc, 0) << r.out;
    const Probe p = probe(path("out.mp4"));
    EXPECT_TRUE(p.decodesCleanly);
    EXPECT_NEAR(p.video, 4.0, 0.2);  // both halves, end to end (not squeezed into one tick)
    EXPECT_NEAR(p.audio, 4.0, 0.2);
    EXPECT_NEAR(p.audio, p.video, 0.15);
    // Timestamps strictly increase in both tracks.
    for (const char* stream : {"v", "a"}) {
        std::istringstream in(test::runCommand("ffprobe -v error -select_streams " + std::string(stream) +
                                               " -show_entries packet=dts_time -of csv=p=0 " + q(path("out.mp4"))));
        double last = -1e9, t = 0;
        int n = 0;
        while (in >> t) {
            EXPECT_GT(t, last) << stream << " packet " << n;
            last = t;
            ++n;
        }
        EXPECT_GT(n, 20) << stream;
    }
}

TEST_F(MediaRobustness, AviFrameCountInTheHeaderIsOnlyAHint) {
    makeClip(path("clip.avi"), "-c:v mpeg4 -c:a libmp3lame", 1.04);
    const CommandRun r = stylize(dir_, path("clip.avi"), path("out.mp4"));  // before: "decoded 25 of 26 frames"
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_TRUE(probe(path("out.mp4")).decodesCleanly);
}

TEST_F(MediaRobustness, VideoOutputExtensionMustNameTheContainer) {
    makeClip(path("clip.mkv"), "-c:v libx264 -preset ultrafast -c:a aac", 0.5);
    for (const char* name : {"out.avi", "out.mkv", "out"}) {
        const CommandRun r = stylize(dir_, path("clip.mkv"), path(name));  // before: MP4 data in out.avi
        EXPECT_EQ(r.rc, 3) << name << ": " << r.out;
        EXPECT_NE(r.out.find(".mp4"), std::string::npos) << r.out;
        EXPECT_FALSE(fs::exists(path(name)));
        EXPECT_FALSE(fs::exists(path(std::string(name) + ".part")));
    }
}

TEST_F(MediaRobustness, VideoOutputThatIsTheInputIsRefused) {
    makeClip(path("clip.mp4"), "-c:v libx264 -preset ultrafast -c:a aac", 0.5);
    const auto size = fs::file_size(path("clip.mp4"));
    fs::create_symlink(path("clip.mp4"), path("link.mp4"));
    for (const char* output : {"clip.mp4", "link.mp4"}) {
        const CommandRun r = stylize(dir_, path("clip.mp4"), path(output));
        EXPECT_EQ(r.rc, 2) << r.out;
        EXPECT_NE(r.out.find("same file"), std::string::npos) << r.out;
    }
    EXPECT_EQ(fs::file_size(path("clip.mp4")), size);
    EXPECT_TRUE(probe(path("clip.mp4")).decodesCleanly);
}

TEST_F(MediaRobustness, FailingVideoJobKeepsAnExistingOutput) {
    makeClip(path("clip.mkv"), "-c:v libx264 -preset ultrafast -c:a aac", 1.0);
    ASSERT_EQ(stylize(dir_, path("clip.mkv"), path("good.mp4")).rc, 0);
    const auto goodSize = fs::file_size(path("good.mp4"));
    // Header only, no frame: before, the sink replaced good.mp4 with a 787-byte stub.
    truncateCopy(path("clip.mkv"), path("empty.mkv"), 0.02);
    const CommandRun r = stylize(dir_, path("empty.mkv"), path("good.mp4"));
    EXPECT_NE(r.rc, 0) << r.out;
    EXPECT_EQ(fs::file_size(path("good.mp4")), goodSize) << r.out;
    EXPECT_FALSE(fs::exists(path("good.mp4.part")));
    EXPECT_TRUE(probe(path("good.mp4")).decodesCleanly);
}

TEST_F(MediaRobustness, SecondWriterOfTheSameVideoIsRefused) {
    makeClip(path("clip.mkv"), "-c:v libx264 -preset ultrafast -c:a aac", 4.0);
    // The first job is held still (SIGSTOP) once its .part is locked, so the second one meets a writer
    // for certain, however fast or slow (sanitizers) the machine is; then it is let go to finish.
    // A wrapper records the first job's pid, which std::thread's command cannot tell.
    writeFile(path("first.sh"), "echo $$ > \"$0.pid\"\nexec \"$@\"\n");
    CommandRun first;
    std::thread firstJob([&] {
        first.out =
            test::runCommand("PASTICHE_MODELS=" + q(modelsDirForTests()) + " sh " + q(path("first.sh")) + " " +
                                 q(PASTICHE_BINARY) + " stylize " + q(path("clip.mkv")) + " -o " + q(path("same.mp4")) +
                                 " --style-vector " + q(styleVector(dir_)) + " --size 96 --backend cpu 2>&1",
                             &first.rc);
    });
    bool held = false;
    for (int i = 0; i < 20000 && !held; ++i) {
        const std::string pid = readText(path("first.sh.pid"));
        // Locked, not only created: the writer creates its .part and then locks it, and a job
        // stopped between the two would let the second one take the lock.
        if (!pid.empty() && !AtomicOutput::checkNotLocked(path("same.mp4")))
            held = ::kill(std::stoi(pid), SIGSTOP) == 0;
        else
            ::usleep(1000);
    }
    CommandRun second;
    if (held) {
        second = stylize(dir_, path("clip.mkv"), path("same.mp4"));
        ::kill(std::stoi(readText(path("first.sh.pid"))), SIGCONT);
    }
    firstJob.join();
    ASSERT_TRUE(held) << "the first job never showed its .part: " << first.out;
    EXPECT_EQ(first.rc, 0) << first.out;
    EXPECT_EQ(second.rc, 5) << second.out;  // before: both exit 0, the file a mix of both
    EXPECT_NE(second.out.find("another pastiche process"), std::string::npos) << second.out;
    const Probe p = probe(path("same.mp4"));
    EXPECT_TRUE(p.decodesCleanly);
    EXPECT_NEAR(p.video, 4.0, 0.2);
}

TEST_F(MediaRobustness, SigkillDuringStylizeNeverCorruptsTheOutputPath) {
    makeClip(path("clip.mkv"), "-c:v libx264 -preset ultrafast -g 10 -c:a aac", 6.0);
    writeFile(path("out.mp4"), "the previous output");
    int rc = -1;
    const std::string pid = test::runCommand(
        "PASTICHE_MODELS=" + q(modelsDirForTests()) + " sh -c 'exec \"$0\" \"$@\"' " + q(PASTICHE_BINARY) + " stylize " +
            q(path("clip.mkv")) + " -o " + q(path("out.mp4")) + " --style-vector " + q(styleVector(dir_)) +
            " --size 256 --backend cpu --preset slower >/dev/null 2>&1 & echo $!",
        &rc);
    ASSERT_EQ(rc, 0);
    // Kill once some fragments are on disk.
    for (int i = 0; i < 600; ++i) {
        std::error_code ec;
        if (fs::file_size(path("out.mp4.part"), ec) > 20000 && !ec) break;
        ::usleep(20000);
    }
    test::runCommand("kill -9 " + pid);
    ::usleep(300000);
    EXPECT_EQ(readText(path("out.mp4")), "the previous output");  // the old file, untouched
    ASSERT_TRUE(fs::exists(path("out.mp4.part")));
    EXPECT_TRUE(probe(path("out.mp4.part")).video > 0.0);  // the partial result plays
    // The next run reports the leftover and replaces it.
    const CommandRun again = stylize(dir_, path("clip.mkv"), path("out.mp4"));
    EXPECT_EQ(again.rc, 0) << again.out;
    EXPECT_NE(again.out.find("left by an interrupted run"), std::string::npos) << again.out;
    EXPECT_FALSE(fs::exists(path("out.mp4.part")));
    EXPECT_TRUE(probe(path("out.mp4")).decodesCleanly);
}

// The sink on its own (no models needed): a disk that fills up part-way never replaces an existing
// output; the playable fragments so far are kept beside it as NAME.part.
TEST(MediaSinkOutput, DiskFullKeepsTheExistingFileAndThePartialPart) {
    const fs::path dir = test::makeTempDir("sink-full");
    const std::string out = (dir / "take.mp4").string();
    writeFile(out, "yesterday's good take");
    VideoSinkOptions so;
    so.path = out;
    so.width = 160;
    so.height = 96;
    so.fps = 25;
    so.preset = "ultrafast";
    so.simulateDiskFullAfterBytes = 60000;
    auto sink = openVideoSink(so);
    ASSERT_TRUE(sink) << sink.status().message();
    Frame frame;
    frame.image = Image8(160, 96);
    Status st;
    for (int i = 0; i < 500 && st; ++i) {
        for (size_t p = 0; p < frame.image.pixels.size(); ++p) frame.image.pixels[p] = uint8_t((p * 7 + size_t(i) * 13 + p / 480) & 0xff);
        frame.ptsMicros = int64_t(i) * 40000;
        st = sink.value()->write(frame);
    }
    ASSERT_FALSE(st) << "the simulated disk never filled up";
    EXPECT_EQ(st.code(), StatusCode::Io);
    EXPECT_NE(st.message().find("take.mp4.part"), std::string::npos) << st.message();
    (void)sink.value()->finish();
    sink.value().reset();  // closes the file
    EXPECT_EQ(readText(out), "yesterday's good take");
    ASSERT_TRUE(fs::exists(out + ".part"));
    EXPECT_GT(probe(out + ".part").video, 0.0);
    fs::remove_all(dir);
}

// A job that opens its output and then fails before the first frame (before: the sink truncated
// the final path at open, leaving a 787-byte stub in place of the user's file).
TEST(MediaSinkOutput, NoFrameWrittenLeavesTheExistingFileAlone) {
    const fs::path dir = test::makeTempDir("sink-empty");
    const std::string out = (dir / "take.mp4").string();
    writeFile(out, "yesterday's good take");
    VideoSinkOptions so;
    so.path = out;
    so.width = 64;
    so.height = 48;
    so.preset = "ultrafast";
    auto sink = openVideoSink(so);
    ASSERT_TRUE(sink) << sink.status().message();
    EXPECT_EQ(readText(out), "yesterday's good take");  // nothing touched while the job runs
    const Status st = sink.value()->finish();
    EXPECT_FALSE(st.isOk());
    sink.value().reset();
    EXPECT_EQ(readText(out), "yesterday's good take");
    EXPECT_FALSE(fs::exists(out + ".part"));
    fs::remove_all(dir);
}

}  // namespace
}  // namespace pastiche
