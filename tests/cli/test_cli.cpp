// The `pastiche` CLI as a user runs it: bad input gives one clear line and a non-zero exit, never
// a crash; the image pipeline end to end matches TensorFlow Lite's (style network then transfer
// network) on the same pixels.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/core/image_io.h"
#include "cli/cli_runner.h"
#include "support/test_support.h"

namespace pastiche::test {
namespace {

namespace fs = std::filesystem;

std::string modelsFlag() { return "--models-dir " + quoted(modelsDir()); }

void expectCleanFailure(const CommandResult& r, const std::string& mustContain) {
    EXPECT_GT(r.exitCode, 0) << "expected a non-zero exit, got " << r.exitCode << " signal " << r.signal << "\n" << r.err;
    EXPECT_EQ(r.signal, 0) << "crashed with signal " << r.signal;
    EXPECT_NE(r.err.find("pastiche: error:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(mustContain), std::string::npos) << "stderr lacks '" << mustContain << "':\n" << r.err;
}

TEST(Cli, VersionAndHelp) {
    auto r = runPastiche("--version");
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_NE(r.out.find("pastiche"), std::string::npos);
    for (const char* sub : {"stylize", "style-vector", "bench", "models", "devices"}) {
        auto h = runPastiche(std::string(sub) + " --help");
        EXPECT_EQ(h.exitCode, 0) << sub;
        EXPECT_NE(h.out.find("Usage"), std::string::npos) << sub << ": " << h.out;
    }
}

TEST(Cli, BadArgumentsFailCleanly) {
    expectCleanFailure(runPastiche("stylize"), "INPUT");
    expectCleanFailure(runPastiche("stylize a.png -o b.png --style x.jpg --strength 2 " + modelsFlag()), "strength");
    expectCleanFailure(runPastiche("stylize a.png -o b.png --style x.jpg --size 12x " + modelsFlag()), "--size");
    expectCleanFailure(runPastiche("bench --size banana " + modelsFlag()), "--size");
    expectCleanFailure(runPastiche("stylize a.png -o b.png --style x.jpg --backend gpu9 " + modelsFlag()), "backend");
    expectCleanFailure(runPastiche("no-such-command"), "no-such-command");
}

TEST(Cli, MissingModelsSayHowToFetch) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string empty = makeTempDir("nomodels");
    auto r = runPastiche("stylize " + quoted(goldenPath("content384.png")) + " -o " + quoted(empty + "/o.png") +
                         " --style " + quoted(goldenPath("style256.png")) + " --models-dir " + quoted(empty));
    expectCleanFailure(r, "pastiche models fetch");
    fs::remove_all(empty);
}

TEST(Cli, BadImagesFailCleanly) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string dir = makeTempDir("badimg");
    {
        std::ofstream(dir + "/garbage.png") << "this is not a png at all";
        // A real PNG cut in half.
        std::ifstream src(goldenPath("content384.png"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(src)), {});
        std::ofstream(dir + "/truncated.png", std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 3));
    }
    const std::string style = " --style " + quoted(goldenPath("style256.png")) + " " + modelsFlag();
    expectCleanFailure(runPastiche("stylize " + quoted(dir + "/garbage.png") + " -o " + quoted(dir + "/o.png") + style), "garbage.png");
    auto t = runPastiche("stylize " + quoted(dir + "/truncated.png") + " -o " + quoted(dir + "/o2.png") + style);
    // libpng may recover a truncated image partially; either a clean error or a written image, never a crash.
    EXPECT_EQ(t.signal, 0);
    EXPECT_TRUE(t.exitCode == 0 || t.err.find("pastiche: error:") != std::string::npos) << t.err;
    expectCleanFailure(runPastiche("stylize " + quoted(goldenPath("content384.png")) + " -o " + quoted(dir + "/o.xyz") + style), ".xyz");
    expectCleanFailure(runPastiche("style-vector " + quoted(dir + "/garbage.png") + " " + modelsFlag()), "garbage.png");
    fs::remove_all(dir);
}

TEST(Cli, CorruptModelsFailCleanly) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string dir = makeTempDir("badmodel");
    for (const auto& e : fs::directory_iterator(modelsDir()))
        if (e.is_regular_file()) fs::copy_file(e.path(), dir + "/" + e.path().filename().string());
    const std::string transfer = dir + "/style_transfer_f16_384.tflite";
    const auto full = fs::file_size(transfer);
    fs::resize_file(transfer, full / 2);
    const std::string args = "stylize " + quoted(goldenPath("content384.png")) + " -o " + quoted(dir + "/o.png") +
                             " --style-vector " + quoted(dir + "/v.txt") + " --models-dir " + quoted(dir);
    {
        std::ofstream v(dir + "/v.txt");
        for (int i = 0; i < 100; ++i) v << 0.1 * (i % 7) << " ";
    }
    expectCleanFailure(runPastiche(args), "style_transfer_f16_384.tflite");
    EXPECT_FALSE(fs::exists(dir + "/o.png"));
    // Flip bytes in the middle of the style network: a clean error or a (numerically different)
    // result, never a crash.
    const std::string predict = dir + "/style_predict_quantized_256.tflite";
    {
        std::fstream f(predict, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(64);
        const char junk[16] = {'\x7f', '\x7f', '\x7f', '\x7f', '\xff', '\xff', '\xff', '\xff', 1, 2, 3, 4, 5, 6, 7, 8};
        f.write(junk, sizeof junk);
    }
    auto r = runPastiche("style-vector " + quoted(goldenPath("style256.png")) + " --models-dir " + quoted(dir));
    EXPECT_EQ(r.signal, 0);
    fs::remove_all(dir);
}

TEST(Cli, BadStyleVectorFileFailsCleanly) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string dir = makeTempDir("badvec");
    std::ofstream(dir + "/short.txt") << "1 2 3";
    expectCleanFailure(runPastiche("stylize " + quoted(goldenPath("content384.png")) + " -o " + quoted(dir + "/o.png") +
                                   " --style-vector " + quoted(dir + "/short.txt") + " " + modelsFlag()),
                       "100");
    fs::remove_all(dir);
}

// Bar 2 (through the CLI): our style vector is close to TFLite's for the same 256x256 image.
TEST(CliTflite, StyleVectorMatchesTflite) {
    if (!tfliteReferencesAvailable()) GTEST_SKIP() << "goldens not made";
    auto r = runPastiche("style-vector " + quoted(goldenPath("style256.png")) + " " + modelsFlag(),
                         "XDG_CACHE_HOME=" + quoted(makeTempDir("cache")));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::istringstream in(r.out);
    std::vector<float> ours;
    float x;
    while (in >> x) ours.push_back(x);
    ASSERT_EQ(ours.size(), 100u);
    auto ref = readRawFloats(goldenPath("vec_tflite.bin"));
    EXPECT_LE(maxAbsDiff(ours, ref), 0.0201) << "more than one int8 step (0.0199) from TFLite's vector";
}

// Bar 3: end to end, PNG in and out, --size native at 384x384, against the TFLite pipeline
// (predictor then transfer) on the same pixels.
TEST(CliTflite, EndToEndMatchesTflitePipeline) {
    if (!tfliteReferencesAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string dir = makeTempDir("e2e");
    auto r = runPastiche("stylize " + quoted(goldenPath("content384.png")) + " -o " + quoted(dir + "/out.png") +
                         " --style " + quoted(goldenPath("style256.png")) + " --size native --backend cpu " + modelsFlag(),
                         "XDG_CACHE_HOME=" + quoted(dir + "/cache"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto ours = readImage(dir + "/out.png");
    ASSERT_TRUE(ours) << ours.status().message();
    ASSERT_EQ(ours.value().width, 384);
    ASSERT_EQ(ours.value().height, 384);
    auto ref = readRawFloats(goldenPath("out384_tflite.bin"));
    std::vector<float> mine(ours.value().pixels.size());
    for (size_t i = 0; i < mine.size(); ++i) mine[i] = ours.value().pixels[i] / 255.f;
    const double p = psnr(mine, ref);
    std::printf("CLI end-to-end PSNR vs TFLite pipeline: %.2f dB\n", p);
    EXPECT_GE(p, 40.0);
    fs::remove_all(dir);
}

TEST(Cli, StrengthBlendsTowardsContent) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string dir = makeTempDir("strength");
    const std::string base = "stylize " + quoted(goldenPath("content384.png")) + " --style " + quoted(goldenPath("style256.png")) +
                             " --backend cpu " + modelsFlag() + " -o ";
    const std::string env = "XDG_CACHE_HOME=" + quoted(dir + "/cache");
    ASSERT_EQ(runPastiche(base + quoted(dir + "/s1.png"), env).exitCode, 0);
    ASSERT_EQ(runPastiche(base + quoted(dir + "/s1b.png") + " --strength 1", env).exitCode, 0);
    ASSERT_EQ(runPastiche(base + quoted(dir + "/s0.png") + " --strength 0", env).exitCode, 0);
    auto s1 = readImage(dir + "/s1.png"), s1b = readImage(dir + "/s1b.png"), s0 = readImage(dir + "/s0.png");
    ASSERT_TRUE(s1 && s1b && s0);
    EXPECT_EQ(s1.value().pixels, s1b.value().pixels);
    EXPECT_LT(psnr8(s1.value(), s0.value()), 30.0) << "strength 0 should look clearly different from full style";
    fs::remove_all(dir);
}

TEST(Cli, OddSizesKeepTheInputSize) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string dir = makeTempDir("sizes");
    for (const std::string size : {"320x200", "641x361"}) {
        auto r = runPastiche("stylize " + quoted(goldenPath("content384.png")) + " -o " + quoted(dir + "/o.png") +
                             " --style-vector " + quoted(dir + "/v.txt") + " --size " + size + " --output-size " + size + " --backend cpu " +
                             modelsFlag());
        if (!fs::exists(dir + "/v.txt")) {
            std::ofstream v(dir + "/v.txt");
            auto ref = readRawFloats(goldenPath("vec_ours.bin"));
            for (float f : ref) v << f << "\n";
            v.close();
            r = runPastiche("stylize " + quoted(goldenPath("content384.png")) + " -o " + quoted(dir + "/o.png") +
                            " --style-vector " + quoted(dir + "/v.txt") + " --size " + size + " --output-size " + size + " --backend cpu " +
                            modelsFlag());
        }
        ASSERT_EQ(r.exitCode, 0) << r.err;
        auto img = readImage(dir + "/o.png");
        ASSERT_TRUE(img);
        EXPECT_EQ(std::to_string(img.value().width) + "x" + std::to_string(img.value().height), size);
    }
    fs::remove_all(dir);
}

TEST(Cli, BenchPrintsJson) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    auto r = runPastiche("bench --backend cpu --size 64x48 --frames 2 --json " + modelsFlag());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    for (const char* key : {"\"ms_per_frame\"", "\"fps\"", "\"backend\":\"cpu\"", "\"device\"", "\"width\":64", "\"height\":48", "\"threads\""})
        EXPECT_NE(r.out.find(key), std::string::npos) << key << " missing in " << r.out;
}

TEST(Cli, ModelsVerifyAndList) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    auto r = runPastiche("models verify " + modelsFlag());
    EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
    const std::string dir = makeTempDir("verify");
    for (const auto& e : fs::directory_iterator(modelsDir()))
        if (e.is_regular_file()) fs::copy_file(e.path(), dir + "/" + e.path().filename().string());
    fs::copy(modelsDir() + "/styles", dir + "/styles");
    { std::fstream f(dir + "/style_transfer_f16_384.tflite", std::ios::in | std::ios::out | std::ios::binary); f.seekp(1000); f.put('\x55'); }
    auto bad = runPastiche("models verify --models-dir " + quoted(dir));
    EXPECT_NE(bad.exitCode, 0);
    EXPECT_NE(bad.out.find("BAD hash"), std::string::npos) << bad.out;
    // fetch repairs it from the local source
    auto fix = runPastiche("models fetch --models-dir " + quoted(dir), "PASTICHE_MODEL_SOURCE=" + quoted(sharedDir()));
    EXPECT_EQ(fix.exitCode, 0) << fix.err;
    EXPECT_EQ(runPastiche("models verify --models-dir " + quoted(dir)).exitCode, 0);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace pastiche::test

namespace pastiche::test {
namespace {

// No Vulkan driver at all (the loader finds no ICD): --backend vulkan still produces the right
// picture on the CPU, and says so.
TEST(Cli, NoVulkanDriverFallsBackToCpu) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
    const std::string dir = makeTempDir("novk");
    const std::string base = "stylize " + quoted(goldenPath("content384.png")) + " --style " + quoted(goldenPath("style256.png")) +
                             " --size 96x64 " + modelsFlag() + " -o ";
    const std::string env = "XDG_CACHE_HOME=" + quoted(dir + "/cache");
    auto r = runPastiche(base + quoted(dir + "/vk.png") + " --backend vulkan",
                         env + " VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("CPU"), std::string::npos) << "the fallback must be reported: " << r.err;
    ASSERT_EQ(runPastiche(base + quoted(dir + "/cpu.png") + " --backend cpu", env).exitCode, 0);
    auto a = readImage(dir + "/vk.png"), b = readImage(dir + "/cpu.png");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a.value().pixels, b.value().pixels);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace pastiche::test
