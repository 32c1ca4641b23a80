#include "app/vcam/frame_layout.h"

#include <cstring>

namespace pastiche::vcam {

namespace {

size_t roundUp4(size_t n) { return (n + 3) & ~size_t(3); }

inline uint8_t lumaOf(int r, int g, int b) { return uint8_t(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16); }
inline uint8_t cbOf(int r, int g, int b) { return uint8_t(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128); }
inline uint8_t crOf(int r, int g, int b) { return uint8_t(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128); }

// Rows are converted straight from the source rows; chroma from the sums of each block (the
// frame is at the output size, whose width and height are even for the formats that subsample).
void convertYuy2(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    for (int y = 0; y < l.height; ++y) {
        uint8_t* row = dst + l.offset[0] + y * l.stride[0];
        const uint8_t* p = &img.pixels[size_t(y) * img.width * 3];
        for (int x = 0; x + 1 < l.width; x += 2, p += 6, row += 4) {
            const int r = (p[0] + p[3] + 1) >> 1, g = (p[1] + p[4] + 1) >> 1, b = (p[2] + p[5] + 1) >> 1;
            row[0] = lumaOf(p[0], p[1], p[2]);
            row[1] = cbOf(r, g, b);
            row[2] = lumaOf(p[3], p[4], p[5]);
            row[3] = crOf(r, g, b);
        }
    }
}

void convertLuma(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    for (int y = 0; y < l.height; ++y) {
        uint8_t* row = dst + l.offset[0] + y * l.stride[0];
        const uint8_t* src = &img.pixels[size_t(y) * img.width * 3];
        for (int x = 0; x < l.width; ++x, src += 3) row[x] = lumaOf(src[0], src[1], src[2]);
    }
}

void convert420(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    convertLuma(img, l, dst);
    const bool interleaved = l.format == OutputFormat::Nv12;
    const size_t rowBytes = size_t(img.width) * 3;
    for (int y = 0; y < l.height / 2; ++y) {
        uint8_t* u = dst + l.offset[1] + y * l.stride[1];
        uint8_t* v = interleaved ? u + 1 : dst + l.offset[2] + y * l.stride[2];
        const int step = interleaved ? 2 : 1;
        const uint8_t* a = &img.pixels[size_t(2 * y) * rowBytes];
        const uint8_t* b = a + rowBytes;
        for (int x = 0; x < l.width / 2; ++x, a += 6, b += 6) {
            const int r = (a[0] + a[3] + b[0] + b[3] + 2) >> 2;
            const int g = (a[1] + a[4] + b[1] + b[4] + 2) >> 2;
            const int bl = (a[2] + a[5] + b[2] + b[5] + 2) >> 2;
            u[x * step] = cbOf(r, g, bl);
            v[x * step] = crOf(r, g, bl);
        }
    }
}

void convertRgbx(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    const bool bgr = l.format == OutputFormat::Bgrx;
    for (int y = 0; y < l.height; ++y) {
        uint8_t* row = dst + l.offset[0] + y * l.stride[0];
        const uint8_t* src = &img.pixels[size_t(y) * img.width * 3];
        for (int x = 0; x < l.width; ++x, src += 3, row += 4) {
            row[0] = bgr ? src[2] : src[0];
            row[1] = src[1];
            row[2] = bgr ? src[0] : src[2];
            row[3] = 255;
        }
    }
}

}  // namespace

std::string formatName(OutputFormat format) {
    switch (format) {
        case OutputFormat::Yuy2: return "YUY2";
        case OutputFormat::Nv12: return "NV12";
        case OutputFormat::I420: return "I420";
        case OutputFormat::Rgbx: return "RGBx";
        case OutputFormat::Bgrx: return "BGRx";
    }
    return "?";
}

bool needsEvenHeight(OutputFormat format) { return format == OutputFormat::Nv12 || format == OutputFormat::I420; }
bool needsEvenWidth(OutputFormat format) { return needsEvenHeight(format) || format == OutputFormat::Yuy2; }

FrameLayout layoutWithStride(OutputFormat format, int width, int height, size_t stride0) {
    FrameLayout l;
    l.format = format;
    l.width = width;
    l.height = height;
    l.stride[0] = stride0;
    switch (format) {
        case OutputFormat::Yuy2:
        case OutputFormat::Rgbx:
        case OutputFormat::Bgrx:
            l.size = stride0 * height;
            break;
        case OutputFormat::Nv12:
            l.planes = 2;
            l.stride[1] = stride0;
            l.offset[1] = stride0 * height;
            l.size = l.offset[1] + l.stride[1] * (height / 2);
            break;
        case OutputFormat::I420:
            l.planes = 3;
            l.stride[1] = l.stride[2] = roundUp4(stride0 / 2);
            l.offset[1] = stride0 * height;
            l.offset[2] = l.offset[1] + l.stride[1] * (height / 2);
            l.size = l.offset[2] + l.stride[2] * (height / 2);
            break;
    }
    return l;
}

FrameLayout defaultLayout(OutputFormat format, int width, int height) {
    size_t bytesPerPixel = format == OutputFormat::Yuy2 ? 2 : (format == OutputFormat::Rgbx || format == OutputFormat::Bgrx) ? 4 : 1;
    return layoutWithStride(format, width, height, roundUp4(size_t(width) * bytesPerPixel));
}

void convertRgb(const Image8& rgb, const FrameLayout& layout, uint8_t* dst) {
    switch (layout.format) {
        case OutputFormat::Yuy2: convertYuy2(rgb, layout, dst); break;
        case OutputFormat::Nv12:
        case OutputFormat::I420: convert420(rgb, layout, dst); break;
        case OutputFormat::Rgbx:
        case OutputFormat::Bgrx: convertRgbx(rgb, layout, dst); break;
    }
}

void fillBlack(const FrameLayout& layout, uint8_t* dst) {
    Image8 black(layout.width, layout.height);  // zero-filled RGB
    convertRgb(black, layout, dst);
}

}  // namespace pastiche::vcam
