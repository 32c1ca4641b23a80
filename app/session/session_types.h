// Plain types of the session engine: what the user controls, what the session reports.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "app/core/sizing.h"
#include "app/core/style_mix.h"
#include "app/core/stylizer.h"
#include "app/media/frame_source.h"

namespace pastiche::session {

enum class SessionMode {
    Live,  // real time: sources paced by their clock, the newest frame wins, frames may drop
    File,  // every frame in order, as fast as the stylizer goes (stylize of a video, export)
};
enum class Mirror { Off, On };

// Temporal stability for video when the user says nothing (docs/QUALITY.md: the warp error on
// pans and static shots falls to a third or less, sharpness kept).
constexpr double kDefaultVideoStability = 0.8;
enum class StillSize { Output, FullSource };

// Everything the user can change while the video runs; posted whole or in part and applied
// between frames by the stylize stage.
struct Controls {
    StyleMix mix;
    SizeSpec processingSize;    // the network's input size (style scale, speed)
    SizeSpec outputSize;        // native = the source's size
    Mirror mirror = Mirror::Off;
    double stability = 0;       // temporal stability, 0 = per frame
    bool preserveColors = false;
    BackendSpec backend;
};

struct SessionOptions {
    SessionMode mode = SessionMode::Live;
    std::string modelsDir;                          // empty: the default models directory
    std::string model = "fast";
    std::shared_ptr<const TransferNetwork> network;  // optional: already loaded
    // The content's own style vector (strength < 1), from the style network; unset: strength
    // below 1 only fades to the original picture.
    std::function<Result<StyleVector>(const Image8&)> contentVector;
    std::function<Result<std::unique_ptr<FrameSource>>(const SourceSpec&)> openSource;  // required
    // Writes a still (app/core's writeImage); unset: stills fail with a message. Handed in so
    // that the engine itself links no image codecs.
    std::function<Status(const std::string& path, const Image8& image)> writeImage;
    size_t fileQueueDepth = 4;
    int threads = 0;                                 // CPU backend threads, 0 = all cores
    bool warmUpBackendSwitch = true;                 // build a new backend beside the running one
    BackendFactory makeBackend;                      // benchmarks, tests: replaces the backend choice
    Controls initial;
};

struct SessionStats {
    int64_t framesIn = 0;         // taken from the source
    int64_t framesOut = 0;        // finished and handed to the consumers
    int64_t dropped = 0;          // live: replaced by newer frames before stylizing
    double captureFps = 0;        // the source's delivered rate
    double outputFps = 0;         // finished frames per second (last second)
    double stylizeMsAvg = 0, stylizeMsLast = 0;
    double latencyMsAvg = 0, latencyMsLast = 0;  // capture -> handed to the consumers
    int processWidth = 0, processHeight = 0, outputWidth = 0, outputHeight = 0;
    int framesInFlight = 1;
    std::string backend;          // Stylizer::description(), or "starting…"
    std::string switchingTo;      // non-empty while a backend switch warms up
    double elapsedSeconds = 0;
};

struct SessionCallbacks {
    std::function<void(const SourceInfo&)> sourceOpened;
    std::function<void(const Status&)> sourceFailed;
    std::function<void()> sourceEnded;
    std::function<void(int64_t ptsMicros)> position;
    std::function<void(const std::string& description)> backendChanged;
    std::function<void(const std::string& keptSpec, const Status&)> backendSwitchFailed;
    std::function<void(const std::string& message)> notice;
    std::function<void(const std::string& path)> stillSaved;
    std::function<void(const std::string& path, const Status&)> stillFailed;
    std::function<void(const std::string& path)> recordingStarted;
    std::function<void(const std::string& path, int64_t frames, const Status&)> recordingStopped;
};

}  // namespace pastiche::session
