#include "app/core/model_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/core/model_integrity.h"
#include "app/core/sha256.h"
#include "engine/env_switch.h"
#include "models/manifest_data.h"

namespace pastiche {

namespace fs = std::filesystem;

namespace {

std::vector<ManifestEntry> parseManifest(const std::string& text) {
    std::vector<ManifestEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> f;
        std::string field;
        std::istringstream ls(line);
        while (std::getline(ls, field, '\t')) f.push_back(field);
        if (f.size() < 7) continue;
        ManifestEntry e{f[0], f[1], f[2], std::stoull(f[3]), f[4], f[5], f[6]};
        out.push_back(std::move(e));
    }
    return out;
}

std::string envOr(const char* name, const std::string& fallback) { return env::value(name).value_or(fallback); }

Status copyFile(const std::string& from, const std::string& to) {
    std::error_code ec;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::error("copy " + from + " -> " + to + ": " + ec.message());
    return Status::ok();
}

Status download(const std::string& url, const std::string& to) {
    // curl is a declared dependency; it shows its own progress bar on stderr.
    pid_t pid = fork();
    if (pid < 0) return Status::error("cannot start curl");
    if (pid == 0) {
        execlp("curl", "curl", "-fL", "--retry", "2", "--connect-timeout", "20", "-#", "-o", to.c_str(),
               url.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return Status::error("curl not found; install curl or set PASTICHE_MODEL_SOURCE");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Status::error("download failed: " + url + " (curl exit " + std::to_string(WEXITSTATUS(status)) + ")");
    return Status::ok();
}

}  // namespace

const std::vector<ManifestEntry>& manifest() {
    static const std::vector<ManifestEntry> entries = parseManifest(generated::kModelManifest);
    return entries;
}

const ManifestEntry* findManifestEntry(const std::string& id) {
    for (const auto& e : manifest())
        if (e.id == id) return &e;
    return nullptr;
}

std::string resolveModelsDir(const std::string& overrideDir) {
    if (!overrideDir.empty()) return overrideDir;
    std::string env = envOr("PASTICHE_MODELS", "");
    if (!env.empty()) return env;
    std::string data = envOr("XDG_DATA_HOME", envOr("HOME", "/tmp") + "/.local/share");
    return data + "/pastiche/models";
}

std::string storedPath(const std::string& modelsDir, const ManifestEntry& entry) {
    return entry.isStyleImage() ? modelsDir + "/styles/" + entry.file : modelsDir + "/" + entry.file;
}

Result<std::string> modelPath(const std::string& modelsDir, const std::string& id) {
    const ManifestEntry* e = findManifestEntry(id);
    if (!e || e->isStyleImage()) {
        std::string known;
        for (const auto& m : manifest())
            if (!m.isStyleImage() && m.role == "transfer-network") known += (known.empty() ? "" : ", ") + m.id;
        return Status::invalidArgument("unknown model '" + id + "' (known transfer models: " + known + ")");
    }
    std::string path = storedPath(modelsDir, *e);
    if (!fs::exists(path))
        return Status::io("model '" + id + "' (" + e->file + ") not found in " + modelsDir +
                          "; run `pastiche models fetch` (or pass --models-dir DIR / set PASTICHE_MODELS)");
    auto verified = verifyModelFile(path, *e);  // the manifest's sha256, cached by size+mtime
    if (!verified) return verified.status();
    return path;
}

std::vector<std::string> bundledStyleImages(const std::string& modelsDir) {
    std::vector<std::string> out;
    for (const auto& e : manifest())
        if (e.isStyleImage() && fs::exists(storedPath(modelsDir, e))) out.push_back(storedPath(modelsDir, e));
    return out;
}

std::string findLocalSource() {
    // Only an explicit source: an installed program must not look beside its build tree or the
    // directory it was started from. Development scripts and tests set PASTICHE_MODEL_SOURCE.
    return envOr("PASTICHE_MODEL_SOURCE", "");
}

static std::string localCandidate(const std::string& source, const ManifestEntry& e) {
    if (source.empty()) return {};
    for (const std::string& p : {source + "/" + e.sourceSubdir + "/" + e.file, source + "/" + e.file}) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p;
    }
    return {};
}

Status fetchModels(const std::string& modelsDir, const std::string& localSource, const FetchCallback& onEvent) {
    std::error_code ec;
    fs::create_directories(modelsDir + "/styles", ec);
    if (ec) return Status::error("cannot create " + modelsDir + ": " + ec.message());
    auto emit = [&](const ManifestEntry& e, FetchEvent::Kind k, std::string msg = {}, uint64_t done = 0) {
        if (onEvent) onEvent(FetchEvent{&e, k, done, e.bytes, std::move(msg)});
    };
    std::string failures;
    for (const auto& e : manifest()) {
        const std::string dest = storedPath(modelsDir, e);
        if (fs::exists(dest, ec) && fs::file_size(dest, ec) == e.bytes) {
            auto h = sha256File(dest);
            if (h && h.value() == e.sha256) { emit(e, FetchEvent::Kind::AlreadyPresent); continue; }
        }
        emit(e, FetchEvent::Kind::Start, localCandidate(localSource, e).empty() ? "download " + e.url : "copy from " + localSource);
        const std::string part = dest + ".part";
        std::string local = localCandidate(localSource, e);
        Status st = local.empty() ? download(e.url, part) : copyFile(local, part);
        if (st) {
            auto h = sha256File(part);
            if (!h) st = h.status();
            else if (h.value() != e.sha256)
                st = Status::error("sha256 mismatch for " + e.file + ": got " + h.value() + ", expected " + e.sha256);
        }
        if (st) {
            fs::rename(part, dest, ec);
            if (ec) st = Status::error("cannot move " + part + " into place: " + ec.message());
        }
        if (!st) {
            fs::remove(part, ec);
            emit(e, FetchEvent::Kind::Failed, st.message());
            failures += (failures.empty() ? "" : "; ") + st.message();
            continue;
        }
        emit(e, FetchEvent::Kind::Done, {}, e.bytes);
    }
    if (!failures.empty()) return Status::error("fetch incomplete: " + failures);
    return Status::ok();
}

std::vector<VerifyResult> verifyModels(const std::string& modelsDir) {
    std::vector<VerifyResult> out;
    for (const auto& e : manifest()) {
        VerifyResult r{&e, VerifyResult::State::Ok, storedPath(modelsDir, e)};
        std::error_code ec;
        if (!fs::exists(r.path, ec)) r.state = VerifyResult::State::Missing;
        else if (fs::file_size(r.path, ec) != e.bytes) r.state = VerifyResult::State::WrongSize;
        else {
            auto h = sha256File(r.path);
            if (!h || h.value() != e.sha256) r.state = VerifyResult::State::WrongHash;
        }
        out.push_back(r);
    }
    return out;
}

}  // namespace pastiche
