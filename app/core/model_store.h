// Where models and bundled style images live, and how they get there: the manifest
// (models/manifest.tsv, embedded at build time), `pastiche models fetch|list|verify`, and path
// resolution with errors that tell the user how to fetch what is missing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/status.h"

namespace pastiche {

struct ManifestEntry {
    std::string id;            // "fast", "style-predict", "style:udnie"
    std::string file;
    std::string sha256;
    uint64_t bytes = 0;
    std::string role;          // style-network | transfer-network | style-image
    std::string sourceSubdir;  // under a shared/ root: models/magenta, media/styles
    std::string url;
    bool isStyleImage() const { return role == "style-image"; }
};

const std::vector<ManifestEntry>& manifest();
const ManifestEntry* findManifestEntry(const std::string& id);

// --models-dir, else $PASTICHE_MODELS, else $XDG_DATA_HOME/pastiche/models, else
// ~/.local/share/pastiche/models.
std::string resolveModelsDir(const std::string& overrideDir);
// Where an entry is stored: <dir>/<file>, style images under <dir>/styles/<file>.
std::string storedPath(const std::string& modelsDir, const ManifestEntry& entry);
// Path of a model by id, checked to exist; the error says how to fetch it.
Result<std::string> modelPath(const std::string& modelsDir, const std::string& id);
std::vector<std::string> bundledStyleImages(const std::string& modelsDir);  // fetched style images

// A local copy to fetch from: $PASTICHE_MODEL_SOURCE (a shared/ root or a folder holding the
// files). Empty if unset: then the official URLs are downloaded.
std::string findLocalSource();

struct FetchEvent {
    const ManifestEntry* entry = nullptr;
    enum class Kind { Start, Progress, Done, AlreadyPresent, Failed } kind = Kind::Start;
    uint64_t bytesDone = 0, bytesTotal = 0;
    std::string message;
};
using FetchCallback = std::function<void(const FetchEvent&)>;

// Fetches every manifest entry not yet present and valid: copies from the local source when it
// has the file, else downloads the URL (curl); verifies sha256 before moving it into place.
Status fetchModels(const std::string& modelsDir, const std::string& localSource, const FetchCallback& onEvent);

struct VerifyResult {
    const ManifestEntry* entry = nullptr;
    enum class State { Ok, Missing, WrongSize, WrongHash } state = State::Missing;
    std::string path;
};
std::vector<VerifyResult> verifyModels(const std::string& modelsDir);

}  // namespace pastiche
