// Reference activations and the residual add.
#include <cmath>

#include "engine/cpu/reference_ops.h"

namespace pastiche::cpu::ref {

void applyActivation(Tensor& t, Activation act) {
    if (act == Activation::None) return;
    for (float& v : t.data) {
        if (act == Activation::Relu) v = v > 0.f ? v : 0.f;
        else v = 1.f / (1.f + std::exp(-v));
    }
}

void addInPlace(Tensor& t, const Tensor& other) {
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] += other.data[i];
}

}  // namespace pastiche::cpu::ref
