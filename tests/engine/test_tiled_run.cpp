// Huge stills in tiles (engine/tiled_run.h): the tiled result equals the untiled one (the tiles
// share the whole image's statistics and see past their cut sides), at odd sizes and with one row
// or one column of tiles; a tile's working set is the tile's, not the image's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include "engine/backend.h"
#include "engine/tflite_reader.h"
#include "engine/tiled_run.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

// Photo-like content with edges and fine texture, so every layer's statistics vary across tiles.
Image8 texturedImage(int w, int h) {
    Image8 img(w, h);
    const std::vector<float> noise = test::randomFloats(size_t(w) * h, 7, -30.f, 30.f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const float u = float(x) / float(w), v = float(y) / float(h);
            const bool block = ((x / 37) + (y / 23)) % 3 == 0;
            const float n = noise[size_t(y) * w + x];
            uint8_t* p = &img.pixels[(size_t(y) * w + x) * 3];
            const float r = 128 + 90 * std::sin(7.f * u + 3.f * v) + (block ? 40 : -20) + n;
            const float g = 128 + 80 * std::cos(5.f * v - 4.f * u * v) + n * 0.5f;
            const float b = u < 0.6f ? 200 * v + n : 60 + n;
            p[0] = uint8_t(std::clamp(r, 0.f, 255.f));
            p[1] = uint8_t(std::clamp(g, 0.f, 255.f));
            p[2] = uint8_t(std::clamp(b, 0.f, 255.f));
        }
    return img;
}

class TiledRun : public ::testing::Test {
protected:
    void SetUp() override {
        auto net = loadTransferNetwork(test::modelsDir() + "/style_transfer_f16_384.tflite");
        ASSERT_TRUE(net.isOk()) << net.status().message();
        net_ = std::move(net).value();
        for (float& v : style_) v = 0.f;
        const std::vector<float> r = test::randomFloats(kStyleVectorSize, 11, -0.6f, 0.9f);
        std::copy(r.begin(), r.end(), style_.begin());
    }
    std::unique_ptr<TransferBackend> backend() {
        BackendOptions o;
        o.threads = 2;
        auto b = createCpuBackend(net_, o);
        EXPECT_TRUE(b.isOk()) << b.status().message();
        EXPECT_TRUE(b.value()->setStyle(style_).isOk());
        return std::move(b).value();
    }
    Image8 untiled(const Image8& in) {
        auto b = backend();
        EXPECT_TRUE(b->reshape(in.width, in.height).isOk());
        Image8 out(in.width, in.height);
        Status st = b->run(in.view(), out.view());
        EXPECT_TRUE(st.isOk()) << st.message();
        return out;
    }
    // Tiled against untiled at W x H with CORE-pixel tiles: equal within 1 level, progress
    // monotonic, one pass per normalised layer and the render pass over at least 4 tiles.
    void checkTiledEqualsUntiled(int w, int h, int core) {
        SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " core " + std::to_string(core));
        const Image8 in = texturedImage(w, h);
        const Image8 expected = untiled(in);
        auto b = backend();
        Image8 out(w, h);
        int calls = 0;
        double last = 0;
        TileOptions o;
        o.core = core;
        Status st = runTiled(*b, net_, in.view(), out.view(), o, [&](double p) {
            EXPECT_GE(p, last);
            last = p;
            ++calls;
        });
        ASSERT_TRUE(st.isOk()) << st.message();
        EXPECT_NEAR(last, 1.0, 1e-9);
        int passes = 1;
        for (const TransferLayer& l : net_.layers) passes += l.hasNorm ? 1 : 0;
        EXPECT_EQ(calls % passes, 0);
        EXPECT_GE(calls / passes, 4);
        int maxDiff = 0;
        for (size_t i = 0; i < out.pixels.size(); ++i) maxDiff = std::max(maxDiff, std::abs(out.pixels[i] - expected.pixels[i]));
        EXPECT_LE(maxDiff, 1) << "tiles differ from the untiled run (a seam or wrong statistics)";
        EXPECT_GE(test::psnr8(out, expected), 55.0);
    }
    TransferNetwork net_;
    StyleVector style_{};
};

TEST_F(TiledRun, HaloCoversTheNetworksReach) {
    // Magenta's network: 9x9 + two stride-2 3x3 + ten 3x3 at 1/4 + two upsampling 3x3 + 9x9.
    EXPECT_EQ(tileHalo(net_), 64);
}

// A 4x3 grid at an odd size (small: this also runs under ASan, where the tiling's index maths is
// checked; CI's sanitizer stage runs this one alone).
TEST_F(TiledRun, EqualsTheUntiledResultAtOddSizes) { checkTiledEqualsUntiled(211, 157, 64); }

// One row of four, one column of four (Release only in CI: two more whole tiled runs).
TEST_F(TiledRun, EqualsTheUntiledResultInARowAndAColumn) {
    checkTiledEqualsUntiled(301, 90, 96);
    checkTiledEqualsUntiled(90, 250, 80);
}

TEST_F(TiledRun, OwnStatisticsPerTileWouldShowSeams) {
    // The check above can fail: tiles stylized apart (each with its own statistics) differ.
    const Image8 in = texturedImage(400, 296);
    const Image8 expected = untiled(in);
    Image8 naive(in.width, in.height);
    auto b = backend();
    const int tw = 200, th = 148;  // four tiles, each run alone
    ASSERT_TRUE(b->reshape(tw, th).isOk());
    for (int ty = 0; ty < 2; ++ty)
        for (int tx = 0; tx < 2; ++tx) {
            Image8 tile(tw, th), out(tw, th);
            for (int y = 0; y < th; ++y)
                std::memcpy(&tile.pixels[size_t(y) * tw * 3], &in.pixels[(size_t(ty * th + y) * in.width + tx * tw) * 3], size_t(tw) * 3);
            ASSERT_TRUE(b->run(tile.view(), out.view()).isOk());
            for (int y = 0; y < th; ++y)
                std::memcpy(&naive.pixels[(size_t(ty * th + y) * in.width + tx * tw) * 3], &out.pixels[size_t(y) * tw * 3], size_t(tw) * 3);
        }
    EXPECT_LT(test::psnr8(naive, expected), 40.0);
}

TEST_F(TiledRun, TheWorkingSetIsTheTilesNotTheImages) {
    auto b = backend();
    const uint64_t whole = b->workingSetBytes(8000, 6000);
    const int window = 512 + 2 * tileHalo(net_);
    const uint64_t tile = b->workingSetBytes(window, window);
    EXPECT_GT(whole, uint64_t(4) << 30);  // the untiled 48-megapixel frame: over 4 GB
    EXPECT_LT(tile, uint64_t(400) << 20);
}

TEST_F(TiledRun, BadTileRequestsAreRefused) {
    auto b = backend();
    ASSERT_TRUE(b->reshape(64, 64).isOk());
    Image8 in(64, 64), out(64, 64);
    ImageView ov = out.view();
    TileRun r;
    r.ownX1 = 62, r.ownY1 = 64;  // not a multiple of 4
    EXPECT_EQ(b->runTile(in.view(), &ov, r).code(), StatusCode::InvalidArgument);
    r.ownX1 = 64;  // no statistics given
    EXPECT_EQ(b->runTile(in.view(), &ov, r).code(), StatusCode::InvalidArgument);
    Image8 odd(66, 66);
    ASSERT_TRUE(b->reshape(66, 66).isOk());
    EXPECT_EQ(b->runTile(odd.view(), nullptr, r).code(), StatusCode::InvalidArgument);
}

}  // namespace
}  // namespace pastiche
