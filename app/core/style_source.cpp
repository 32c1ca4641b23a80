#include "app/core/style_source.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/core/image_io.h"
#include "app/core/model_store.h"
#include "app/core/sha256.h"
#include "engine/cpu/style_predictor.h"
#include "engine/tflite_reader.h"

namespace pastiche {

namespace fs = std::filesystem;

Result<StyleVector> readStyleVectorFile(const std::string& path) {
    std::ifstream f(path);
    if (!f) return Status::error(path + ": cannot open style vector file");
    StyleVector v{};
    std::string token;
    size_t n = 0;
    while (f >> token) {
        if (n >= v.size()) return Status::error(path + ": more than 100 numbers; not a style vector");
        char* end = nullptr;
        float x = std::strtof(token.c_str(), &end);
        if (end == token.c_str() || *end != '\0' || !std::isfinite(x))
            return Status::error(path + ": '" + token + "' is not a finite number");
        v[n++] = x;
    }
    if (n != v.size()) return Status::error(path + ": has " + std::to_string(n) + " numbers, a style vector has 100");
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
    std::ofstream f(path);
    if (!f) return Status::error(path + ": cannot write");
    f << formatStyleVector(v);
    f.close();
    if (!f) return Status::error(path + ": write failed");
    return Status::ok();
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
    auto path = modelPath(modelsDir_, "style-predict");
    if (!path) return path.status();
    auto net = loadStyleNetwork(path.value());
    if (!net) return net.status();
    network_ = std::make_shared<StyleNetwork>(std::move(net).value());
    return Status::ok();
}

Result<StyleVector> StyleVectorSource::fromImage(const Image8& image) {
    std::lock_guard lock(mutex_);
    PASTICHE_RETURN_IF_ERROR(ensureNetwork());
    return predictStyle(*network_, prepareStyleImage(image));
}

Result<StyleVector> StyleVectorSource::fromImageFile(const std::string& path) {
    auto hash = sha256File(path);
    if (!hash) return Status::error(path + ": cannot read style image");
    // The cache key covers the image bytes and the style network (a different model would give
    // different vectors).
    const ManifestEntry* net = findManifestEntry("style-predict");
    const std::string keySource = hash.value() + (net ? net->sha256 : "");
    const std::string key = sha256Hex(keySource.data(), keySource.size());
    const std::string cached = cacheDir_ + "/" + key + ".vec";
    std::error_code ec;
    if (fs::exists(cached, ec)) {
        auto v = readStyleVectorFile(cached);
        if (v) return v;  // a damaged cache entry is recomputed below
    }
    auto image = readImage(path);
    if (!image) return image.status();
    auto v = fromImage(image.value());
    if (!v) return v.status().withContext("style image " + path);
    fs::create_directories(cacheDir_, ec);
    if (!ec) {
        const std::string tmp = cached + ".part";
        if (writeStyleVectorFile(tmp, v.value())) fs::rename(tmp, cached, ec);
    }
    return v;
}

Result<StyleVector> StyleVectorSource::fromArguments(const std::string& styleImage, const std::string& vectorFile) {
    if (!styleImage.empty() && !vectorFile.empty()) return Status::error("give either --style or --style-vector, not both");
    if (!vectorFile.empty()) return readStyleVectorFile(vectorFile);
    if (styleImage.empty()) return Status::error("no style given: use --style IMAGE or --style-vector FILE");
    return fromImageFile(styleImage);
}

}  // namespace pastiche
