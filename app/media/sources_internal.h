// Factories behind openSource(); one file per kind of source.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <opencv2/core/mat.hpp>

#include "app/media/frame_source.h"

namespace pastiche::media {

Result<std::unique_ptr<FrameSource>> openVideoFileSource(const SourceSpec& spec);
Result<std::unique_ptr<FrameSource>> openCameraSource(const SourceSpec& spec);
Result<std::unique_ptr<FrameSource>> openStillImageSource(const SourceSpec& spec);
Result<std::unique_ptr<FrameSource>> openTestPatternSource(const SourceSpec& spec);

// The camera source around any blocking grab function (a cv::VideoCapture in real use; tests
// pass fakes that stall or fail, to exercise the watchdog). grab returns false when the device
// is gone. The watchdog turns a grab that never returns into ReadStatus::Error.
using CameraGrab = std::function<bool(cv::Mat& bgr)>;
std::unique_ptr<FrameSource> makeCameraSource(CameraGrab grab, SourceInfo info, std::chrono::milliseconds watchdog);

// std::chrono::steady_clock now, for Frame::captureNanos (inline: the test pattern alone links
// no decoder).
inline int64_t steadyNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace pastiche::media
