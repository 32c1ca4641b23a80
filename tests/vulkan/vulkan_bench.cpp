// Benchmark mode of test_vulkan (until `pastiche bench --backend vulkan` covers it): skipped unless
// PASTICHE_VK_BENCH lists sizes, e.g. PASTICHE_VK_BENCH=384x384,1280x720,1920x1080. Per size and
// precision prints one JSON line: synchronous run() latency, pipelined throughput with
// framesInFlight() slots (Rgb8 upload + compute + download), and the per-layer GPU profile.
// PASTICHE_VK_DUMP=FILE writes the loaded network (layers + fp32 weights) for bench/torch_peer_cuda.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/tflite_reader.h"
#include "support/test_support.h"
#include "vulkan_test_util.h"

namespace pastiche::test {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

TransferNetwork benchNetwork(std::string* which) {
    const std::string path = realModelPath();
    if (!path.empty()) {
        auto net = loadTransferNetwork(path);
        if (net) {
            *which = path;
            return std::move(net.value());
        }
    }
    *which = "synthetic";
    return magentaShapedNetwork(1);
}

// Text header per layer, then the raw little-endian float32 arrays in the order named.
void dumpNetwork(const TransferNetwork& net, const std::string& path) {
    std::ofstream meta(path + ".txt"), bin(path + ".f32", std::ios::binary);
    auto put = [&](const std::vector<float>& v) {
        bin.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * 4));
    };
    for (const TransferLayer& l : net.layers) {
        meta << l.name << ' ' << l.kernel << ' ' << l.stride << ' ' << l.pad << ' ' << l.inChannels << ' '
             << l.outChannels << ' ' << int(l.upsampleBefore) << ' ' << int(l.hasNorm) << ' ' << int(l.activation)
             << ' ' << int(l.residual) << ' ' << l.norm.epsilon << '\n';
        put(l.weights);
        put(l.bias);
        if (l.hasNorm) {
            put(l.norm.gammaWeights);
            put(l.norm.gammaBias);
            put(l.norm.betaWeights);
            put(l.norm.betaBias);
        }
    }
}

TEST(VulkanBench, Throughput) {
    const char* sizes = std::getenv("PASTICHE_VK_BENCH");
    const char* dump = std::getenv("PASTICHE_VK_DUMP");
    if (!sizes && !dump) GTEST_SKIP() << "set PASTICHE_VK_BENCH=WxH[,WxH...] to benchmark";
    std::string which;
    const TransferNetwork net = benchNetwork(&which);
    if (dump) dumpNetwork(net, dump);
    if (!sizes) return;
    PASTICHE_REQUIRE_VULKAN();
    const int frames =
        std::getenv("PASTICHE_VK_BENCH_FRAMES") ? std::atoi(std::getenv("PASTICHE_VK_BENCH_FRAMES")) : 300;
    const StyleVector style = randomStyle(7);
    std::stringstream list(sizes);
    std::string item;
    while (std::getline(list, item, ',')) {
        int w = 0, h = 0;
        ASSERT_EQ(std::sscanf(item.c_str(), "%dx%d", &w, &h), 2) << item;
        const char* only = std::getenv("PASTICHE_VK_BENCH_PRECISION");  // fp16 or fp32: just that one
        for (Precision precision : {Precision::Fp16, Precision::Fp32}) {
            if (only && std::string(only) != (precision == Precision::Fp16 ? "fp16" : "fp32")) continue;
            auto vk = makeVulkan(net, precision);
            if (!vk) continue;
            ASSERT_TRUE(vk->reshape(w, h).isOk());
            ASSERT_TRUE(vk->setStyle(style).isOk());
            const ImageF f = testFrame(w, h, 1);
            Image8 in(w, h);
            for (size_t i = 0; i < in.pixels.size(); ++i) in.pixels[i] = uint8_t(f.pixels[i] * 255.f);
            const int slots = vk->framesInFlight();
            std::vector<Image8> outs(size_t(slots), Image8(w, h));
            for (int i = 0; i < 10; ++i) ASSERT_TRUE(vk->run(in.view(), outs[0].view()).isOk());
            auto t0 = Clock::now();
            const int syncFrames = std::max(10, frames / 3);
            for (int i = 0; i < syncFrames; ++i) ASSERT_TRUE(vk->run(in.view(), outs[0].view()).isOk());
            const double syncMs = msSince(t0) / syncFrames;
            t0 = Clock::now();
            for (int i = 0; i < frames + slots; ++i) {
                if (i >= slots) {
                    ASSERT_TRUE(vk->collect((i - slots) % slots, outs[size_t((i - slots) % slots)].view()).isOk());
                }
                if (i < frames) { ASSERT_TRUE(vk->submit(in.view(), i % slots).isOk()); }
            }
            const double pipeMs = msSince(t0) / frames;
            auto prof = makeVulkan(net, precision, true);
            ASSERT_TRUE(prof->reshape(w, h).isOk());
            ASSERT_TRUE(prof->setStyle(style).isOk());
            for (int i = 0; i < 3; ++i) ASSERT_TRUE(prof->run(in.view(), outs[0].view()).isOk());
            std::string layers;
            double gpuTotal = 0;
            for (const auto& t : prof->lastProfile()) {
                char buf[160];
                std::snprintf(buf, sizeof buf, "%s{\"layer\":\"%s\",\"ms\":%.4f}", layers.empty() ? "" : ",",
                              t.layer.c_str(), t.milliseconds);
                layers += buf;
                if (t.layer.find(" [conv]") == std::string::npos) gpuTotal += t.milliseconds;  // not twice
            }
            const char* coopmat = std::getenv("PASTICHE_VK_COOPMAT");
            std::printf(
                "{\"backend\":\"vulkan\",\"device\":\"%s\",\"coopmat_mode\":\"%s\",\"matrix_units\":\"%s\","
                "\"precision\":\"%s\",\"width\":%d,\"height\":%d,"
                "\"frames\":%d,\"frames_in_flight\":%d,\"lanes\":%d,\"sync_ms_per_frame\":%.4f,\"ms_per_frame\":%.4f,"
                "\"fps\":%.1f,\"gpu_ms_profiled\":%.4f,\"model\":\"%s\",\"profile\":[%s]}\n",
                vk->device().name.c_str(), coopmat ? coopmat : "default", vk->device().matrixUnits.c_str(),
                vk->precision() == Precision::Fp16 ? "fp16" : "fp32", w, h, frames, slots, vk->computeLanes(), syncMs,
                pipeMs, 1000.0 / pipeMs, gpuTotal, which.c_str(), layers.c_str());
            std::fflush(stdout);
        }
    }
}

// Issue 11, bar 2: the frame time of the whole stabilizer on the device (grid lock and the trunk's
// flow, mask, warp and blend, DeviceStability::gridLock) and of the trunk's part alone, against
// plain frames, same backend, same run, alternating rounds, fp16, Rgb8 in and out, frames in
// flight. The frames pan across a larger picture by (3, 1) px a frame so the flow has real motion
// to find. Skipped unless PASTICHE_VK_BENCH_STABILITY lists sizes.
TEST(VulkanBench, Stability) {
    const char* sizes = std::getenv("PASTICHE_VK_BENCH_STABILITY");
    if (!sizes) GTEST_SKIP() << "set PASTICHE_VK_BENCH_STABILITY=WxH[,WxH...] to time device stability";
    PASTICHE_REQUIRE_VULKAN();
    std::string which;
    const TransferNetwork net = benchNetwork(&which);
    const int frames =
        std::getenv("PASTICHE_VK_BENCH_FRAMES") ? std::atoi(std::getenv("PASTICHE_VK_BENCH_FRAMES")) : 300;
    std::stringstream list(sizes);
    std::string item;
    while (std::getline(list, item, ',')) {
        int w = 0, h = 0;
        ASSERT_EQ(std::sscanf(item.c_str(), "%dx%d", &w, &h), 2) << item;
        constexpr int kPan = 16;             // distinct frames, panned by (3, 1) px each
        ImageF big(w + 3 * kPan, h + kPan);  // structure in both directions, as a photo has
        for (int y = 0; y < big.height; ++y)
            for (int x = 0; x < big.width; ++x)
                for (int c = 0; c < 3; ++c)
                    big.pixels[(size_t(y) * big.width + x) * 3 + c] =
                        0.5f + 0.2f * std::sin(0.031f * float(x) + 0.017f * float(y) + float(c)) +
                        0.15f * std::sin(0.013f * float(x) - 0.029f * float(y)) +
                        0.1f * std::sin(0.07f * float(x)) * std::sin(0.05f * float(y) + float(c));
        std::vector<Image8> pan;
        for (int f = 0; f < kPan; ++f) {
            Image8 im(w, h);
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w * 3; ++x)
                    im.pixels[size_t(y) * w * 3 + x] =
                        uint8_t(big.pixels[(size_t(y + f) * big.width + 3 * f) * 3 + x] * 255.f);
            pan.push_back(std::move(im));
        }
        for (bool profile : {false, true}) {
            auto vk = makeVulkan(net, Precision::Fp16, profile);
            ASSERT_TRUE(vk && vk->supportsDeviceStability());
            ASSERT_TRUE(vk->reshape(w, h).isOk());
            ASSERT_TRUE(vk->setStyle(randomStyle(7)).isOk());
            const int slots = vk->framesInFlight();
            std::vector<Image8> outs(size_t(slots), Image8(w, h));
            // Pipelined frames: plain (0), the trunk's stability (1), with the grid lock (2); returns
            // ms per frame. Switching the grid lock re-plans the backend (the canvas), before the clock.
            auto pipelined = [&](int mode, int n) {
                DeviceStability st;
                st.strength = mode > 0 ? 0.8f : 0.f;
                st.gridLock = mode == 2;
                st.restart = true;
                EXPECT_TRUE(vk->setDeviceStability(st).isOk());
                const auto t0 = Clock::now();
                for (int i = 0; i < n + slots; ++i) {
                    if (i >= slots) {
                        EXPECT_TRUE(vk->collect((i - slots) % slots, outs[size_t((i - slots) % slots)].view()).isOk());
                    }
                    if (i < n) { EXPECT_TRUE(vk->submit(pan[size_t(i % kPan)].view(), i % slots).isOk()); }
                }
                return msSince(t0) / n;
            };
            if (profile) {  // GPU time of a plain frame, then per stage of a stabilized one
                pipelined(0, 8);
                ASSERT_TRUE(vk->run(pan[3].view(), outs[0].view()).isOk());
                double plainGpu = 0;
                for (const auto& t : vk->lastProfile())
                    if (t.layer.find(" [conv]") == std::string::npos) plainGpu += t.milliseconds;
                pipelined(2, 8);
                ASSERT_TRUE(vk->run(pan[3].view(), outs[0].view()).isOk());
                std::string layers;
                double gpu = 0, stab = 0;
                for (const auto& t : vk->lastProfile()) {
                    char buf[160];
                    std::snprintf(buf, sizeof buf, "%s{\"layer\":\"%s\",\"ms\":%.4f}", layers.empty() ? "" : ",",
                                  t.layer.c_str(), t.milliseconds);
                    layers += buf;
                    if (t.layer.find(" [conv]") != std::string::npos) continue;  // parts of the others
                    gpu += t.milliseconds;
                    if (t.layer.rfind("stability", 0) == 0 || t.layer.rfind("grid lock", 0) == 0)
                        stab += t.milliseconds;
                }
                const DeviceStabilityReport r = vk->deviceStabilityReport();
                std::printf(
                    "{\"bench\":\"stability_profile\",\"width\":%d,\"height\":%d,\"plain_gpu_ms\":%.4f,"
                    "\"gpu_ms\":%.4f,\"gpu_cost\":%.3f,\"stability_gpu_ms\":%.4f,\"blended\":%d,\"kept\":%.3f,\"mean_"
                    "flow\":[%.3f,%.3f],"
                    "\"lock\":%d,\"motion\":[%.3f,%.3f],\"offset\":[%.3f,%.3f],\"profile\":[%s]}\n",
                    w, h, plainGpu, gpu, gpu / plainGpu - 1.0, stab, int(r.blended), r.keptFraction, r.meanFlowX,
                    r.meanFlowY, int(r.gridLock), r.motionX, r.motionY, r.offsetX, r.offsetY, layers.c_str());
                continue;
            }
            for (int mode = 0; mode < 3; ++mode) pipelined(mode, 20);  // warm-up of each
            double ms[3][3];                                           // [mode][round]
            DeviceStabilityReport r;
            for (int round = 0; round < 3; ++round)
                for (int mode = 0; mode < 3; ++mode) {
                    ms[mode][round] = pipelined(mode, frames);
                    if (mode == 2) r = vk->deviceStabilityReport();
                }
            for (auto& m : ms) std::sort(m, m + 3);
            std::printf(
                "{\"bench\":\"stability\",\"device\":\"%s\",\"width\":%d,\"height\":%d,\"frames\":%d,"
                "\"plain_ms\":[%.4f,%.4f,%.4f],\"trunk_ms\":[%.4f,%.4f,%.4f],\"stable_ms\":[%.4f,%.4f,%.4f],"
                "\"cost_trunk_median\":%.3f,\"cost_median\":%.3f,\"last_blended\":%d,\"last_kept\":%.3f,"
                "\"last_lock\":%d,\"model\":\"%s\"}\n",
                vk->device().name.c_str(), w, h, frames, ms[0][0], ms[0][1], ms[0][2], ms[1][0], ms[1][1], ms[1][2],
                ms[2][0], ms[2][1], ms[2][2], ms[1][1] / ms[0][1] - 1.0, ms[2][1] / ms[0][1] - 1.0, int(r.blended),
                r.keptFraction, int(r.gridLock), which.c_str());
            std::fflush(stdout);
        }
    }
}

// Bar 3 of issue 14: backend creation with an empty pipeline cache, then again with the cache the
// first one wrote. Skipped unless PASTICHE_VK_BENCH_STARTUP=DIR (a fresh directory, used as
// XDG_CACHE_HOME). On NVIDIA set __GL_SHADER_DISK_CACHE=0 too, or the driver's own shader cache
// makes every start after the very first one warm.
TEST(VulkanBench, Startup) {
    const char* dir = std::getenv("PASTICHE_VK_BENCH_STARTUP");
    if (!dir) GTEST_SKIP() << "set PASTICHE_VK_BENCH_STARTUP=DIR to time backend creation with a fresh pipeline cache";
    PASTICHE_REQUIRE_VULKAN();
    setenv("XDG_CACHE_HOME", dir, 1);
    std::string which;
    const TransferNetwork net = benchNetwork(&which);
    double ms[3];
    std::string units;
    for (double& m : ms) {
        const auto t0 = Clock::now();
        auto vk = makeVulkan(net, Precision::Auto);
        m = msSince(t0);
        ASSERT_TRUE(vk);
        units = vk->device().matrixUnits;
    }
    std::printf(
        "{\"backend\":\"vulkan\",\"startup_ms_empty_cache\":%.1f,\"startup_ms_cached\":[%.1f,%.1f],"
        "\"speedup\":%.2f,\"matrix_units\":\"%s\",\"model\":\"%s\"}\n",
        ms[0], ms[1], ms[2], ms[0] / std::min(ms[1], ms[2]), units.c_str(), which.c_str());
}

}  // namespace
}  // namespace pastiche::test
