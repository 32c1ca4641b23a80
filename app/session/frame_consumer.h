// The session engine's fan-out: every finished frame goes to each consumer (preview, recorder,
// stills, virtual camera) from one place, the stylize stage. Consumers must return quickly: one
// that encodes or writes does so on its own thread and keeps only what it needs (frames are
// shared, immutable, reference-counted).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/media/frame_source.h"
#include "engine/image.h"

namespace pastiche::session {

// One finished frame. stylized is at the output size; original is the processed input (the
// same size as stylized), for split and side-by-side views.
struct SessionFrame {
    std::shared_ptr<const Image8> stylized;
    std::shared_ptr<const Image8> original;
    int64_t index = 0;          // the source's frame number
    int64_t ptsMicros = 0;      // the source's presentation time
    int64_t captureNanos = 0;   // steady_clock when the source produced it
    int64_t loopOffsetMicros = 0;  // a looping file: ptsMicros - this is the file's own time
    double stylizeMs = 0;       // backend time spent on this frame
    bool isStylized = false;   // false: no style yet (or an error); stylized holds the original
};

class FrameConsumer {
public:
    virtual ~FrameConsumer() = default;
    // A new source started (size, rate, live or not). Called before its first frame.
    virtual void sourceStarted(const SourceInfo& info) {}
    // Called on the stylize stage's thread for every finished frame; must not block.
    virtual void consume(const SessionFrame& frame) = 0;
    // The session is stopping (or the consumer is being removed): finish up, join threads.
    // Returns an error to report (e.g. the recording could not be finalised).
    virtual Status close() { return Status::ok(); }
};

}  // namespace pastiche::session
