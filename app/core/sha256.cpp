#include "app/core/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace pastiche {

void Sha256::FreeContext::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

// EVP only fails here on allocation failure or a broken OpenSSL install; neither leaves a useful
// hash to return, so they throw like a failed allocation would.
Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL: cannot initialise a SHA-256 digest");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    if (EVP_DigestUpdate(ctx_.get(), data, size) != 1) throw std::runtime_error("OpenSSL: SHA-256 update failed");
}

std::string Sha256::hexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &length) != 1) throw std::runtime_error("OpenSSL: SHA-256 final failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

std::string sha256Hex(const void* data, size_t size) {
    Sha256 s;
    s.update(data, size);
    return s.hexDigest();
}

Result<std::string> sha256File(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return Status::error(path + ": cannot open");
    Sha256 s;
    std::vector<char> buf(1 << 16);
    while (f) {
        f.read(buf.data(), std::streamsize(buf.size()));
        s.update(buf.data(), size_t(f.gcount()));
    }
    if (f.bad()) return Status::error(path + ": read error");
    return s.hexDigest();
}

}  // namespace pastiche
