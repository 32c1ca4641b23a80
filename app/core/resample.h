// The one resampler of the still path and the video path (processing size and output size), so
// that a still captured from a video equals that video's frame.
#pragma once

#include "engine/image.h"

namespace pastiche {

// Area averaging when shrinking (no aliasing of fine texture), bicubic when enlarging (either
// side larger). The same size returns a copy.
Image8 resampleImage(const Image8& in, int width, int height);

}  // namespace pastiche
