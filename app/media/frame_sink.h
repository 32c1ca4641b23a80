// Sinks: MP4/H.264 files (audio copied from the source file), still images.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/media/frame.h"
#include "engine/status.h"

namespace pastiche {

enum class FrameTiming {
    Variable,  // frames keep their own timestamps (VFR sources stay VFR)
    Constant,  // every frame 1/fps after the previous: the time base is 1/fps
};

struct VideoSinkOptions {
    std::string path;          // .mp4
    int width = 0, height = 0; // output size (odd sizes handled inside, see frame_sink.cpp)
    double fps = 30;           // nominal rate (Constant: the exact rate)
    FrameTiming timing = FrameTiming::Variable;
    int crf = 20;
    std::string preset = "veryfast";
    // x264 tune; "zerolatency" for live recordings: no lookahead or frame-thread delay, so a frame
    // reaches the file (and survives a crash) at once.
    std::string tune;
    // yuv420p (plays everywhere) or yuv444p (full colour resolution: stylized texture keeps its
    // colour edges; fewer players and hardware decoders handle it). With crf 0 the encode is
    // lossless.
    std::string pixFmt = "yuv420p";
    std::string audioFrom;     // a media file whose audio stream is carried over; empty = none
    int64_t audioFromMicros = 0;  // the source time of audioFrom that becomes the output's time 0
    // Tests: behave like a disk that fills up after this many bytes (ENOSPC); -1 = off.
    int64_t simulateDiskFullAfterBytes = -1;
};

class VideoSink {
public:
    virtual ~VideoSink() = default;
    // Frames must arrive in pts order. A write failure (disk full) returns an error; the file
    // written so far stays playable (fragmented MP4 / finalized on error).
    virtual Status write(const Frame& frame) = 0;
    virtual Status finish() = 0;  // flushes encoders, copies remaining audio, writes the trailer
    // A looping source started its next pass at output time outputMicros: the carried audio
    // (audioFrom) is copied up to there and starts again from the file's beginning.
    virtual Status restartAudio(int64_t outputMicros) = 0;
    virtual int64_t framesWritten() const = 0;
};

Result<std::unique_ptr<VideoSink>> openVideoSink(const VideoSinkOptions& options);

// Still images (PNG, JPEG, ... by extension) through app/core's writeImage: written to a
// temporary file and renamed, so a failure never leaves a truncated picture.
Status writeStillImage(const std::string& path, const Frame& frame, int jpegQuality = 95);

}  // namespace pastiche
