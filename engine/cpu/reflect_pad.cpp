// Reference MIRROR_PAD REFLECT.
#include "engine/cpu/reference_ops.h"

namespace pastiche::cpu::ref {

Tensor reflectPad(const Tensor& in, int top, int bottom, int left, int right) {
    Tensor out(in.height + top + bottom, in.width + left + right, in.channels);
    for (int y = 0; y < out.height; ++y) {
        const int sy = reflectIndex(y - top, in.height);
        for (int x = 0; x < out.width; ++x) {
            const int sx = reflectIndex(x - left, in.width);
            for (int c = 0; c < in.channels; ++c) out.at(y, x, c) = in.at(sy, sx, c);
        }
    }
    return out;
}

}  // namespace pastiche::cpu::ref
