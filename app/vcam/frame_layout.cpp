#include "app/vcam/frame_layout.h"

#include <cstring>
#include <vector>

namespace pastiche::vcam {

namespace {

size_t roundUp4(size_t n) { return (n + 3) & ~size_t(3); }

inline uint8_t lumaOf(int r, int g, int b) { return uint8_t(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16); }
inline uint8_t cbOf(int r, int g, int b) { return uint8_t(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128); }
inline uint8_t crOf(int r, int g, int b) { return uint8_t(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128); }

// The conversion runs once per new stylized frame (repeats are copies), 1280x720 by default. Each
// row is first split into R, G, B planes, then every loop is contiguous or of stride 2, which the
// compiler vectorises; target_clones adds an AVX2 build of each, picked at load time. The
// arithmetic is the plain per-pixel formula above, so every build gives the same bytes.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PASTICHE_VCAM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PASTICHE_VCAM_CLONES
#endif

struct Planes {
    std::vector<uint8_t> buffer;
    uint8_t *r, *g, *b;
    explicit Planes(int width) : buffer(size_t(width) * 3) { r = buffer.data(), g = r + width, b = g + width; }
};

PASTICHE_VCAM_CLONES
void splitRow(const uint8_t* __restrict p, uint8_t* __restrict r, uint8_t* __restrict g, uint8_t* __restrict b, int n) {
    for (int i = 0; i < n; ++i) {
        r[i] = p[3 * i];
        g[i] = p[3 * i + 1];
        b[i] = p[3 * i + 2];
    }
}

PASTICHE_VCAM_CLONES
void yuy2Row(const uint8_t* __restrict r, const uint8_t* __restrict g, const uint8_t* __restrict b,
             uint8_t* __restrict out, int pairs) {
    for (int i = 0; i < pairs; ++i) {
        const int r0 = r[2 * i], r1 = r[2 * i + 1], g0 = g[2 * i], g1 = g[2 * i + 1], b0 = b[2 * i], b1 = b[2 * i + 1];
        const int ra = (r0 + r1 + 1) >> 1, ga = (g0 + g1 + 1) >> 1, ba = (b0 + b1 + 1) >> 1;
        out[4 * i] = lumaOf(r0, g0, b0);
        out[4 * i + 1] = cbOf(ra, ga, ba);
        out[4 * i + 2] = lumaOf(r1, g1, b1);
        out[4 * i + 3] = crOf(ra, ga, ba);
    }
}

PASTICHE_VCAM_CLONES
void lumaRow(const uint8_t* __restrict p, uint8_t* __restrict out, int n) {
    for (int i = 0; i < n; ++i) out[i] = lumaOf(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
}

// Chroma of each 2x2 block of two split rows: into u and v with the given step (NV12 interleaves
// them: step 2, v = u + 1; I420: separate planes, step 1).
PASTICHE_VCAM_CLONES
void chroma420Row(const uint8_t* __restrict ra, const uint8_t* __restrict ga, const uint8_t* __restrict ba,
                  const uint8_t* __restrict rb, const uint8_t* __restrict gb, const uint8_t* __restrict bb,
                  uint8_t* __restrict u, uint8_t* __restrict v, int blocks) {
    for (int x = 0; x < blocks; ++x) {
        const int r = (ra[2 * x] + ra[2 * x + 1] + rb[2 * x] + rb[2 * x + 1] + 2) >> 2;
        const int g = (ga[2 * x] + ga[2 * x + 1] + gb[2 * x] + gb[2 * x + 1] + 2) >> 2;
        const int bl = (ba[2 * x] + ba[2 * x + 1] + bb[2 * x] + bb[2 * x + 1] + 2) >> 2;
        u[x] = cbOf(r, g, bl);
        v[x] = crOf(r, g, bl);
    }
}

PASTICHE_VCAM_CLONES
void interleaveRow(const uint8_t* __restrict u, const uint8_t* __restrict v, uint8_t* __restrict out, int n) {
    for (int i = 0; i < n; ++i) {
        out[2 * i] = u[i];
        out[2 * i + 1] = v[i];
    }
}

// Rows are converted straight from the source rows; chroma from the sums of each block (the
// frame is at the output size, whose width and height are even for the formats that subsample).
void convertYuy2(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    Planes planes(l.width);
    for (int y = 0; y < l.height; ++y) {
        splitRow(&img.pixels[size_t(y) * img.width * 3], planes.r, planes.g, planes.b, l.width);
        yuy2Row(planes.r, planes.g, planes.b, dst + l.offset[0] + y * l.stride[0], l.width / 2);
    }
}

void convertLuma(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    for (int y = 0; y < l.height; ++y)
        lumaRow(&img.pixels[size_t(y) * img.width * 3], dst + l.offset[0] + y * l.stride[0], l.width);
}

void convert420(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    convertLuma(img, l, dst);
    const bool interleaved = l.format == OutputFormat::Nv12;
    const size_t rowBytes = size_t(img.width) * 3;
    const int blocks = l.width / 2;
    Planes a(l.width), b(l.width), uv(l.width);  // uv: u in .r, v in .g
    for (int y = 0; y < l.height / 2; ++y) {
        const uint8_t* top = &img.pixels[size_t(2 * y) * rowBytes];
        splitRow(top, a.r, a.g, a.b, l.width);
        splitRow(top + rowBytes, b.r, b.g, b.b, l.width);
        uint8_t* u = dst + l.offset[1] + y * l.stride[1];
        if (interleaved) {
            chroma420Row(a.r, a.g, a.b, b.r, b.g, b.b, uv.r, uv.g, blocks);
            interleaveRow(uv.r, uv.g, u, blocks);
        } else {
            chroma420Row(a.r, a.g, a.b, b.r, b.g, b.b, u, dst + l.offset[2] + y * l.stride[2], blocks);
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
