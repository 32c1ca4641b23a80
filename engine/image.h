// Image buffers exchanged with the engine. Interleaved HWC, RGB; rows tightly packed unless a
// stride is given. Float images hold 0..1 values, like the TFLite model's input and output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pastiche {

enum class PixelFormat { Rgb8, RgbF32 };

inline int bytesPerPixel(PixelFormat f) { return f == PixelFormat::Rgb8 ? 3 : 12; }

// Non-owning view of an input frame.
struct ConstImageView {
    const void* data = nullptr;
    int width = 0;
    int height = 0;
    PixelFormat format = PixelFormat::Rgb8;
    size_t strideBytes = 0;  // 0 = width * bytesPerPixel(format)
    size_t stride() const { return strideBytes ? strideBytes : size_t(width) * bytesPerPixel(format); }
};

// Non-owning view of an output frame.
struct ImageView {
    void* data = nullptr;
    int width = 0;
    int height = 0;
    PixelFormat format = PixelFormat::Rgb8;
    size_t strideBytes = 0;
    size_t stride() const { return strideBytes ? strideBytes : size_t(width) * bytesPerPixel(format); }
    operator ConstImageView() const { return {data, width, height, format, strideBytes}; }
};

// Owning 8-bit RGB image.
struct Image8 {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;  // width * height * 3
    Image8() = default;
    Image8(int w, int h) : width(w), height(h), pixels(size_t(w) * h * 3) {}
    bool empty() const { return pixels.empty(); }
    ConstImageView view() const { return {pixels.data(), width, height, PixelFormat::Rgb8, 0}; }
    ImageView view() { return {pixels.data(), width, height, PixelFormat::Rgb8, 0}; }
};

// Owning float RGB image (0..1).
struct ImageF {
    int width = 0;
    int height = 0;
    std::vector<float> pixels;  // width * height * 3
    ImageF() = default;
    ImageF(int w, int h) : width(w), height(h), pixels(size_t(w) * h * 3) {}
    ConstImageView view() const { return {pixels.data(), width, height, PixelFormat::RgbF32, 0}; }
    ImageView view() { return {pixels.data(), width, height, PixelFormat::RgbF32, 0}; }
};

}  // namespace pastiche
