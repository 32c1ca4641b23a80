#include "app/core/image_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "app/core/bounded_read.h"
#include "app/core/image_header.h"
#include "app/core/image_integrity.h"
#include "engine/cpu/memory_budget.h"

namespace pastiche {

namespace fs = std::filesystem;

namespace {

// Largest side any decoder is asked for; larger images are refused from the header alone.
constexpr int64_t kMaxImageSide = 16384;
constexpr uint64_t kMaxImageFileBytes = 2ull << 30;

// OpenCV checks its own pixel cap after reading a header and before decoding: set it to ours so
// that formats we do not parse (TIFF...) are also refused before decoding. Read once by OpenCV.
void capOpenCvDecodedPixels() {
    static const bool done = [] {
        setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxImageSide * kMaxImageSide).c_str(), 0);
        return true;
    }();
    (void)done;
}

}  // namespace

Result<Image8> readImage(const std::string& path) {
    auto file = readBoundedFile(path, kMaxImageFileBytes, "an image");
    if (!file) return file.status();
    return decodeImage(file.value(), path);
}

Result<Image8> decodeImage(const std::vector<uint8_t>& bytes, const std::string& path) {
    capOpenCvDecodedPixels();
    auto header = readImageHeader(bytes.data(), bytes.size());
    if (!header) return header.status().withContext(path);
    const ImageHeader h = header.value();
    if (h.width > 0) {
        const std::string size = std::to_string(h.width) + "x" + std::to_string(h.height);
        if (h.width > kMaxImageSide || h.height > kMaxImageSide)
            return Status::invalidArgument(path + ": " + imageFormatName(h.format) + " of " + size +
                                           " is too large (at most " + std::to_string(kMaxImageSide) + " per side)");
        // Decoded BGR, the RGB copy and a resized copy live at once.
        const uint64_t need = uint64_t(h.width) * uint64_t(h.height) * 3 * 3;
        PASTICHE_RETURN_IF_ERROR(checkMemoryBudget(need, path + ": decoding a " + size + " image"));
    }
    if (h.format == ImageFormat::Jpeg) PASTICHE_RETURN_IF_ERROR(checkJpegIntegrity(bytes.data(), bytes.size()).withContext(path));
    if (h.format == ImageFormat::Png) PASTICHE_RETURN_IF_ERROR(checkPngIntegrity(bytes.data(), bytes.size()).withContext(path));
    cv::Mat bgr;
    try {
        const cv::Mat encoded(1, int(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
        bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);  // applies EXIF orientation
    } catch (const cv::Exception& e) {
        return Status::corrupt(path + ": cannot decode image (" + e.what() + ")");
    } catch (const std::bad_alloc&) {
        return Status::outOfMemory(path + ": out of memory decoding the image");
    }
    if (bgr.empty())
        return Status::corrupt(path + ": not a readable image (unsupported format, corrupt, truncated or over " +
                               std::to_string(kMaxImageSide) + "x" + std::to_string(kMaxImageSide) + ")");
    if (bgr.cols > kMaxImageSide || bgr.rows > kMaxImageSide)
        return Status::invalidArgument(path + ": image too large (" + std::to_string(bgr.cols) + "x" +
                                       std::to_string(bgr.rows) + ")");
    Image8 out(bgr.cols, bgr.rows);
    cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, out.pixels.data());
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return out;
}

namespace {

std::string lowerExtension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

}  // namespace

Status checkImageOutputExtension(const std::string& path) {
    const std::string ext = lowerExtension(path);
    for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
        if (ext == known) return Status::ok();
    return Status::unsupported(path + ": unsupported image extension '" + ext + "' (use .png or .jpg)");
}

Status writeImage(AtomicOutput& output, const Image8& image, int jpegQuality) {
    const std::string& path = output.finalPath();
    if (image.empty()) return Status::invalidArgument(path + ": nothing to write (empty image)");
    PASTICHE_RETURN_IF_ERROR(checkImageOutputExtension(path));
    const std::string ext = lowerExtension(path);
    std::vector<int> params;
    if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, jpegQuality};
    cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
    std::vector<uchar> bytes;
    try {
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        if (!cv::imencode(ext, bgr, bytes, params)) return Status::internal(path + ": cannot encode image");
    } catch (const cv::Exception& e) {
        return Status::internal(path + ": cannot encode image (" + e.what() + ")");
    } catch (const std::bad_alloc&) {
        return Status::outOfMemory(path + ": out of memory encoding the image");
    }
    PASTICHE_RETURN_IF_ERROR(output.write(bytes.data(), bytes.size()));
    return output.commit();
}

Status writeImage(const std::string& path, const Image8& image, int jpegQuality) {
    PASTICHE_RETURN_IF_ERROR(checkImageOutputExtension(path));
    auto output = AtomicOutput::create(path);
    if (!output) return output.status();
    return writeImage(output.value(), image, jpegQuality);
}

Image8 centerCropSquare(const Image8& image) {
    int side = std::min(image.width, image.height);
    int x0 = (image.width - side) / 2, y0 = (image.height - side) / 2;
    Image8 out(side, side);
    for (int y = 0; y < side; ++y)
        std::memcpy(&out.pixels[size_t(y) * side * 3], &image.pixels[(size_t(y + y0) * image.width + x0) * 3], size_t(side) * 3);
    return out;
}

ImageF toFloatImage(const Image8& image) {
    ImageF out(image.width, image.height);
    for (size_t i = 0; i < image.pixels.size(); ++i) out.pixels[i] = float(image.pixels[i]) / 255.f;
    return out;
}

Image8 toImage8(const ImageF& image) {
    Image8 out(image.width, image.height);
    for (size_t i = 0; i < image.pixels.size(); ++i) {
        float v = image.pixels[i] * 255.f + 0.5f;
        out.pixels[i] = static_cast<uint8_t>(std::clamp(v, 0.f, 255.f));
    }
    return out;
}

Status checkProcessingSize(int width, int height) {
    if (width >= 1 && height >= 1 && width <= kMaxImageSide && height <= kMaxImageSide) return Status::ok();
    return Status::invalidArgument("processing size " + std::to_string(width) + "x" + std::to_string(height) +
                                   " is out of range (1.." + std::to_string(kMaxImageSide) + " per side); choose a smaller --size");
}


}  // namespace pastiche
