#include "app/core/image_header.h"

#include <cstring>

namespace pastiche {

namespace {

uint32_t be16(const uint8_t* p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t be32(const uint8_t* p) { return be16(p) << 16 | be16(p + 2); }
uint32_t le16(const uint8_t* p) { return uint32_t(p[1]) << 8 | p[0]; }
uint32_t le24(const uint8_t* p) { return le16(p) | uint32_t(p[2]) << 16; }
uint32_t le32(const uint8_t* p) { return le16(p) | le16(p + 2) << 16; }

Result<ImageHeader> pngHeader(const uint8_t* d, size_t n) {
    // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
    if (n < 24 || std::memcmp(d + 12, "IHDR", 4) != 0) return Status::corrupt("PNG header cut short or without IHDR");
    ImageHeader h{ImageFormat::Png, be32(d + 16), be32(d + 20)};
    if (h.width == 0 || h.height == 0) return Status::corrupt("PNG header gives a zero size");
    return h;
}

Result<ImageHeader> jpegHeader(const uint8_t* d, size_t n) {
    // Walk the marker segments up to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC).
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF) return Status::corrupt("JPEG marker expected at byte " + std::to_string(i));
        while (i < n && d[i] == 0xFF) ++i;  // fill bytes
        if (i >= n) break;
        const uint8_t m = d[i++];
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length field
        if (m == 0xD9 || m == 0xDA) return Status::corrupt("JPEG has no frame header before its image data");
        if (i + 2 > n) break;
        const uint32_t length = be16(d + i);
        const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof) {
            if (i + 7 > n) break;
            ImageHeader h{ImageFormat::Jpeg, be16(d + i + 5), be16(d + i + 3)};
            if (h.width == 0 || h.height == 0) return Status::corrupt("JPEG frame header gives a zero size");
            return h;
        }
        if (length < 2) return Status::corrupt("JPEG segment with an invalid length");
        i += length;
    }
    return Status::corrupt("JPEG cut short before its frame header");
}

Result<ImageHeader> bmpHeader(const uint8_t* d, size_t n) {
    if (n < 26) return Status::corrupt("BMP header cut short");
    const uint32_t infoSize = le32(d + 14);
    if (infoSize == 12) return ImageHeader{ImageFormat::Bmp, le16(d + 18), le16(d + 20)};
    const int64_t w = int32_t(le32(d + 18)), h = int32_t(le32(d + 22));
    return ImageHeader{ImageFormat::Bmp, w < 0 ? -w : w, h < 0 ? -h : h};
}

Result<ImageHeader> webpHeader(const uint8_t* d, size_t n) {
    if (n < 30) return Status::corrupt("WebP header cut short");
    if (std::memcmp(d + 12, "VP8 ", 4) == 0) return ImageHeader{ImageFormat::Webp, le16(d + 26) & 0x3FFF, le16(d + 28) & 0x3FFF};
    if (std::memcmp(d + 12, "VP8L", 4) == 0) {
        const uint32_t bits = le32(d + 21);
        return ImageHeader{ImageFormat::Webp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (std::memcmp(d + 12, "VP8X", 4) == 0) return ImageHeader{ImageFormat::Webp, le24(d + 24) + 1, le24(d + 27) + 1};
    return Status::corrupt("WebP without a known image chunk");
}

}  // namespace

Result<ImageHeader> readImageHeader(const uint8_t* d, size_t n) {
    static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (n >= 8 && std::memcmp(d, kPng, 8) == 0) return pngHeader(d, n);
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return jpegHeader(d, n);
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') return bmpHeader(d, n);
    if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) return webpHeader(d, n);
    return ImageHeader{};
}

const char* imageFormatName(ImageFormat format) {
    switch (format) {
    case ImageFormat::Png: return "PNG";
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::Webp: return "WebP";
    case ImageFormat::Unknown: break;
    }
    return "image";
}

}  // namespace pastiche
