// A file-to-file harness for the media tests: source -> a cheap frame function -> sink, in one
// thread, so sources and sinks are tested without a network. The product's own pipeline is the
// session engine (app/session); this is a test double of its file mode, not a second one.
#pragma once

#include <functional>

#include "app/media/frame_sink.h"
#include "app/media/frame_source.h"

namespace pastiche::test {

using FrameFunction = std::function<Status(const Frame& in, Frame& out)>;

struct TranscodeStats {
    int64_t framesIn = 0, framesOut = 0;
};
struct TranscodeResult {
    TranscodeStats stats;
    Status status;  // the first error; the frames before it were written
};

inline TranscodeResult transcode(FrameSource& source, const FrameFunction& fn, VideoSink* sink, int64_t maxFrames = -1,
                                 const std::function<void(const Frame&)>& onFrame = {}) {
    TranscodeResult r;
    Frame in;
    while (maxFrames < 0 || r.stats.framesIn < maxFrames) {
        const ReadStatus rs = source.read(in);
        if (rs == ReadStatus::EndOfStream) break;
        if (rs == ReadStatus::Error) {
            r.status = source.lastError();
            break;
        }
        ++r.stats.framesIn;
        Frame out;
        Status st = fn(in, out);
        if (!st) {
            r.status = st.withContext("stylizing frame " + std::to_string(in.index));
            break;
        }
        out.ptsMicros = in.ptsMicros;
        out.index = in.index;
        out.captureNanos = in.captureNanos;
        if (sink) {
            st = sink->write(out);
            if (!st) {
                r.status = st;
                break;
            }
        }
        if (onFrame) onFrame(out);
        ++r.stats.framesOut;
    }
    if (sink) {
        Status st = sink->finish();
        if (r.status.isOk() && !st.isOk()) r.status = st;
    }
    return r;
}

}  // namespace pastiche::test
