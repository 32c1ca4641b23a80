// Reference VALID convolution (the padding is a separate op, as in the TFLite graph).
#include "engine/cpu/reference_ops.h"

namespace pastiche::cpu::ref {

Tensor conv2d(const Tensor& in, const std::vector<float>& w, const std::vector<float>& bias, int k,
              int stride, int outC) {
    const int outH = (in.height - k) / stride + 1;
    const int outW = (in.width - k) / stride + 1;
    const int inC = in.channels;
    Tensor out(outH, outW, outC);
    for (int y = 0; y < outH; ++y)
        for (int x = 0; x < outW; ++x)
            for (int o = 0; o < outC; ++o) {
                float acc = 0.f;
                for (int ky = 0; ky < k; ++ky)
                    for (int kx = 0; kx < k; ++kx) {
                        const float* px = &in.data[(size_t(y * stride + ky) * in.width + x * stride + kx) * inC];
                        const float* wk = &w[((size_t(o) * k + ky) * k + kx) * inC];
                        for (int i = 0; i < inC; ++i) acc += px[i] * wk[i];
                    }
                out.at(y, x, o) = acc + bias[size_t(o)];
            }
    return out;
}

}  // namespace pastiche::cpu::ref
