#include "app/core/style_mix.h"

#include <algorithm>

#include "app/core/style_source.h"

namespace pastiche {

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
