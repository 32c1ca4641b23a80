// CPU reference ops against hand-worked values, and every optimised CPU kernel (AVX2/FMA and the
// portable baseline) against the reference ops at odd shapes.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "engine/cpu/conv_kernels.h"
#include "engine/cpu/reference_ops.h"
#include "engine/cpu/thread_pool.h"
#include "support/test_support.h"

namespace pastiche::cpu {
namespace {

Tensor randomTensor(int h, int w, int c, unsigned seed) {
    Tensor t(h, w, c);
    t.data = test::randomFloats(t.data.size(), seed);
    return t;
}

TEST(CpuRefOps, ReflectPadDoesNotRepeatTheEdge) {
    Tensor t(1, 3, 1);
    t.data = {1, 2, 3};
    Tensor p = ref::reflectPad(t, 0, 0, 2, 2);
    EXPECT_EQ(p.data, (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
    Tensor col(3, 1, 1);
    col.data = {1, 2, 3};
    Tensor q = ref::reflectPad(col, 1, 1, 0, 0);
    EXPECT_EQ(q.data, (std::vector<float>{2, 1, 2, 3, 2}));
}

TEST(CpuRefOps, UpsampleRepeatsEachPixelTwiceEachWay) {
    Tensor t(1, 2, 1);
    t.data = {5, 7};
    Tensor u = ref::upsample2x(t);
    ASSERT_EQ(u.height, 2);
    EXPECT_EQ(u.data, (std::vector<float>{5, 5, 7, 7, 5, 5, 7, 7}));
}

TEST(CpuRefOps, ConvMatchesHandComputedValue) {
    Tensor t(3, 3, 1);
    t.data = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    std::vector<float> w = {1, 0, -1, 1, 0, -1, 1, 0, -1};
    Tensor o = ref::conv2d(t, w, {0.5f}, 3, 1, 1);
    ASSERT_EQ(o.data.size(), 1u);
    EXPECT_FLOAT_EQ(o.data[0], (1 + 4 + 7) - (3 + 6 + 9) + 0.5f);
    Tensor s = ref::conv2d(randomTensor(7, 9, 2, 1), std::vector<float>(9 * 2 * 4, 0.f), {1, 2, 3, 4}, 3, 2, 4);
    EXPECT_EQ(s.height, 3);
    EXPECT_EQ(s.width, 4);
    EXPECT_FLOAT_EQ(s.at(2, 3, 3), 4.f);
}

TEST(CpuRefOps, InstanceNormGivesGammaScaledUnitVariance) {
    Tensor t = randomTensor(13, 11, 3, 2);
    for (float& v : t.data) v = v * 3.f + 10.f;  // large mean, as conv outputs can have
    ref::instanceNorm(t, {1.f, 2.f, 0.5f}, {0.f, 1.f, -1.f}, 1e-5f);
    for (int c = 0; c < 3; ++c) {
        double s = 0, q = 0;
        const int n = 13 * 11;
        for (int i = 0; i < n; ++i) s += t.data[size_t(i) * 3 + c];
        const double mean = s / n;
        for (int i = 0; i < n; ++i) q += std::pow(t.data[size_t(i) * 3 + c] - mean, 2);
        const double gamma[] = {1, 2, 0.5}, beta[] = {0, 1, -1};
        EXPECT_NEAR(mean, beta[c], 1e-5);
        EXPECT_NEAR(std::sqrt(q / n), gamma[c], 1e-3);
    }
}

TEST(CpuRefOps, Activations) {
    Tensor t(1, 3, 1);
    t.data = {-2.f, 0.f, 3.f};
    Tensor r = t;
    ref::applyActivation(r, Activation::Relu);
    EXPECT_EQ(r.data, (std::vector<float>{0, 0, 3}));
    ref::applyActivation(t, Activation::Sigmoid);
    EXPECT_NEAR(t.data[0], 1 / (1 + std::exp(2.0)), 1e-7);
    EXPECT_FLOAT_EQ(t.data[1], 0.5f);
}

struct ConvCase {
    int h, w, inC, outC, k, stride;
};

void checkKernels(const ConvKernels& kernels, const ConvCase& c) {
    SCOPED_TRACE(std::string(kernels.name) + " " + std::to_string(c.h) + "x" + std::to_string(c.w) + " " +
                 std::to_string(c.inC) + "->" + std::to_string(c.outC) + " k" + std::to_string(c.k) + " s" +
                 std::to_string(c.stride));
    const Tensor in = randomTensor(c.h, c.w, c.inC, unsigned(c.h * 131 + c.inC * 7 + c.outC));
    const std::vector<float> w = test::randomFloats(size_t(c.outC) * c.k * c.k * c.inC, 11, -0.3f, 0.3f);
    const std::vector<float> b = test::randomFloats(size_t(c.outC), 12);
    const Tensor expected = ref::conv2d(in, w, b, c.k, c.stride, c.outC);

    const std::vector<float> packed = kernels.pack(w, c.outC, c.k, c.inC);
    std::vector<float> out(expected.data.size(), NAN);
    ConvParams p;
    p.input = in.data.data();
    p.inRowFloats = size_t(c.w) * c.inC;
    p.inChannels = c.inC;
    p.kernel = c.k;
    p.stride = c.stride;
    p.output = out.data();
    p.outRowFloats = size_t(expected.width) * c.outC;
    p.outWidth = expected.width;
    p.outChannels = c.outC;
    p.weights = packed.data();
    p.bias = b.data();
    std::vector<double> sum(size_t(c.outC), 0.0), sq(size_t(c.outC), 0.0);
    // Two row ranges, as threads would split them.
    const int mid = expected.height / 2;
    kernels.rows(p, 0, mid, sum.data(), sq.data());
    kernels.rows(p, mid, expected.height, sum.data(), sq.data());
    EXPECT_LE(test::maxAbsDiff(out, expected.data), 2e-5);
    for (int o = 0; o < c.outC; ++o) {
        double s = 0, q = 0;
        for (size_t i = size_t(o); i < expected.data.size(); i += size_t(c.outC)) {
            s += expected.data[i];
            q += double(expected.data[i]) * expected.data[i];
        }
        EXPECT_NEAR(sum[size_t(o)], s, 1e-4 * (1 + std::fabs(s)));
        EXPECT_NEAR(sq[size_t(o)], q, 1e-4 * (1 + q));
    }
}

const ConvCase kCases[] = {
    {7, 5, 3, 8, 3, 1},     {13, 11, 8, 16, 3, 2},  {13, 11, 16, 32, 3, 2}, {12, 10, 32, 32, 3, 1},
    {11, 13, 32, 16, 3, 1}, {17, 19, 16, 8, 3, 1},  {20, 29, 3, 8, 9, 1},   {21, 30, 8, 3, 9, 1},
    {9, 9, 3, 3, 3, 1},     {10, 17, 5, 40, 3, 2},  {9, 25, 16, 5, 3, 1},   {10, 12, 24, 2, 3, 2},
    {41, 37, 32, 32, 3, 1}, {45, 38, 8, 3, 9, 1},   {43, 39, 3, 8, 9, 1},   {15, 9, 8, 24, 1, 1},
};

TEST(CpuConvKernels, BaselineMatchesReference) {
    for (const ConvCase& c : kCases) checkKernels(baselineConvKernels(), c);
}

TEST(CpuConvKernels, Avx2MatchesReference) {
    const ConvKernels* k = avx2ConvKernels();
    if (!k || !cpuHasAvx2Fma()) GTEST_SKIP() << "this CPU has no AVX2/FMA";
    for (const ConvCase& c : kCases) checkKernels(*k, c);
}

TEST(CpuConvKernels, BestIsAvx2WhenTheCpuHasIt) {
    if (cpuHasAvx2Fma() && avx2ConvKernels()) EXPECT_STREQ(bestConvKernels().name, avx2ConvKernels()->name);
    else EXPECT_STREQ(bestConvKernels().name, baselineConvKernels().name);
}

TEST(CpuConvKernels, WinogradMatchesReference) {
    const ConvKernels* k = avx2ConvKernels();
    if (!k || !cpuHasAvx2Fma() || !k->winograd) GTEST_SKIP() << "no Winograd kernels on this CPU";
    const WinogradKernels& wk = *k->winograd;
    struct Case { int outH, outW, inC, outC; };
    for (Case c : {Case{7, 5, 8, 8}, Case{12, 10, 32, 32}, Case{13, 11, 16, 8}, Case{9, 14, 32, 16},
                   Case{1, 1, 8, 8}, Case{24, 24, 32, 32}, Case{10, 9, 24, 16}, Case{5, 8, 16, 24}}) {
        SCOPED_TRACE(std::to_string(c.outH) + "x" + std::to_string(c.outW) + " " + std::to_string(c.inC) + "->" +
                     std::to_string(c.outC));
        ASSERT_TRUE(WinogradKernels::eligible(3, 1, c.inC, c.outC));
        const Tensor in = randomTensor(c.outH + 2, c.outW + 2, c.inC, unsigned(c.outH * 7 + c.inC));
        const auto w = test::randomFloats(size_t(c.outC) * 9 * c.inC, 31, -0.3f, 0.3f);
        const auto b = test::randomFloats(size_t(c.outC), 32);
        const Tensor expected = ref::conv2d(in, w, b, 3, 1, c.outC);
        const auto packed = wk.pack(w, c.outC, c.inC);
        std::vector<float> scratch(wk.scratchFloats(c.outW, c.inC, c.outC), NAN);
        std::vector<float> out(expected.data.size(), NAN);
        ConvParams p;
        p.input = in.data.data();
        p.inRowFloats = size_t(in.width) * c.inC;
        p.inChannels = c.inC;
        p.output = out.data();
        p.outRowFloats = size_t(c.outW) * c.outC;
        p.outWidth = c.outW;
        p.outChannels = c.outC;
        p.weights = packed.data();
        p.bias = b.data();
        std::vector<double> sum(size_t(c.outC), 0.0), sq(size_t(c.outC), 0.0);
        const int tileRows = (c.outH + 1) / 2;
        wk.rows(p, c.outH, 0, tileRows / 2, scratch.data(), sum.data(), sq.data());
        wk.rows(p, c.outH, tileRows / 2, tileRows, scratch.data(), sum.data(), sq.data());
        EXPECT_LE(test::maxAbsDiff(out, expected.data), 2e-5);
        for (int o = 0; o < c.outC; ++o) {
            double s = 0;
            for (size_t i = size_t(o); i < expected.data.size(); i += size_t(c.outC)) s += expected.data[i];
            EXPECT_NEAR(sum[size_t(o)], s, 1e-4 * (1 + std::fabs(s)));
        }
    }
}

TEST(CpuConvKernels, NormRowMatchesGeneric) {
    std::vector<const ConvKernels*> sets{&baselineConvKernels()};
    if (avx2ConvKernels() && cpuHasAvx2Fma()) sets.push_back(avx2ConvKernels());
    for (const ConvKernels* k : sets)
        for (int C : {3, 8, 16, 32, 5})
            for (Activation act : {Activation::None, Activation::Relu, Activation::Sigmoid})
                for (bool withSkip : {false, true}) {
                    SCOPED_TRACE(std::string(k->name) + " C=" + std::to_string(C) + " act=" +
                                 std::to_string(int(act)) + " skip=" + std::to_string(withSkip));
                    const int width = 37;
                    const auto src = test::randomFloats(size_t(width) * C, 21, -12.f, 12.f);
                    const auto skip = test::randomFloats(size_t(width) * C, 22);
                    const auto scale = test::randomFloats(size_t(C), 23, 0.2f, 2.f);
                    const auto shift = test::randomFloats(size_t(C), 24);
                    Tensor expected(1, width, C);
                    expected.data = src;
                    for (int x = 0; x < width; ++x)
                        for (int c = 0; c < C; ++c) {
                            float& v = expected.at(0, x, c);
                            v = v * scale[size_t(c)] + shift[size_t(c)];
                            if (withSkip) v += skip[size_t(x) * C + c];
                        }
                    ref::applyActivation(expected, act);
                    std::vector<float> out(src.size());
                    k->normRow(src.data(), withSkip ? skip.data() : nullptr, scale.data(), shift.data(), out.data(),
                               width, C, act);
                    EXPECT_LE(test::maxAbsDiff(out, expected.data), 1e-5);  // |values| up to ~30; FMA rounding
                }
}

TEST(CpuThreadPool, RunsEveryTaskOnceOnEveryThreadCount) {
    for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        EXPECT_EQ(pool.size(), threads);
        for (int round = 0; round < 50; ++round) {
            std::vector<std::atomic<int>> hits(size_t(97));
            std::atomic<int> badThread{0};
            pool.parallelFor(97, [&](int task, int thread) {
                hits[size_t(task)].fetch_add(1);
                if (thread < 0 || thread >= threads) badThread.fetch_add(1);
            });
            for (auto& h : hits) ASSERT_EQ(h.load(), 1);
            EXPECT_EQ(badThread.load(), 0);
        }
    }
}

}  // namespace
}  // namespace pastiche::cpu
