#include "app/core/style_mix.h"

#include <algorithm>


namespace pastiche {

StyleVector blendStyleVectors(const StyleVector& a, const StyleVector& b, float t) {
    StyleVector out;
    for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] * t + b[i] * (1.f - t);
    return out;
}


StyleVector mixedStyleVector(const StyleMix& mix, const std::optional<StyleVector>& content) {
    StyleVector v = *mix.style;
    if (mix.blendWith) v = blendStyleVectors(*mix.blendWith, *mix.style, float(std::clamp(mix.blend, 0.0, 1.0)));
    if (needsContentVector(mix) && content) v = blendStyleVectors(v, *content, float(std::clamp(mix.strength, 0.0, 1.0)));
    return v;
}

double stylizedPixelWeight(double strength) {
    return std::clamp(strength / kPixelFadeStrength, 0.0, 1.0);
}

bool needsContentVector(const StyleMix& mix) { return mix.style && mix.strength < 0.999; }

}  // namespace pastiche
