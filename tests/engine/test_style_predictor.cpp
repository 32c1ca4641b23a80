// Style predictor: the int8 network against TFLite's own style vectors (goldens made with the
// reference runner), TFLite's fixed-point helpers against hand-computed values, and the int8 conv
// kernel against a direct evaluation at odd shapes.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "engine/cpu/quantized_math.h"
#include "engine/cpu/quantized_ops.h"
#include "engine/cpu/style_predictor.h"
#include "engine/tflite_reader.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

std::string predictorPath() {
    for (const std::string& p : {test::modelsDir() + "/style_predict_quantized_256.tflite",
                                 test::sharedDir() + "/models/magenta/style_predict_quantized_256.tflite"})
        if (std::filesystem::exists(p)) return p;
    return "";
}

const StyleNetwork* sharedNet() {
    static Result<StyleNetwork> net = predictorPath().empty()
                                          ? Result<StyleNetwork>(Status::error("predictor model not found"))
                                          : loadStyleNetwork(predictorPath());
    return net.isOk() ? &net.value() : nullptr;
}

ImageF goldenImage(const std::string& name) {
    ImageF img(256, 256);
    img.pixels = test::readRawFloats(test::goldenPath(name));
    return img;
}

// One quantization step of the output tensor (scale 0.0198789).
constexpr double kOutputStep = 0.0199;

void compareWithTflite(const std::string& input, const std::string& expected, quant::Requant mode, double bound,
                       int maxDiffering) {
    const StyleNetwork* net = sharedNet();
    ASSERT_NE(net, nullptr);
    const ImageF img = goldenImage(input);
    ASSERT_EQ(img.pixels.size(), size_t(256) * 256 * 3);
    const std::vector<float> ref = test::readRawFloats(test::goldenPath(expected));
    ASSERT_EQ(ref.size(), size_t(kStyleVectorSize));
    const auto start = std::chrono::steady_clock::now();
    auto v = predictStyleWith(*net, img, mode);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(v.isOk()) << v.status().message();
    double maxDiff = 0;
    int differing = 0;
    for (int i = 0; i < kStyleVectorSize; ++i) {
        const double d = std::fabs(double(v.value()[size_t(i)]) - double(ref[size_t(i)]));
        maxDiff = std::max(maxDiff, std::isnan(d) ? INFINITY : d);
        differing += v.value()[size_t(i)] != ref[size_t(i)];
    }
    std::printf("[style] %s (%s semantics): max abs diff %.6g, %d of 100 entries differ, %.1f ms\n", input.c_str(),
                mode == quant::Requant::Xnnpack ? "XNNPACK" : "TFLite-kernel", maxDiff, differing, ms);
    EXPECT_LE(maxDiff, bound);
    EXPECT_LE(differing, maxDiffering);
}

TEST(StylePredictorTflite, MatchesTfliteVector) {
    if (!test::tfliteReferencesAvailable()) GTEST_SKIP() << "goldens not made (make_goldens fixture)";
    // The reference runs TFLite with XNNPACK; our default follows XNNPACK's fp32 requantization.
    // Measured: identical bytes. The bar is one output quantization step.
    compareWithTflite("style256.bin", "vec_tflite.bin", quant::Requant::Xnnpack, kOutputStep, 100);
}

TEST(StylePredictorTflite, MatchesTfliteVectorSecondStyle) {
    if (!test::tfliteReferencesAvailable()) GTEST_SKIP() << "goldens not made (make_goldens fixture)";
    if (!std::filesystem::exists(test::goldenPath("vec_b_tflite.bin"))) GTEST_SKIP() << "no second style golden";
    compareWithTflite("style256_b.bin", "vec_b_tflite.bin", quant::Requant::Xnnpack, kOutputStep, 100);
}

TEST(StylePredictor, PublicEntryPointIsTheMatchingSemantics) {
    if (!test::goldensAvailable()) GTEST_SKIP() << "goldens not made (make_goldens fixture)";
    const StyleNetwork* net = sharedNet();
    ASSERT_NE(net, nullptr);
    const ImageF img = goldenImage("style256.bin");
    auto a = predictStyle(*net, img);
    auto b = predictStyleWith(*net, img, quant::Requant::Xnnpack);
    ASSERT_TRUE(a.isOk() && b.isOk());
    EXPECT_EQ(a.value(), b.value());
}

TEST(StylePredictorTflite, TfliteKernelSemanticsWithinOneStep) {
    if (!test::tfliteReferencesAvailable()) GTEST_SKIP() << "goldens not made (make_goldens fixture)";
    // TFLite's own int8 kernels (fixed-point requantization) round differently in places; they
    // stay within one step of the delegate's vector.
    compareWithTflite("style256.bin", "vec_tflite.bin", quant::Requant::Tflite, kOutputStep, 100);
}

TEST(StylePredictor, ThreadCountDoesNotChangeTheResult) {
    const StyleNetwork* net = sharedNet();
    if (!net) GTEST_SKIP() << "predictor model not found";
    ImageF img(256, 256);
    img.pixels = test::randomFloats(img.pixels.size(), 7, 0.f, 1.f);
    auto one = predictStyleWith(*net, img, quant::Requant::Xnnpack, 1);
    auto three = predictStyleWith(*net, img, quant::Requant::Xnnpack, 3);
    ASSERT_TRUE(one.isOk() && three.isOk());
    EXPECT_EQ(one.value(), three.value());
    bool nonzero = false;
    for (float x : one.value()) nonzero |= x != 0.f;
    EXPECT_TRUE(nonzero);
}

TEST(StylePredictor, RejectsWrongImageSize) {
    const StyleNetwork* net = sharedNet();
    if (!net) GTEST_SKIP() << "predictor model not found";
    auto v = predictStyle(*net, ImageF(255, 256));
    ASSERT_FALSE(v.isOk());
    EXPECT_NE(v.status().message().find("256x256"), std::string::npos) << v.status().message();
}

TEST(StylePredictor, RejectsInconsistentNetwork) {
    const StyleNetwork* net = sharedNet();
    if (!net) GTEST_SKIP() << "predictor model not found";
    StyleNetwork broken = *net;
    broken.ops[3].weights.pop_back();
    auto v = predictStyle(broken, ImageF(256, 256));
    ASSERT_FALSE(v.isOk());
    EXPECT_NE(v.status().message().find("weight sizes"), std::string::npos) << v.status().message();
    StyleNetwork reordered = *net;
    std::swap(reordered.ops[2], reordered.ops[3]);
    EXPECT_FALSE(predictStyle(reordered, ImageF(256, 256)).isOk());
    EXPECT_FALSE(predictStyle(StyleNetwork{}, ImageF(256, 256)).isOk());
}

// ---------------------------------------------------------------------------------------------
// Fixed-point helpers (values worked out by hand from gemmlowp's definitions)

TEST(StylePredictor, QuantizeMultiplier) {
    int32_t m;
    int shift;
    quant::quantizeMultiplier(0.5, &m, &shift);
    EXPECT_EQ(m, 1 << 30);
    EXPECT_EQ(shift, 0);
    quant::quantizeMultiplier(1.0 / 64, &m, &shift);
    EXPECT_EQ(m, 1 << 30);
    EXPECT_EQ(shift, -5);
    quant::quantizeMultiplier(0.75, &m, &shift);
    EXPECT_EQ(m, 3 << 29);
    EXPECT_EQ(shift, 0);
    quant::quantizeMultiplier(3.0, &m, &shift);
    EXPECT_EQ(m, 3 << 29);
    EXPECT_EQ(shift, 2);
    quant::quantizeMultiplier(0.0, &m, &shift);
    EXPECT_EQ(m, 0);
    quant::quantizeMultiplier(1e-20, &m, &shift);  // below 2^-31: flushed to zero
    EXPECT_EQ(m, 0);
    EXPECT_EQ(shift, 0);
}

TEST(StylePredictor, RoundingHelpers) {
    // RoundingDivideByPOT rounds half away from zero.
    EXPECT_EQ(quant::roundingDivideByPOT(5, 1), 3);
    EXPECT_EQ(quant::roundingDivideByPOT(-5, 1), -3);
    EXPECT_EQ(quant::roundingDivideByPOT(4, 1), 2);
    EXPECT_EQ(quant::roundingDivideByPOT(-6, 2), -2);  // -1.5 -> -2
    EXPECT_EQ(quant::roundingDivideByPOT(7, 0), 7);
    EXPECT_EQ(quant::saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN), INT32_MAX);
    EXPECT_EQ(quant::saturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29);
    // x * 0.5 with the multiplier 2^30 / shift 0, then x / 64 via shift -5
    EXPECT_EQ(quant::multiplyByQuantizedMultiplier(101, 1 << 30, 0), 51);
    EXPECT_EQ(quant::multiplyByQuantizedMultiplier(-96, 1 << 30, -5), -2);  // -1.5 -> -2
    EXPECT_EQ(quant::multiplyByQuantizedMultiplier(3, 3 << 29, 2), 9);
    // XNNPACK fp32 requantization: round half to even, clamp, zero point
    EXPECT_EQ(quant::requantizeFp32(5, 0.5f, 0, -128, 127), 2);
    EXPECT_EQ(quant::requantizeFp32(7, 0.5f, 0, -128, 127), 4);
    EXPECT_EQ(quant::requantizeFp32(-5, 0.5f, 10, -128, 127), 8);
    EXPECT_EQ(quant::requantizeFp32(100000, 1.f, -3, -128, 127), 127);
    EXPECT_EQ(quant::requantizeFp32(-100000, 1.f, -3, -20, 127), -20);
}

// The int8 conv kernels against a direct double-precision evaluation, at odd shapes, strides and
// SAME padding, multi-threaded: within one unit of the exact requantized value.
void checkConv(bool depthwise, int h, int w, int cin, int cout, int k, int stride, PaddingKind padding, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> q(-128, 127);
    StyleOp op;
    op.kind = depthwise ? StyleOpKind::DepthwiseConv2D : StyleOpKind::Conv2D;
    op.kernelH = op.kernelW = k;
    op.strideH = op.strideW = stride;
    op.padding = padding;
    op.relu6 = false;
    if (depthwise) cout = cin;
    op.weights.resize(size_t(cout) * k * k * (depthwise ? 1 : cin));
    for (auto& x : op.weights) x = int8_t(q(rng));
    op.bias.resize(size_t(cout));
    for (auto& b : op.bias) b = q(rng) * 50;
    op.weightQuant.scale.resize(size_t(cout));
    for (int c = 0; c < cout; ++c) op.weightQuant.scale[size_t(c)] = 0.002f + 0.001f * float(c % 5);
    const quant::QParams inQ{0.05f, -7}, outQ{0.9f, 3};
    const quant::QShape is{h, w, cin};
    const int oh = padding == PaddingKind::Same ? (h + stride - 1) / stride : (h - k) / stride + 1;
    const int ow = padding == PaddingKind::Same ? (w + stride - 1) / stride : (w - k) / stride + 1;
    const quant::QShape os{oh, ow, cout};
    std::vector<int8_t> in(is.size()), out(os.size());
    for (auto& x : in) x = int8_t(q(rng));
    for (quant::Requant mode : {quant::Requant::Tflite, quant::Requant::Xnnpack}) {
        if (depthwise) quant::depthwiseConv2d(op, in.data(), is, inQ, out.data(), os, outQ, mode, 3);
        else quant::conv2d(op, in.data(), is, inQ, out.data(), os, outQ, mode, 3);
        const int padT = padding == PaddingKind::Same ? std::max((oh - 1) * stride + k - h, 0) / 2 : 0;
        const int padL = padding == PaddingKind::Same ? std::max((ow - 1) * stride + k - w, 0) / 2 : 0;
        int worst = 0;
        for (int y = 0; y < oh; ++y)
            for (int x = 0; x < ow; ++x)
                for (int c = 0; c < cout; ++c) {
                    double acc = op.bias[size_t(c)];
                    for (int ky = 0; ky < k; ++ky)
                        for (int kx = 0; kx < k; ++kx) {
                            const int iy = y * stride - padT + ky, ix = x * stride - padL + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            for (int i = 0; i < (depthwise ? 1 : cin); ++i) {
                                const int ic = depthwise ? c : i;
                                const int wv = depthwise ? op.weights[(size_t(ky) * k + kx) * cout + c]
                                                         : op.weights[((size_t(c) * k + ky) * k + kx) * cin + i];
                                acc += double(in[(size_t(iy) * w + ix) * cin + ic] - inQ.zeroPoint) * wv;
                            }
                        }
                    const double real = acc * inQ.scale * op.weightQuant.scale[size_t(c)] / outQ.scale + outQ.zeroPoint;
                    const double expect = std::clamp(std::round(real), -128.0, 127.0);
                    worst = std::max(worst, int(std::fabs(expect - out[(size_t(y) * ow + x) * cout + c])));
                }
        EXPECT_LE(worst, 1) << (depthwise ? "depthwise" : "conv") << " " << h << "x" << w << " k" << k << " s" << stride;
    }
}

TEST(StylePredictor, Int8ConvKernelsAtOddShapes) {
    checkConv(false, 7, 5, 3, 5, 3, 2, PaddingKind::Same, 1);
    checkConv(false, 9, 6, 4, 3, 3, 1, PaddingKind::Same, 2);
    checkConv(false, 5, 5, 6, 7, 1, 1, PaddingKind::Same, 3);  // pointwise path
    checkConv(false, 8, 7, 2, 4, 3, 2, PaddingKind::Valid, 4);
    checkConv(true, 7, 9, 5, 5, 3, 2, PaddingKind::Same, 5);
    checkConv(true, 6, 6, 3, 3, 3, 1, PaddingKind::Same, 6);
}

TEST(StylePredictor, Int8AddAndMean) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> q(-128, 127);
    const size_t n = 999;
    std::vector<int8_t> a(n), b(n), out(n);
    for (auto& x : a) x = int8_t(q(rng));
    for (auto& x : b) x = int8_t(q(rng));
    const quant::QParams aq{0.11f, -5}, bq{0.07f, 9}, oq{0.15f, 2};
    for (quant::Requant mode : {quant::Requant::Tflite, quant::Requant::Xnnpack}) {
        quant::add(a.data(), aq, b.data(), bq, out.data(), oq, n, mode);
        int worst = 0;
        for (size_t i = 0; i < n; ++i) {
            const double real = ((a[i] - aq.zeroPoint) * double(aq.scale) + (b[i] - bq.zeroPoint) * double(bq.scale)) / oq.scale + oq.zeroPoint;
            worst = std::max(worst, int(std::fabs(std::clamp(std::round(real), -128.0, 127.0) - out[i])));
        }
        EXPECT_LE(worst, 1);
    }
    const quant::QShape is{8, 8, 13};
    std::vector<int8_t> in(is.size()), mean(13);
    for (auto& x : in) x = int8_t(q(rng));
    const quant::QParams iq{0.0235294f, -128};
    for (quant::Requant mode : {quant::Requant::Tflite, quant::Requant::Xnnpack}) {
        quant::meanHW(in.data(), is, iq, mean.data(), iq, mode);
        for (int c = 0; c < 13; ++c) {
            double s = 0;
            for (int p = 0; p < 64; ++p) s += in[size_t(p) * 13 + c];
            EXPECT_LE(std::fabs(std::round(s / 64) - mean[size_t(c)]), 1.0) << c;
        }
    }
}

}  // namespace
}  // namespace pastiche
