// A video frame moving through the pipeline: RGB8 pixels plus timing.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/image.h"

namespace pastiche {

struct Frame {
    Image8 image;
    int64_t ptsMicros = 0;     // presentation time, microseconds from stream start (VFR preserved)
    int64_t index = 0;         // sequence number from the source
    int64_t captureNanos = 0;  // steady_clock when the source produced it (latency, fps)
    // A looping file (GUI playback): what the passes before added to ptsMicros, so that
    // ptsMicros - loopOffsetMicros is the file's own time (0 for every other source).
    int64_t loopOffsetMicros = 0;
    // Which generator painted `image` (0: any other writer). A recycled frame that the test
    // pattern itself painted needs only the parts that moved repainted; every source sets it.
    uint64_t painter = 0;
};

}  // namespace pastiche
