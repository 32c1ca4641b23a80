// A video file stylized to a video file through the session engine (File mode: every frame, in
// order, sound kept): what `pastiche stylize IN.mp4 -o OUT.mp4` and the desktop app's
// "Stylize video file…" export both run.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "app/core/stylizer.h"
#include "engine/status.h"

namespace pastiche::session {

struct FileJobOptions {
    std::string input, output;          // output: .mp4 / .m4v / .mov
    std::string modelsDir;              // empty: the default models directory
    std::string model = "fast";
    std::string styleImage;             // one of styleImage / styleVectorFile
    std::string styleVectorFile;
    double strength = 1.0;              // [0, 1]
    std::string size = "native";        // processing size: native | N (shorter side) | WxH
    std::string outputSize = "native";  // output size: native (the input's) | N | WxH
    double stability = -1;              // temporal stability [0, 1]; < 0: the default
    bool preserveColors = false;        // stylized luminance, the input's chroma
    std::string backend = "auto";       // auto | cpu | vulkan | vulkan:N
    int crf = 20;
    std::string preset = "veryfast";
    std::string pixFmt = "yuv420p";     // yuv420p | yuv444p
};

struct FileJobProgress {
    int64_t framesDone = 0;
    int64_t framesTotal = -1;   // -1: unknown
    double fps = 0;             // frames per second so far
    double etaSeconds = -1;     // -1: unknown
    double elapsedSeconds = 0;
};

struct FileJobResult {
    Status status;              // the first error; frames before it are in the (partial) output
    int64_t frames = 0;
    double seconds = 0;
    double fps = 0;
    double stylizeMsAvg = 0;
    std::string description;    // "stylizing a.mp4 (1280x720 -> 1280x720, audio copied) with cpu (2 threads)"
};

// Blocks until done, failed or *cancel turns true (then status says Cancelled and the output
// keeps the frames so far). progress is called from a worker thread, at most ~10 times a second.
FileJobResult runFileJob(const FileJobOptions& options, const std::function<void(const FileJobProgress&)>& progress,
                         const std::atomic<bool>* cancel, const NoticeCallback& notice);

}  // namespace pastiche::session
