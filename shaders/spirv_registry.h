// Embedded SPIR-V of the compute shaders in shaders/*.comp (generated at build time).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pastiche::spirv {

struct Blob {
    const uint32_t* words = nullptr;
    size_t count = 0;  // number of 32-bit words
};

// The shader named `stem` (file name without .comp), fp16 or fp32 variant; empty if unknown.
Blob find(const char* stem, bool fp16);

// FNV-1a over every embedded shader: part of the persistent pipeline cache's key, so that a build
// with changed shaders never reuses pipelines compiled from the old ones.
uint64_t contentHash();

}  // namespace pastiche::spirv
