// SourceSpec parsing and the openSource() dispatcher.
#include "app/media/frame_source.h"

#include <chrono>
#include <cstdlib>

#include "app/media/sources_internal.h"

namespace pastiche {

namespace {
bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool looksLikeImage(const std::string& path) {
    auto dot = path.find_last_of('.');
    if (dot == std::string::npos) return false;
    std::string ext = path.substr(dot + 1);
    for (auto& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    for (const char* e : {"png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff", "ppm", "pgm"})
        if (ext == e) return true;
    return false;
}
}  // namespace

std::optional<SourceSpec> SourceSpec::parse(const std::string& text) {
    SourceSpec spec;
    if (text.empty()) return std::nullopt;
    if (text == "test-pattern" || text == "testpattern" || text == "pattern") {
        spec.kind = SourceKind::TestPattern;
        return spec;
    }
    auto parseIndex = [&](const std::string& digits) -> std::optional<SourceSpec> {
        if (digits.empty() || digits.size() > 3) return std::nullopt;
        for (char c : digits)
            if (c < '0' || c > '9') return std::nullopt;
        spec.kind = SourceKind::Camera;
        spec.cameraIndex = std::atoi(digits.c_str());
        return spec;
    };
    if (startsWith(text, "camera:")) return parseIndex(text.substr(7));
    if (startsWith(text, "/dev/video")) return parseIndex(text.substr(10));
    if (startsWith(text, "file:")) {
        spec.kind = SourceKind::VideoFile;
        spec.path = text.substr(5);
        return spec.path.empty() ? std::nullopt : std::optional(spec);
    }
    if (startsWith(text, "image:")) {
        spec.kind = SourceKind::StillImage;
        spec.path = text.substr(6);
        return spec.path.empty() ? std::nullopt : std::optional(spec);
    }
    if (auto camera = parseIndex(text)) return camera;  // bare "0"
    spec.kind = looksLikeImage(text) ? SourceKind::StillImage : SourceKind::VideoFile;
    spec.path = text;
    return spec;
}

Result<std::unique_ptr<FrameSource>> openSource(const SourceSpec& spec) {
    switch (spec.kind) {
        case SourceKind::Camera: return media::openCameraSource(spec);
        case SourceKind::VideoFile: return media::openVideoFileSource(spec);
        case SourceKind::StillImage: return media::openStillImageSource(spec);
        case SourceKind::TestPattern: return media::openTestPatternSource(spec);
    }
    return Status::error("unknown source kind");
}

}  // namespace pastiche
