// decode -> stylize -> encode as three threads joined by bounded queues.
// File mode: blocking queues, every frame reaches the sink, in order. Live mode: the capture
// queue keeps only the newest frame (latest wins) and counts drops; sources that are not live
// themselves (files, test pattern, still image) are paced by their timestamps, like a camera.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "app/media/frame_sink.h"
#include "app/media/frame_source.h"

namespace pastiche::media {

enum class PipelineMode { File, Live };

// The stylize stage: in -> out (the CLI plugs in the Stylizer; tests use cheap functions).
// out arrives with in's size already allocated only if the function leaves it alone; it may
// resize out. Timestamps are copied from in by the pipeline.
using StylizeFunction = std::function<Status(const Frame& in, Frame& out)>;

struct PipelineStats {
    int64_t framesIn = 0;       // read from the source
    int64_t framesOut = 0;      // stylized and handed to the sink / consumer
    int64_t dropped = 0;        // live mode: frames replaced by newer ones before stylizing
    int64_t expectedFrames = -1;// from the source, -1 if unknown
    double captureFps = 0;      // frames read per second
    double outputFps = 0;       // frames out per second of wall time
    double stylizeMsAvg = 0;    // mean time inside the stylize function
    double stylizeMsLast = 0;
    double elapsedSeconds = 0;
    double latencyMsAvg = 0;    // source capture -> handed to the sink (live: what a viewer waits)
};

struct PipelineOptions {
    PipelineMode mode = PipelineMode::File;
    size_t queueDepth = 4;        // file mode: frames buffered between stages
    int64_t maxFrames = -1;       // stop after this many source frames (-1: until the end)
    double maxSeconds = -1;       // live: stop after this much wall time (-1: no limit)
    VideoSink* sink = nullptr;    // optional; finish() is called at the end
    std::function<void(const Frame& stylized)> onFrame;       // optional (GUI preview), sink thread
    std::function<void(const PipelineStats&)> onProgress;     // after every output frame, sink thread
    const std::atomic<bool>* stop = nullptr;                  // optional external stop request
};

struct PipelineResult {
    PipelineStats stats;
    Status status;  // the first error (source, stylize or sink); frames before it were written
};

// Runs until the source ends, maxFrames/maxSeconds is reached, *stop turns true, or an error.
PipelineResult runPipeline(FrameSource& source, const StylizeFunction& stylize, const PipelineOptions& options);

}  // namespace pastiche::media
