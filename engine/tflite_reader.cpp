#include "engine/tflite_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace pastiche {

namespace {

constexpr long kMaxModelBytes = 512L << 20;

std::string baseName(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<std::vector<uint8_t>> readFile(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) return Status::error(path + ": cannot open: " + std::strerror(errno));
    if (std::fseek(f.get(), 0, SEEK_END) != 0) return Status::error(path + ": cannot seek");
    const long size = std::ftell(f.get());
    if (size < 0) return Status::error(path + ": cannot determine the size");
    if (size > kMaxModelBytes) return Status::error(path + ": too large for a model (" + std::to_string(size) + " bytes)");
    std::rewind(f.get());
    std::vector<uint8_t> data(static_cast<size_t>(size));
    if (size > 0 && std::fread(data.data(), 1, data.size(), f.get()) != data.size())
        return Status::error(path + ": read error");
    return data;
}

}  // namespace

Result<TransferNetwork> loadTransferNetwork(const std::string& path) {
    auto data = readFile(path);
    if (!data) return data.status();
    auto net = parseTransferNetwork(data->data(), data->size(), baseName(path));
    if (net) net->sourcePath = path;
    return net;
}

Result<StyleNetwork> loadStyleNetwork(const std::string& path) {
    auto data = readFile(path);
    if (!data) return data.status();
    auto net = parseStyleNetwork(data->data(), data->size(), baseName(path));
    if (net) net->sourcePath = path;
    return net;
}

}  // namespace pastiche
