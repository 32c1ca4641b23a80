// Sources of frames: camera (OpenCV V4L2), video file (libav*), still image, test pattern.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/media/frame.h"
#include "engine/status.h"

namespace pastiche {

enum class SourceKind { Camera, VideoFile, StillImage, TestPattern };

struct SourceInfo {
    SourceKind kind = SourceKind::TestPattern;
    std::string description;   // "camera 0 (/dev/video0)", "file clip.mp4", ...
    int width = 0, height = 0;
    double fps = 0;            // nominal; 0 if unknown
    int64_t frameCount = -1;   // -1 if unknown / live
    int64_t durationMicros = -1;
    bool live = false;         // live sources drop frames under load; files never do
    bool hasAudio = false;
    std::string path;          // video files and images: the file (audio is carried from it)
};

// "camera:N", "file:PATH", "image:PATH", "test-pattern" (also the bare forms used by the CLI).
struct SourceSpec {
    SourceKind kind = SourceKind::TestPattern;
    int cameraIndex = 0;
    std::string path;
    // Requested size: capture size for cameras (the driver may pick another; see info()),
    // generated size for the test pattern, and output size for video files and still images,
    // which are scaled while converting to RGB. 0 = native / default (test pattern 1280x720).
    int width = 0, height = 0;
    // Requested fps: camera, test pattern (default 30). Still images: fps > 0 repeats the picture
    // forever at that rate (live use); fps == 0 delivers it once, then EndOfStream (file mode).
    double fps = 0;
    bool loop = false;           // video files: start again at the end (GUI playback)
    static std::optional<SourceSpec> parse(const std::string& text);
};

enum class ReadStatus { Frame, EndOfStream, Error };

class FrameSource {
public:
    virtual ~FrameSource() = default;
    virtual const SourceInfo& info() const = 0;
    // Blocks until the next frame. Error: lastError() says why (a vanished camera, a corrupt
    // packet that ends the stream); frames before it were delivered.
    virtual ReadStatus read(Frame& frame) = 0;
    virtual Status lastError() const = 0;
    // Video files: seek (GUI); others return an error.
    virtual Status seek(int64_t ptsMicros) { return Status::error("this source cannot seek"); }
};

Result<std::unique_ptr<FrameSource>> openSource(const SourceSpec& spec);

struct CameraDescription {
    int index = 0;
    std::string device;   // /dev/videoN
    std::string name;
    std::vector<std::pair<int, int>> resolutions;
};
std::vector<CameraDescription> listCameras();

}  // namespace pastiche
