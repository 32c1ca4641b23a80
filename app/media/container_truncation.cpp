#include "app/media/container_truncation.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

namespace pastiche::media {

namespace {

std::vector<uint8_t> readHead(const std::string& path, size_t n) {
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> head(n);
    f.read(reinterpret_cast<char*>(head.data()), std::streamsize(n));
    head.resize(size_t(std::max<std::streamsize>(0, f.gcount())));
    return head;
}

uint64_t fileSize(const std::string& path) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    return f ? uint64_t(f.tellg()) : 0;
}

std::string cutShort(uint64_t have, uint64_t declared, const char* what) {
    return "the file is cut short (" + std::to_string(have) + " of the " + std::to_string(declared) + " bytes its " +
           what + " gives; truncated?)";
}

// EBML variable-size integer at p; false when malformed. unknown: all value bits set.
bool readVint(const std::vector<uint8_t>& d, size_t& p, uint64_t& value, bool& unknown, bool keepMarker) {
    if (p >= d.size() || d[p] == 0) return false;
    int length = 1;
    while (!(d[p] & (0x80 >> (length - 1)))) ++length;
    if (p + size_t(length) > d.size()) return false;
    uint64_t v = keepMarker ? d[p] : (d[p] & (0xFF >> length));
    bool allOnes = (d[p] & (0xFF >> length)) == (0xFF >> length);
    for (int i = 1; i < length; ++i) {
        v = v << 8 | d[p + size_t(i)];
        allOnes = allOnes && d[p + size_t(i)] == 0xFF;
    }
    p += size_t(length);
    value = v;
    unknown = allOnes;
    return true;
}

std::string matroska(const std::string& path, uint64_t size) {
    const std::vector<uint8_t> d = readHead(path, 4096);
    size_t p = 0;
    uint64_t id = 0, len = 0;
    bool unknown = false;
    if (!readVint(d, p, id, unknown, true) || id != 0x1A45DFA3) return {};
    if (!readVint(d, p, len, unknown, false) || unknown) return {};
    p += size_t(len);  // the EBML header's body
    if (!readVint(d, p, id, unknown, true) || id != 0x18538067) return {};
    if (!readVint(d, p, len, unknown, false) || unknown) return {};  // live recordings: size unknown
    const uint64_t declared = uint64_t(p) + len;
    return size < declared ? cutShort(size, declared, "Matroska segment header") : std::string();
}

std::string riff(const std::string& path, uint64_t size) {
    const std::vector<uint8_t> d = readHead(path, 12);
    if (d.size() < 12 || d[0] != 'R' || d[1] != 'I' || d[2] != 'F' || d[3] != 'F') return {};
    const uint64_t declared = 8 + (uint64_t(d[4]) | uint64_t(d[5]) << 8 | uint64_t(d[6]) << 16 | uint64_t(d[7]) << 24);
    return size < declared ? cutShort(size, declared, "RIFF header") : std::string();
}

std::string isoBoxes(const std::string& path, uint64_t size) {
    std::ifstream f(path, std::ios::binary);
    uint64_t pos = 0;
    for (int boxes = 0; pos + 8 <= size && boxes < 100000; ++boxes) {
        uint8_t h[16];
        f.seekg(std::streamoff(pos));
        if (!f.read(reinterpret_cast<char*>(h), 8)) return {};
        uint64_t box = uint64_t(h[0]) << 24 | uint64_t(h[1]) << 16 | uint64_t(h[2]) << 8 | h[3];
        if (box == 1) {
            if (!f.read(reinterpret_cast<char*>(h + 8), 8)) return {};
            box = 0;
            for (int i = 8; i < 16; ++i) box = box << 8 | h[i];
        } else if (box == 0) {
            return {};  // extends to the end of the file
        }
        if (box < 8) return {};  // not a box structure we understand; let the demuxer judge
        if (pos + box > size) return cutShort(size, pos + box, "MP4 boxes");
        pos += box;
    }
    return {};
}

std::string transportStream(uint64_t size) {
    // 188-byte packets (192 in M2TS, 204 with Reed-Solomon): a file cut anywhere else is short.
    if (size % 188 == 0 || size % 192 == 0 || size % 204 == 0) return {};
    return "the file is cut short (" + std::to_string(size) +
           " bytes is not a whole number of MPEG-TS packets; truncated?)";
}

}  // namespace

std::string containerTruncation(const std::string& path, const std::string& formatName) {
    const uint64_t size = fileSize(path);
    if (size == 0) return {};
    if (formatName.rfind("matroska", 0) == 0) return matroska(path, size);
    if (formatName == "avi" || formatName == "wav") return riff(path, size);
    if (formatName.find("mp4") != std::string::npos || formatName.find("mov") != std::string::npos) return isoBoxes(path, size);
    if (formatName == "mpegts") return transportStream(size);
    return {};
}

}  // namespace pastiche::media
