// SHA-256 through OpenSSL's EVP interface, for verifying fetched models and keying the
// style-vector cache.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/status.h"

struct evp_md_ctx_st;

namespace pastiche {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t size);
    std::string hexDigest();  // finishes; the object is spent afterwards

private:
    struct FreeContext {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, FreeContext> ctx_;
};

std::string sha256Hex(const void* data, size_t size);
Result<std::string> sha256File(const std::string& path);

}  // namespace pastiche
