// Reference nearest-neighbour 2x upsampling.
#include "engine/cpu/reference_ops.h"

namespace pastiche::cpu::ref {

Tensor upsample2x(const Tensor& in) {
    Tensor out(in.height * 2, in.width * 2, in.channels);
    for (int y = 0; y < out.height; ++y)
        for (int x = 0; x < out.width; ++x)
            for (int c = 0; c < in.channels; ++c) out.at(y, x, c) = in.at(y / 2, x / 2, c);
    return out;
}

}  // namespace pastiche::cpu::ref
