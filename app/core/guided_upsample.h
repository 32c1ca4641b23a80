// Edge-aware upscaling of a processing-size stylized frame to the output size, guided by the
// full-resolution input: the brush strokes keep the processing size's scale while edges come out
// as sharp as the source's.
//
// Method (guided detail transfer, after He & Sun 2015 "Fast Guided Filter"): at processing size,
// the guided filter's local linear model stylized ~= a * guide + b gives, per pixel and channel,
// how strongly the stylized picture follows the guide's luminance (a). The output is the bicubic
// upscale of the stylized picture plus a times the guide detail that the downscale removed:
//     out = up(S) + up(a) * (G - up(down(G)))
// so where the stylization follows the photo's edges they are restored at full resolution, and
// where it paints over them (a ~ 0) nothing of the photo leaks in. At equal sizes out = S.
#pragma once

#include "engine/image.h"
#include "engine/status.h"

namespace pastiche {

struct GuidedUpsampleOptions {
    int radius = 2;             // guided-filter window radius at processing size, pixels
    double epsilon = 0.01;      // regulariser, in (0..1 intensity)^2 units: larger = smoother a
};

// out gets the guide's size. stylizedLow must not be larger than guideFull.
Status upsampleGuided(const Image8& stylizedLow, const Image8& guideFull, Image8& out,
                      const GuidedUpsampleOptions& options = {});

// The same to an explicit output size (the guide is resampled to it first when it differs).
Status upsampleGuided(const Image8& stylizedLow, const Image8& guideFull, int width, int height, Image8& out,
                      const GuidedUpsampleOptions& options = {});

}  // namespace pastiche
