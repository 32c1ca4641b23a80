// Reference conditional instance norm, in TFLite's order of operations.
#include <cmath>

#include "engine/cpu/reference_ops.h"

namespace pastiche::cpu::ref {

void instanceNorm(Tensor& t, const std::vector<float>& gamma, const std::vector<float>& beta, float eps) {
    const size_t n = size_t(t.height) * t.width;
    for (int c = 0; c < t.channels; ++c) {
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += t.data[i * t.channels + c];
        const float mean = float(sum / double(n));
        double sq = 0;
        for (size_t i = 0; i < n; ++i) {
            const double d = double(t.data[i * t.channels + c]) - double(mean);
            sq += d * d;
        }
        const float var = float(sq / double(n));
        const float scale = gamma[size_t(c)] * (1.f / std::sqrt(var + eps));
        const float shift = beta[size_t(c)] - mean * scale;
        for (size_t i = 0; i < n; ++i) {
            float& v = t.data[i * t.channels + c];
            v = v * scale + shift;
        }
    }
}

}  // namespace pastiche::cpu::ref
