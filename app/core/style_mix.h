// The one style mix: which style, how strongly, blended with a second style. Every entry point
// (stylize, live, the desktop app) describes what the user asked for as a StyleMix and hands it
// to the Stylizer, which turns it into the network's style vector and a final pixel blend.
#pragma once

#include <optional>

#include "engine/transfer_network.h"

namespace pastiche {

struct StyleMix {
    std::optional<StyleVector> style;      // the chosen style; none: frames pass through
    std::optional<StyleVector> blendWith;  // a second style, mixed in by `blend`
    double blend = 0.5;                    // 0 = `style` only, 1 = `blendWith` only
    double strength = 1.0;                 // 0 = the original picture, 1 = the full style
    bool operator==(const StyleMix&) const = default;
};

// Below this strength the network's own interpolation (towards the content's own style vector)
// is faded out in pixels, so that strength 0 gives the original picture, as users expect.
constexpr double kPixelFadeStrength = 0.25;

// a * t + b * (1 - t): strength (t = strength, b = the content's own vector) and style blends.
StyleVector blendStyleVectors(const StyleVector& a, const StyleVector& b, float t);

// The style vector the network runs with: the blend of the two styles, then interpolated with the
// content's own style vector by strength (Ghiasi et al.'s strength control). content may be
// missing when strength is 1.
StyleVector mixedStyleVector(const StyleMix& mix, const std::optional<StyleVector>& content);
// Weight of the stylized picture against the original in the final pixels: 1 at strength >=
// kPixelFadeStrength, falling linearly to 0 at strength 0.
double stylizedPixelWeight(double strength);
// Whether the mix needs the content's own style vector.
bool needsContentVector(const StyleMix& mix);

}  // namespace pastiche
