#include "app/core/image_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace pastiche {

namespace fs = std::filesystem;

Result<Image8> readImage(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Status::error(path + ": no such file");
    if (fs::is_directory(path, ec)) return Status::error(path + ": is a directory, not an image");
    std::ifstream probe(path, std::ios::binary);
    if (!probe) return Status::error(path + ": cannot open (" + std::strerror(errno) + ")");
    cv::Mat bgr;
    try {
        bgr = cv::imread(path, cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        return Status::error(path + ": cannot decode image (" + e.what() + ")");
    }
    if (bgr.empty()) return Status::error(path + ": not a readable image (unsupported format, corrupt or truncated)");
    if (bgr.cols > 16384 || bgr.rows > 16384)
        return Status::error(path + ": image too large (" + std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows) + ")");
    Image8 out(bgr.cols, bgr.rows);
    cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, out.pixels.data());
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return out;
}

Status writeImage(const std::string& path, const Image8& image, int jpegQuality) {
    if (image.empty()) return Status::error(path + ": nothing to write (empty image)");
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    std::vector<int> params;
    if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, jpegQuality};
    else if (ext != ".png" && ext != ".bmp" && ext != ".webp" && ext != ".tif" && ext != ".tiff")
        return Status::error(path + ": unsupported image extension '" + ext + "' (use .png or .jpg)");
    cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> bytes;
    try {
        if (!cv::imencode(ext, bgr, bytes, params)) return Status::error(path + ": cannot encode image");
    } catch (const cv::Exception& e) {
        return Status::error(path + ": cannot encode image (" + e.what() + ")");
    }
    const std::string tmp = path + ".part";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return Status::error(path + ": cannot write (" + std::strerror(errno) + ")");
    size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
    int closeErr = std::fclose(f);
    if (n != bytes.size() || closeErr != 0) {
        int err = errno;
        std::remove(tmp.c_str());
        return Status::error(path + ": write failed (" + std::strerror(err) + ")");
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return Status::error(path + ": cannot rename temporary file (" + ec.message() + ")");
    }
    return Status::ok();
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


}  // namespace pastiche
