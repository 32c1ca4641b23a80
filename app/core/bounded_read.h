// Reading a whole input file with a size bound: only regular files (a device such as /dev/zero
// or a pipe never ends), refused with a clear error above maxBytes instead of reading gigabytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pastiche {

// what names the kind of file for messages ("an image", "a style vector file").
Result<std::vector<uint8_t>> readBoundedFile(const std::string& path, uint64_t maxBytes, const std::string& what);

// Up to maxChars of text as a printable, single-line excerpt: control and non-ASCII bytes become
// \xNN, so a binary file never writes raw bytes to the user's terminal.
std::string printableExcerpt(const std::string& text, size_t maxChars = 24);

}  // namespace pastiche
