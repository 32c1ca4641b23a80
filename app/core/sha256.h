// SHA-256 (FIPS 180-4), for verifying fetched models and keying the style-vector cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/status.h"

namespace pastiche {

class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    std::string hexDigest();  // finishes; the object is spent afterwards

private:
    void block(const uint8_t* p);
    uint32_t h_[8];
    uint8_t buf_[64];
    size_t bufLen_ = 0;
    uint64_t totalBytes_ = 0;
};

std::string sha256Hex(const void* data, size_t size);
Result<std::string> sha256File(const std::string& path);

}  // namespace pastiche
