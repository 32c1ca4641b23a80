#include "engine/transfer_network.h"

namespace pastiche {

StyleParams computeStyleParams(const TransferNetwork& net, const StyleVector& style) {
    StyleParams p;
    p.gamma.resize(net.layers.size());
    p.beta.resize(net.layers.size());
    for (size_t l = 0; l < net.layers.size(); ++l) {
        const TransferLayer& layer = net.layers[l];
        if (!layer.hasNorm) continue;
        const int c = layer.outChannels;
        p.gamma[l].resize(size_t(c));
        p.beta[l].resize(size_t(c));
        for (int o = 0; o < c; ++o) {
            // Same order as TFLite's 1x1 conv on a 1x1 image: bias + sum over inputs in order.
            float g = 0.f, b = 0.f;
            for (int i = 0; i < kStyleVectorSize; ++i) {
                g += layer.norm.gammaWeights[size_t(o) * kStyleVectorSize + i] * style[size_t(i)];
                b += layer.norm.betaWeights[size_t(o) * kStyleVectorSize + i] * style[size_t(i)];
            }
            p.gamma[l][size_t(o)] = g + layer.norm.gammaBias[size_t(o)];
            p.beta[l][size_t(o)] = b + layer.norm.betaBias[size_t(o)];
        }
    }
    return p;
}

}  // namespace pastiche
