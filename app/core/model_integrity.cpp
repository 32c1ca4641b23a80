#include "app/core/model_integrity.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/core/sha256.h"

namespace pastiche {

namespace fs = std::filesystem;

namespace {

std::string defaultCacheDir() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    return (xdg && *xdg ? std::string(xdg) : std::string(home ? home : "/tmp") + "/.cache") + "/pastiche/verified";
}

// size, mtime (ns) and inode: any rewrite of the file changes at least one of them.
std::string fileStamp(const struct stat& st) {
    return std::to_string(st.st_size) + " " + std::to_string(int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec) +
           " " + std::to_string(st.st_ino);
}

}  // namespace

Result<std::string> verifyModelFile(const std::string& path, const ManifestEntry& entry, const std::string& cacheDirIn) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return Status::io(path + ": cannot read model file");
    if (!S_ISREG(st.st_mode)) return Status::invalidArgument(path + ": model is not a regular file");
    const std::string fix = "; run `pastiche models fetch` to replace it";
    if (uint64_t(st.st_size) != entry.bytes)
        return Status::corrupt("model '" + entry.id + "' (" + path + ") has " + std::to_string(st.st_size) +
                               " bytes, the manifest says " + std::to_string(entry.bytes) + fix);
    const std::string cacheDir = cacheDirIn.empty() ? defaultCacheDir() : cacheDirIn;
    std::error_code ec;
    const std::string absolute = fs::absolute(path, ec).string();
    const std::string record = cacheDir + "/" + sha256Hex(absolute.data(), absolute.size());
    const std::string stamp = fileStamp(st);
    {
        std::ifstream f(record);
        std::string line;
        if (std::getline(f, line) && line == stamp + " " + entry.sha256) return entry.sha256;
    }
    auto hash = sha256File(path);
    if (!hash) return hash.status();
    if (hash.value() != entry.sha256)
        return Status::corrupt("model '" + entry.id + "' (" + path + ") is damaged: sha256 " + hash.value() +
                               ", the manifest says " + entry.sha256 + fix);
    fs::create_directories(cacheDir, ec);
    const std::string part = record + ".part";
    {
        std::ofstream f(part);
        f << stamp << " " << entry.sha256 << "\n";
    }
    fs::rename(part, record, ec);  // a cache that cannot be written only costs a re-hash next time
    return hash;
}

}  // namespace pastiche
