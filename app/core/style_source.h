// Style vectors for the transfer network: from a style image (the style network, run once and
// cached on disk by the image's content hash) or from a text file of 100 floats.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "app/core/style_mix.h"  // blendStyleVectors
#include "engine/image.h"
#include "engine/status.h"
#include "engine/style_network.h"
#include "engine/transfer_network.h"

namespace pastiche {

Result<StyleVector> readStyleVectorFile(const std::string& path);
Status writeStyleVectorFile(const std::string& path, const StyleVector& v);
std::string formatStyleVector(const StyleVector& v);  // 100 whitespace-separated floats

// The style network's input: center-crop to square, resize to 256x256 (a 256x256 image is used
// as is), RGB / 255.
ImageF prepareStyleImage(const Image8& image);

class StyleVectorSource {
public:
    // The style network is loaded on first use. cacheDir empty = $XDG_CACHE_HOME/pastiche/styles.
    explicit StyleVectorSource(std::string modelsDir, std::string cacheDir = {});
    Result<StyleVector> fromImageFile(const std::string& path);   // cached by content hash
    Result<StyleVector> fromImage(const Image8& image);           // not cached
    // A style vector from either an image or a vector file, as the CLI flags give them.
    Result<StyleVector> fromArguments(const std::string& styleImage, const std::string& vectorFile);

private:
    Status ensureNetwork();
    std::string modelsDir_, cacheDir_;
    std::mutex mutex_;
    std::shared_ptr<StyleNetwork> network_;
};

}  // namespace pastiche
