// Factories behind openSource(); one file per kind of source.
#pragma once

#include <memory>

#include "app/media/frame_source.h"

namespace pastiche::media {

Result<std::unique_ptr<FrameSource>> openVideoFileSource(const SourceSpec& spec);
Result<std::unique_ptr<FrameSource>> openCameraSource(const SourceSpec& spec);
Result<std::unique_ptr<FrameSource>> openStillImageSource(const SourceSpec& spec);
Result<std::unique_ptr<FrameSource>> openTestPatternSource(const SourceSpec& spec);

int64_t steadyNanos();  // std::chrono::steady_clock now, for Frame::captureNanos

}  // namespace pastiche::media
