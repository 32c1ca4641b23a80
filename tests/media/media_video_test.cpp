// Video files end to end: clips generated with the ffmpeg CLI, run through our decoder, the
// pipeline (colour invert as the stylize stage) and our MP4 sink, then checked with our decoder
// and ffprobe.
#include <gtest/gtest.h>

#include <sys/mount.h>

#include <cmath>
#include <fstream>

#include "transcode_harness.h"
#include "media_test_util.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

namespace fs = std::filesystem;

Status invert(const Frame& in, Frame& out) {
    out.image = in.image;
    for (auto& p : out.image.pixels) p = uint8_t(255 - p);
    return {};
}

class MediaVideo : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = test::makeTempDir("video");
        const std::string q = " -v error -y ";
        // 641x361 at 29.97 fps, 3 s, with 48 kHz AAC; faststart so a cut file still opens.
        ffmpeg(q + "-f lavfi -i testsrc=size=641x361:rate=30000/1001 -f lavfi -i sine=frequency=440:sample_rate=48000 "
                   "-t 3 -c:v libx264 -preset ultrafast -pix_fmt yuv444p -c:a aac -movflags +faststart " + path("cfr.mp4"));
        // Variable frame rate: alternating 20 ms / 50 ms frame durations, millisecond timestamps.
        ffmpeg(q + "-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine=frequency=300:sample_rate=44100 -t 2 "
                   "-vf \"settb=1/1000,setpts='(floor(N/2)*0.07+mod(N\\,2)*0.02)/TB'\" -fps_mode vfr "
                   "-enc_time_base 1/1000 -c:v libx264 -preset ultrafast -c:a aac -video_track_timescale 1000 " +
               path("vfr.mp4"));
        // PCM audio (not allowed in MP4 by this libavformat): must be re-encoded to AAC.
        ffmpeg(q + "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=frequency=500:sample_rate=44100 -t 2 "
                   "-c:v libx264 -preset ultrafast -c:a pcm_s16le " + path("pcm.mkv"));
        // Rotation metadata (display matrix, 90 degrees) on a 96x48 clip.
        ffmpeg(q + "-f lavfi -i testsrc2=size=96x48:rate=10 -t 1 -c:v libx264 -preset ultrafast " + path("flat.mp4"));
        ffmpeg(q + "-i " + path("flat.mp4") + " -c copy -metadata:s:v:0 rotate=90 " + path("rotated.mp4"));
    }
    static void TearDownTestSuite() {
        if (!std::getenv("PASTICHE_KEEP_TEST_FILES")) fs::remove_all(dir_);
    }

    static void ffmpeg(const std::string& args) {
        int rc = 0;
        std::string out = test::runCommand("ffmpeg" + args + " 2>&1", &rc);
        ASSERT_EQ(rc, 0) << "ffmpeg" << args << "\n" << out;
    }
    static std::string path(const std::string& name) { return (dir_ / name).string(); }

    // Stylizes `input` into `output` with the invert stage, audio carried from the input.
    static test::TranscodeResult stylizeFile(const std::string& input, const std::string& output,
                                             int64_t* framesWritten = nullptr, const std::string& preset = "ultrafast") {
        SourceSpec spec;
        spec.kind = SourceKind::VideoFile;
        spec.path = input;
        auto source = openSource(spec);
        EXPECT_TRUE(source) << source.status().message();
        if (!source) return {{}, source.status()};
        const SourceInfo& info = source.value()->info();
        VideoSinkOptions so;
        so.path = output;
        so.width = info.width;
        so.height = info.height;
        so.fps = info.fps;
        so.preset = preset;
        so.audioFrom = info.hasAudio ? input : "";
        auto sink = openVideoSink(so);
        EXPECT_TRUE(sink) << sink.status().message();
        if (!sink) return {{}, sink.status()};
        auto r = test::transcode(*source.value(), invert, sink.value().get());
        if (framesWritten) *framesWritten = sink.value()->framesWritten();
        return r;
    }

    static inline fs::path dir_;
};

TEST_F(MediaVideo, OddSizeClipKeepsFramesDurationSizeAndAudio) {
    const std::string out = path("cfr_out.mp4");
    auto r = stylizeFile(path("cfr.mp4"), out, nullptr, "veryfast");  // the CLI's default preset
    ASSERT_TRUE(r.status) << r.status.message();
    auto in = test::decodeAll(path("cfr.mp4"), true);
    auto dec = test::decodeAll(out, true);
    ASSERT_EQ(in.end, ReadStatus::EndOfStream) << in.error;
    ASSERT_EQ(dec.end, ReadStatus::EndOfStream) << dec.error;
    EXPECT_EQ(in.width, 641);
    EXPECT_EQ(in.height, 361);
    EXPECT_EQ(in.pts.size(), 90u);
    EXPECT_EQ(dec.pts.size(), in.pts.size());
    EXPECT_EQ(r.stats.framesOut, int64_t(in.pts.size()));
    EXPECT_LE(std::abs(dec.width - 641), 1);
    EXPECT_LE(std::abs(dec.height - 361), 1);
    // Aspect within one pixel: scale the output to the input height, compare widths.
    EXPECT_LE(std::abs(dec.width * 361.0 / dec.height - 641.0), 1.0);
    const double frame = 1001.0 / 30000.0 * 1e6;
    ASSERT_FALSE(dec.pts.empty());
    EXPECT_NEAR(double(dec.pts.back()), double(in.pts.back()), frame);
    EXPECT_NEAR(double(dec.pts.front()), double(in.pts.front()), frame);
    // Not shifted at all (an encoder reorder delay must not move the track).
    EXPECT_NEAR(test::firstPacketSeconds(out, "v:0"), 0.0, 0.001);
    EXPECT_NEAR(test::firstPacketSeconds(out, "a:0"), 0.0, 0.001);
    // Audio: present, same length within 50 ms.
    double inAudio = test::audioSpanSeconds(path("cfr.mp4")), outAudio = test::audioSpanSeconds(out);
    ASSERT_GT(inAudio, 2.9);
    EXPECT_NEAR(outAudio, inAudio, 0.05);
    EXPECT_EQ(test::probeField(out, "a:0", "codec_name"), "aac");
    EXPECT_EQ(test::probeField(out, "v:0", "codec_name"), "h264");
    // The pixels are the input's, inverted (crop the 1-pixel padding for the comparison).
    Image8 expected = in.middle, got(in.middle.width, in.middle.height);
    for (auto& p : expected.pixels) p = uint8_t(255 - p);
    for (int y = 0; y < got.height; ++y)
        std::copy_n(&dec.middle.pixels[size_t(y) * dec.middle.width * 3], size_t(got.width) * 3,
                    &got.pixels[size_t(y) * got.width * 3]);
    // ffmpeg's own rgb24 -> negate -> x264 crf 20 yuv420p pipeline reaches 25.7 dB on this clip
    // (4:2:0 chroma on testsrc's sharp colour edges); a wrong colour matrix, a flip or a shift
    // would be far below.
    EXPECT_GT(test::psnr8(expected, got), 25.0);
}

TEST_F(MediaVideo, VariableFrameRateTimestampsSurvive) {
    auto in = test::decodeAll(path("vfr.mp4"));
    ASSERT_EQ(in.end, ReadStatus::EndOfStream) << in.error;
    ASSERT_GT(in.pts.size(), 40u);
    // The input really is VFR: 20 ms and 50 ms gaps.
    EXPECT_NEAR(double(in.pts[1] - in.pts[0]), 20000, 1000);
    EXPECT_NEAR(double(in.pts[2] - in.pts[1]), 50000, 1000);
    const std::string out = path("vfr_out.mp4");
    auto r = stylizeFile(path("vfr.mp4"), out);
    ASSERT_TRUE(r.status) << r.status.message();
    auto dec = test::decodeAll(out);
    ASSERT_EQ(dec.pts.size(), in.pts.size());
    for (size_t i = 0; i < in.pts.size(); ++i) EXPECT_NEAR(double(dec.pts[i]), double(in.pts[i]), 1000) << "frame " << i;
    EXPECT_NEAR(test::audioSpanSeconds(out), test::audioSpanSeconds(path("vfr.mp4")), 0.05);
}

TEST_F(MediaVideo, PcmAudioIsReencodedToAac) {
    const std::string out = path("pcm_out.mp4");
    auto r = stylizeFile(path("pcm.mkv"), out);
    ASSERT_TRUE(r.status) << r.status.message();
    EXPECT_EQ(test::probeField(out, "a:0", "codec_name"), "aac");
    EXPECT_NEAR(test::audioSpanSeconds(out), 2.0, 0.05);
    EXPECT_EQ(test::decodeAll(out).pts.size(), 50u);
}

TEST_F(MediaVideo, RotationMetadataIsHonoured) {
    auto flat = test::decodeAll(path("flat.mp4"));
    auto rot = test::decodeAll(path("rotated.mp4"));
    ASSERT_EQ(flat.width, 96);
    EXPECT_EQ(rot.width, 48);
    EXPECT_EQ(rot.height, 96);
    // Ground truth: ffmpeg's own autorotation of the same file.
    int rc = 0;
    std::string raw = test::runCommand("ffmpeg -v error -i '" + path("rotated.mp4") +
                                           "' -frames:v 1 -f rawvideo -pix_fmt rgb24 - 2>/dev/null", &rc);
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(raw.size(), size_t(48 * 96 * 3));
    Image8 ref(48, 96);
    std::copy(raw.begin(), raw.end(), ref.pixels.begin());
    // The other direction is ref turned by 180 degrees; ours must match ref, not that.
    Image8 opposite = ref;
    for (size_t p = 0; p < ref.pixels.size() / 3; ++p)
        std::copy_n(&ref.pixels[(ref.pixels.size() / 3 - 1 - p) * 3], 3, &opposite.pixels[p * 3]);
    const double right = test::psnr8(ref, rot.first), wrong = test::psnr8(opposite, rot.first);
    EXPECT_GT(right, 25.0);  // ffmpeg converts colours with a different sws path: not bit-exact
    EXPECT_GT(right, wrong + 6.0) << "rotated the wrong way?";
}

TEST_F(MediaVideo, TruncatedInputGivesPartialPlayableOutputAndClearError) {
    const std::string cut = path("cut.mp4");
    {
        std::ifstream f(path("cfr.mp4"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(f)), {});
        std::ofstream o(cut, std::ios::binary);
        o.write(bytes.data(), std::streamsize(bytes.size() * 6 / 10));
    }
    const std::string out = path("cut_out.mp4");
    int64_t written = 0;
    auto r = stylizeFile(cut, out, &written);
    ASSERT_FALSE(r.status) << "a truncated file must be reported";
    std::printf("truncated input: %s\n", r.status.message().c_str());
    EXPECT_NE(r.status.message().find("cut.mp4"), std::string::npos) << r.status.message();
    EXPECT_NE(r.status.message().find("truncated"), std::string::npos) << r.status.message();
    EXPECT_GT(r.stats.framesOut, 20);
    EXPECT_LT(r.stats.framesOut, 90);
    auto dec = test::decodeAll(out);
    EXPECT_EQ(dec.end, ReadStatus::EndOfStream) << dec.error;
    EXPECT_EQ(int64_t(dec.pts.size()), r.stats.framesOut);
    EXPECT_EQ(written, r.stats.framesOut);
    // After the error, a seek (GUI) plays the good part again.
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = cut;
    auto src = openSource(spec);
    ASSERT_TRUE(src);
    Frame f;
    while (src.value()->read(f) == ReadStatus::Frame) {
    }
    ASSERT_TRUE(src.value()->seek(0));
    EXPECT_EQ(src.value()->read(f), ReadStatus::Frame);
    EXPECT_NEAR(double(f.ptsMicros), 0.0, 1000);
}

TEST_F(MediaVideo, CorruptedMiddleDeliversWhatDecodesThenReportsIt) {
    const std::string bad = path("bad.mp4");
    {
        std::ifstream f(path("cfr.mp4"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(f)), {});
        for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 3000; i += 3) bytes[i] = char(bytes[i] ^ 0x5a);
        std::ofstream o(bad, std::ios::binary);
        o.write(bytes.data(), std::streamsize(bytes.size()));
    }
    const std::string out = path("bad_out.mp4");
    auto r = stylizeFile(bad, out);
    ASSERT_FALSE(r.status) << "damage must be reported";
    std::printf("corrupted input: %s\n", r.status.message().c_str());
    EXPECT_NE(r.status.message().find("bad.mp4"), std::string::npos) << r.status.message();
    EXPECT_NE(r.status.message().find("corrupt"), std::string::npos) << r.status.message();
    EXPECT_GT(r.stats.framesOut, 80);  // frames after the damage still come through
    auto dec = test::decodeAll(out);
    EXPECT_EQ(dec.end, ReadStatus::EndOfStream) << dec.error;
    EXPECT_EQ(int64_t(dec.pts.size()), r.stats.framesOut);
}

TEST_F(MediaVideo, AdtsAacFromMpegTsIsCopiedIntoMp4) {
    const std::string ts = path("clip.ts"), out = path("ts_out.mp4");
    ffmpeg(" -v error -y -i " + path("cfr.mp4") + " -c copy " + ts);
    auto r = stylizeFile(ts, out);
    ASSERT_TRUE(r.status) << r.status.message();
    EXPECT_EQ(test::probeField(out, "a:0", "codec_name"), "aac");
    EXPECT_NEAR(test::audioSpanSeconds(out), test::audioSpanSeconds(path("cfr.mp4")), 0.05);
    EXPECT_EQ(r.stats.framesOut, 90);
    // The audio decodes (a wrong AudioSpecificConfig would not).
    int rc = 0;
    std::string errors = test::runCommand("ffmpeg -v error -i '" + out + "' -map 0:a -f null - 2>&1", &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_TRUE(errors.empty()) << errors;
}

// Writes noisy test-pattern frames until the sink fails; checks the error and that the file so
// far plays (our decoder and ffprobe).
void expectDiskFullLeavesPlayableFile(VideoSinkOptions so) {
    SourceSpec spec;
    spec.width = 320;
    spec.height = 180;
    spec.fps = 10;  // a keyframe (so a finished fragment) every 20 frames
    auto source = openSource(spec);
    so.width = 320;
    so.height = 180;
    so.crf = 12;  // big noisy frames fill the disk within a few fragments
    so.preset = "ultrafast";
    so.fps = 10;
    auto sink = openVideoSink(so);
    ASSERT_TRUE(sink) << sink.status().message();
    auto noisy = [](const Frame& in, Frame& out) {  // noise defeats compression
        out.image = in.image;
        uint32_t s = uint32_t(in.index) * 2654435761u + 1;
        for (auto& p : out.image.pixels) {
            s = s * 1664525u + 1013904223u;
            p = uint8_t(p * 7 / 8 + (s >> 27));
        }
        return Status::ok();
    };
    auto r = test::transcode(*source.value(), noisy, sink.value().get(), 900);
    ASSERT_FALSE(r.status) << "expected the disk to fill up";
    EXPECT_NE(r.status.message().find("No space left"), std::string::npos) << r.status.message();
    EXPECT_NE(r.status.message().find("playable"), std::string::npos) << r.status.message();
    auto dec = test::decodeAll(so.path);  // may end with an error about the cut-off fragment
    std::printf("disk full after %lld frames; %zu frames decode from the file\n",
                static_cast<long long>(r.stats.framesOut), dec.pts.size());
    EXPECT_GE(dec.pts.size(), 20u) << dec.error;
    // ffmpeg plays it too.
    std::string n = test::runCommand("ffprobe -v error -select_streams v:0 -count_frames -show_entries "
                                     "stream=nb_read_frames -of csv=p=0 '" + so.path + "' 2>/dev/null");
    EXPECT_GE(std::atoi(n.c_str()), 20) << n;
    EXPECT_LT(int64_t(dec.pts.size()), r.stats.framesIn);
    for (size_t i = 1; i < dec.pts.size(); ++i) EXPECT_NEAR(double(dec.pts[i] - dec.pts[i - 1]), 1e5, 1000);
}

TEST_F(MediaVideo, DiskFullKeepsTheFileSoFarPlayable) {
    VideoSinkOptions so;
    so.path = path("simulated_full.mp4");
    so.simulateDiskFullAfterBytes = 1 << 20;
    expectDiskFullLeavesPlayableFile(so);
}

TEST_F(MediaVideo, RealFullFilesystemKeepsTheFileSoFarPlayable) {
    const fs::path mnt = dir_ / "tiny";
    fs::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0)
        GTEST_SKIP() << "cannot mount a small tmpfs here (needs root); the simulated test covers the logic";
    struct Unmount {
        fs::path p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{mnt};
    VideoSinkOptions so;
    so.path = (mnt / "full.mp4").string();
    expectDiskFullLeavesPlayableFile(so);
}

TEST_F(MediaVideo, EditListTrimIsNotMistakenForTruncation) {
    // A stream-copy cut starting between keyframes: the MP4 holds more samples than it shows.
    const std::string trimmed = path("trimmed.mp4");
    ffmpeg(" -v error -y -ss 1.3 -i " + path("cfr.mp4") + " -t 1 -c copy " + trimmed);
    auto dec = test::decodeAll(trimmed);
    EXPECT_EQ(dec.end, ReadStatus::EndOfStream) << dec.error;
    std::string n = test::runCommand("ffprobe -v error -select_streams v:0 -count_frames -show_entries "
                                     "stream=nb_read_frames -of csv=p=0 '" + trimmed + "' 2>/dev/null");
    EXPECT_EQ(int(dec.pts.size()), std::atoi(n.c_str()));
    ASSERT_FALSE(dec.pts.empty());
    EXPECT_NEAR(double(dec.pts.front()), 0.0, 40000);
}

TEST_F(MediaVideo, SeekAndLoopKeepTimestampsMeaningful) {
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = path("cfr.mp4");
    auto s = openSource(spec);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s.value()->seek(1500000)) << "seek";
    Frame f;
    ASSERT_EQ(s.value()->read(f), ReadStatus::Frame);
    EXPECT_NEAR(double(f.ptsMicros), 1501500.0, 20000);  // frame 45 at 30000/1001 fps
    spec.loop = true;
    spec.path = path("vfr.mp4");
    auto looping = openSource(spec);
    auto once = test::decodeAll(spec.path);
    int64_t last = -1;
    for (size_t i = 0; i < once.pts.size() * 2 + 3; ++i) {
        ASSERT_EQ(looping.value()->read(f), ReadStatus::Frame) << i;
        EXPECT_GT(f.ptsMicros, last) << "frame " << i;
        last = f.ptsMicros;
    }
}

TEST_F(MediaVideo, ScalesToTheRequestedSizeWhileDecoding) {
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = path("cfr.mp4");
    spec.width = 341;
    spec.height = 192;
    auto s = openSource(spec);
    ASSERT_TRUE(s);
    Frame f;
    ASSERT_EQ(s.value()->read(f), ReadStatus::Frame);
    EXPECT_EQ(f.image.width, 341);
    EXPECT_EQ(f.image.height, 192);
}

TEST_F(MediaVideo, CorruptFileIsAClearError) {
    const std::string junk = path("junk.mp4");
    std::ofstream(junk) << "this is not a video";
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = junk;
    auto s = openSource(spec);
    ASSERT_FALSE(s);
    EXPECT_NE(s.status().message().find("junk.mp4"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace pastiche

namespace pastiche {
namespace {

// A forward seek after playback has started lands on the target, not short of it (the skip to the
// target once measured the frame spacing against the pre-seek position).
TEST_F(MediaVideo, ForwardSeekDuringPlaybackLandsOnTarget) {
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = path("cfr.mp4");
    auto s = openSource(spec);
    ASSERT_TRUE(s);
    Frame f;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(s.value()->read(f), ReadStatus::Frame);
    ASSERT_TRUE(s.value()->seek(2400000));
    ASSERT_EQ(s.value()->read(f), ReadStatus::Frame);
    EXPECT_NEAR(double(f.ptsMicros), 2402400.0, 40000);  // frame 72 at 30000/1001 fps
    ASSERT_TRUE(s.value()->seek(600000));  // and back
    ASSERT_EQ(s.value()->read(f), ReadStatus::Frame);
    EXPECT_NEAR(double(f.ptsMicros), 600600.0, 40000);
}

}  // namespace
}  // namespace pastiche

namespace pastiche {
namespace {

// The app plays files in a loop; a seek after the first loop lands on its target too (it used to
// land on 0:00: the loop's timestamp offset made every frame look past the target).
TEST_F(MediaVideo, SeekAfterALoopLandsOnTarget) {
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = path("cfr.mp4");
    spec.loop = true;
    auto s = openSource(spec);
    ASSERT_TRUE(s);
    const int64_t frames = s.value()->info().frameCount;
    ASSERT_GT(frames, 80);
    Frame f;
    for (int64_t i = 0; i < frames + 5; ++i) ASSERT_EQ(s.value()->read(f), ReadStatus::Frame);
    EXPECT_GT(f.ptsMicros, s.value()->info().durationMicros);  // looped: timestamps go on
    ASSERT_TRUE(s.value()->seek(2400000));
    ASSERT_EQ(s.value()->read(f), ReadStatus::Frame);
    EXPECT_NEAR(double(f.ptsMicros), 2402400.0, 40000);
}

}  // namespace
}  // namespace pastiche
