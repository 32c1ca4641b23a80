// Shared helpers for the test executables: where test data lives, raw float files, image metrics.
#pragma once

#include <string>
#include <vector>

#include "engine/image.h"
#include "engine/transfer_network.h"

namespace pastiche::test {

std::string sharedDir();    // ../shared beside the repo
std::string testDataDir();  // <build>/testdata: fetched models and TFLite goldens
std::string modelsDir();    // <build>/testdata/models
std::string goldenPath(const std::string& name);  // <build>/testdata/goldens/<name>

// True when the test inputs exist (models, test images, vec_ours.bin: the make_testdata fixture).
// When they do not: fails the test if PASTICHE_REQUIRE_GOLDENS=1 (CI), else returns false and the
// caller should GTEST_SKIP().
bool goldensAvailable();
// The same for TensorFlow Lite's reference outputs (*_tflite.bin: the make_goldens fixture), which
// only the suites named *Tflite read.
bool tfliteReferencesAvailable();

std::vector<float> readRawFloats(const std::string& path);  // throws std::runtime_error
StyleVector readStyleVector(const std::string& rawFloatPath);

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b);
double psnr(const std::vector<float>& a, const std::vector<float>& b, double peak = 1.0);
double psnr8(const Image8& a, const Image8& b);

// Deterministic pseudo-random data for op tests.
std::vector<float> randomFloats(size_t n, unsigned seed, float lo = -1.f, float hi = 1.f);

// Sets an environment variable for its scope and restores the previous value (or its absence), so
// that a run script's switches (bench/h200_run.sh) hold for the tests after this one.
// A null value unsets it.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    void set(const char* value);

private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

}  // namespace pastiche::test
