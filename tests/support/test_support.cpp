#include "support/test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace pastiche::test {

std::string sharedDir() {
    if (const char* env = std::getenv("PASTICHE_SHARED")) return env;
    return PASTICHE_SHARED_DIR;
}
std::string testDataDir() {  // PASTICHE_TEST_DATA: a copy elsewhere (a binary run on another machine)
    if (const char* env = std::getenv("PASTICHE_TEST_DATA")) return env;
    return PASTICHE_TEST_DATA_DIR;
}
std::string modelsDir() { return testDataDir() + "/models"; }
std::string goldenPath(const std::string& name) { return testDataDir() + "/goldens/" + name; }

namespace {
bool stampPresent(const std::string& stamp, const char* what) {
    if (std::filesystem::exists(goldenPath(stamp))) return true;
    const char* req = std::getenv("PASTICHE_REQUIRE_GOLDENS");
    if (req && std::string(req) == "1") ADD_FAILURE() << what << " missing under " << testDataDir();
    return false;
}
}  // namespace

bool goldensAvailable() {
    return stampPresent("complete", "test inputs (the make_testdata CTest fixture; needs ../shared)");
}

bool tfliteReferencesAvailable() {
    return stampPresent("tflite-complete",
                        "TFLite references (the make_goldens CTest fixture; needs Node.js, npm and ../shared)");
}

std::vector<float> readRawFloats(const std::string& path) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) throw std::runtime_error("cannot open " + path);
    auto size = static_cast<size_t>(f.tellg());
    if (size % 4) throw std::runtime_error(path + ": size is not a multiple of 4");
    std::vector<float> v(size / 4);
    f.seekg(0);
    f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(size));
    return v;
}

StyleVector readStyleVector(const std::string& path) {
    auto v = readRawFloats(path);
    if (v.size() != kStyleVectorSize) throw std::runtime_error(path + ": expected 100 floats");
    StyleVector s;
    std::copy(v.begin(), v.end(), s.begin());
    return s;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        double d = std::fabs(double(a[i]) - double(b[i]));
        if (!(d <= m)) m = std::isnan(d) ? INFINITY : d;
    }
    return m;
}

double psnr(const std::vector<float>& a, const std::vector<float>& b, double peak) {
    if (a.size() != b.size() || a.empty()) return -INFINITY;
    double se = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        double d = double(a[i]) - double(b[i]);
        se += d * d;
    }
    double mse = se / double(a.size());
    if (std::isnan(mse)) return -INFINITY;
    if (mse == 0) return INFINITY;
    return 10.0 * std::log10(peak * peak / mse);
}

double psnr8(const Image8& a, const Image8& b) {
    if (a.width != b.width || a.height != b.height) return -INFINITY;
    std::vector<float> fa(a.pixels.begin(), a.pixels.end()), fb(b.pixels.begin(), b.pixels.end());
    return psnr(fa, fb, 255.0);
}

std::vector<float> randomFloats(size_t n, unsigned seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

ScopedEnv::ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    set(value);
}

ScopedEnv::~ScopedEnv() {
    if (had_)
        setenv(name_, old_.c_str(), 1);
    else
        unsetenv(name_);
}

void ScopedEnv::set(const char* value) {
    if (value) setenv(name_, value, 1);
    else unsetenv(name_);
}

}  // namespace pastiche::test
