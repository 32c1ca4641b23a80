#include "app/core/style_source.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/core/atomic_output.h"
#include "app/core/bounded_read.h"
#include "app/core/image_io.h"
#include "app/core/model_integrity.h"
#include "app/core/model_store.h"
#include "app/core/sha256.h"
#include "engine/cpu/style_predictor.h"
#include "engine/tflite_reader.h"

namespace pastiche {

namespace fs = std::filesystem;

constexpr uint64_t kMaxStyleImageBytes = 2ull << 30;

Result<StyleVector> readStyleVectorFile(const std::string& path) {
    // 100 numbers as text are well under 4 KB; allow generous formatting and comments-free padding.
    constexpr uint64_t kMaxVectorFileBytes = 64 * 1024;
    auto file = readBoundedFile(path, kMaxVectorFileBytes, "a style vector file");
    if (!file) return file.status();
    const std::string text(file.value().begin(), file.value().end());
    for (unsigned char c : text)
        if (c == 0 || (c < 0x20 && !std::isspace(c)) || c >= 0x7f)
            return Status::corrupt(path + ": binary data, not a style vector file (100 numbers as text, from "
                                   "`pastiche style-vector`)");
    std::istringstream f(text);
    StyleVector v{};
    std::string token;
    size_t n = 0;
    while (f >> token) {
        if (n >= v.size()) return Status::corrupt(path + ": more than 100 numbers; not a style vector");
        char* end = nullptr;
        float x = std::strtof(token.c_str(), &end);
        if (end == token.c_str() || *end != '\0' || !std::isfinite(x))
            return Status::corrupt(path + ": '" + printableExcerpt(token) + "' is not a finite number");
        // Style network outputs stay within a few units; far larger values overflow the
        // instance-norm parameters (a black image) rather than mean anything.
        if (std::fabs(x) > kMaxStyleVectorMagnitude)
            return Status::corrupt(path + ": value " + printableExcerpt(token) + " is out of range for a style vector (|x| <= " +
                                   std::to_string(int(kMaxStyleVectorMagnitude)) + ")");
        v[n++] = x;
    }
    if (n != v.size()) return Status::corrupt(path + ": has " + std::to_string(n) + " numbers, a style vector has 100");
    return v;
}

std::string formatStyleVector(const StyleVector& v) {
    std::string out;
    char buf[32];
    for (size_t i = 0; i < v.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%.9g", double(v[i]));
        out += buf;
        out += (i + 1) % 10 == 0 ? '\n' : ' ';
    }
    return out;
}

Status writeStyleVectorFile(const std::string& path, const StyleVector& v) {
    auto output = AtomicOutput::create(path);
    if (!output) return output.status();
    const std::string text = formatStyleVector(v);
    PASTICHE_RETURN_IF_ERROR(output.value().write(text.data(), text.size()));
    return output.value().commit();
}

ImageF prepareStyleImage(const Image8& image) {
    const int n = StyleNetwork::kInputSize;
    if (image.width == n && image.height == n) return toFloatImage(image);
    return toFloatImage(resizeImage(centerCropSquare(image), n, n));
}

StyleVectorSource::StyleVectorSource(std::string modelsDir, std::string cacheDir)
    : modelsDir_(std::move(modelsDir)), cacheDir_(std::move(cacheDir)) {
    if (cacheDir_.empty()) {
        const char* xdg = std::getenv("XDG_CACHE_HOME");
        const char* home = std::getenv("HOME");
        cacheDir_ = (xdg && *xdg ? std::string(xdg) : std::string(home ? home : "/tmp") + "/.cache") + "/pastiche/styles";
    }
}

Status StyleVectorSource::ensureNetwork() {
    if (network_) return Status::ok();
    auto path = modelPath(modelsDir_, "style-predict");  // checked against the manifest's sha256
    if (!path) return path.status();
    auto net = loadStyleNetwork(path.value());
    if (!net) return net.status();
    network_ = std::make_shared<StyleNetwork>(std::move(net).value());
    return Status::ok();
}

Result<std::string> StyleVectorSource::networkHash() {
    std::lock_guard lock(mutex_);
    if (!networkHash_.empty()) return networkHash_;
    const ManifestEntry* entry = findManifestEntry("style-predict");
    if (!entry) return Status::internal("the manifest has no style-predict entry");
    auto path = modelPath(modelsDir_, "style-predict");
    if (!path) return path.status();
    auto hash = verifyModelFile(path.value(), *entry);  // the file's own hash (cached by size+mtime)
    if (!hash) return hash.status();
    networkHash_ = hash.value();
    return networkHash_;
}

Result<StyleVector> StyleVectorSource::fromImage(const Image8& image) {
    std::lock_guard lock(mutex_);
    PASTICHE_RETURN_IF_ERROR(ensureNetwork());
    return predictStyle(*network_, prepareStyleImage(image));
}

Result<StyleVector> StyleVectorSource::fromImageFile(const std::string& path) {
    auto bytes = readBoundedFile(path, kMaxStyleImageBytes, "a style image");
    if (!bytes) return bytes.status().withContext("style image");
    // The cache key covers the image bytes and the style network file actually used: a
    // different (or damaged) network gives different vectors, and is refused before any hit.
    auto networkSha = networkHash();
    if (!networkSha) return networkSha.status();
    // v2: entries are written only for images that decoded without damage; older entries may
    // hold vectors of truncated images and are not used.
    const std::string keySource =
        "style-cache-v2 " + sha256Hex(bytes.value().data(), bytes.value().size()) + networkSha.value();
    const std::string key = sha256Hex(keySource.data(), keySource.size());
    const std::string cached = cacheDir_ + "/" + key + ".vec";
    std::error_code ec;
    if (fs::exists(cached, ec)) {
        auto v = readStyleVectorFile(cached);
        if (v) return v;  // a damaged cache entry is recomputed below
    }
    auto image = decodeImage(bytes.value(), path);
    if (!image) return image.status().withContext("style image");
    auto v = fromImage(image.value());
    if (!v) return v.status().withContext("style image " + path);
    fs::create_directories(cacheDir_, ec);
    if (!ec) writeStyleVectorFile(cached, v.value()).ignore();  // a cache that cannot be written costs a recompute
    return v;
}

Result<StyleVector> StyleVectorSource::fromArguments(const std::string& styleImage, const std::string& vectorFile) {
    if (!styleImage.empty() && !vectorFile.empty()) return Status::invalidArgument("give either --style or --style-vector, not both");
    if (!vectorFile.empty()) return readStyleVectorFile(vectorFile);
    if (styleImage.empty()) return Status::invalidArgument("no style given: use --style IMAGE or --style-vector FILE");
    return fromImageFile(styleImage);
}

}  // namespace pastiche
