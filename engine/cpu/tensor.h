// A plain float tensor for the CPU reference ops: one image, HWC (channels innermost, NHWC with
// N = 1), rows tightly packed. The straightforward ops on it are the ground truth that every
// optimised CPU and GPU kernel is tested against.
#pragma once

#include <cstddef>
#include <vector>

namespace pastiche::cpu {

struct Tensor {
    int height = 0;
    int width = 0;
    int channels = 0;
    std::vector<float> data;  // [height][width][channels]

    Tensor() = default;
    Tensor(int h, int w, int c) : height(h), width(w), channels(c), data(size_t(h) * w * c) {}
    float& at(int y, int x, int c) { return data[(size_t(y) * width + x) * channels + c]; }
    float at(int y, int x, int c) const { return data[(size_t(y) * width + x) * channels + c]; }
};

}  // namespace pastiche::cpu
