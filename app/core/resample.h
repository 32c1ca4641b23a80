// The one resampler of the still path and the video path (processing size and output size), so
// that a still captured from a video equals that video's frame.
#pragma once

#include "engine/image.h"

namespace pastiche {

// Area averaging when shrinking (no aliasing of fine texture), bicubic when enlarging (either
// side larger). The same size returns a copy.
Image8 resampleImage(const Image8& in, int width, int height);
// The same into an image already of the target size (out.width x out.height), which is reused.
void resampleInto(const Image8& in, Image8& out);

}  // namespace pastiche
