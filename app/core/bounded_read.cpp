#include "app/core/bounded_read.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/cpu/memory_budget.h"

namespace pastiche {

namespace fs = std::filesystem;

Result<std::vector<uint8_t>> readBoundedFile(const std::string& path, uint64_t maxBytes, const std::string& what) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return Status::io(path + ": no such file");
    if (fs::is_directory(st)) return Status::invalidArgument(path + ": is a directory, not " + what);
    if (!fs::is_regular_file(st)) return Status::invalidArgument(path + ": not a regular file (" + what + " must be one)");
    const uint64_t size = fs::file_size(path, ec);
    if (ec) return Status::io(path + ": cannot read its size (" + ec.message() + ")");
    if (size == 0) return Status::corrupt(path + ": empty file, not " + what);
    if (size > maxBytes)
        return Status::invalidArgument(path + ": " + formatBytes(size) + " is larger than " + what + " may be (" +
                                       formatBytes(maxBytes) + ")");
    std::ifstream f(path, std::ios::binary);
    if (!f) return Status::io(path + ": cannot open (" + std::strerror(errno) + ")");
    std::vector<uint8_t> bytes(size);
    f.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
    if (uint64_t(f.gcount()) != size) return Status::io(path + ": read failed (file changed while reading?)");
    return bytes;
}

std::string printableExcerpt(const std::string& text, size_t maxChars) {
    std::string out;
    for (size_t i = 0; i < text.size() && i < maxChars; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += char(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (text.size() > maxChars) out += "...";
    return out;
}

}  // namespace pastiche
