// SHA-256 through OpenSSL: FIPS 180-4 test vectors, streaming in pieces, files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/core/sha256.h"

namespace pastiche {
namespace {

TEST(CoreSha256, KnownVectors) {
    EXPECT_EQ(sha256Hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    EXPECT_EQ(sha256Hex(two.data(), two.size()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(CoreSha256, StreamingInPiecesMatchesOneCall) {
    // One million 'a' (the FIPS long vector), fed in uneven pieces across block boundaries.
    const std::string chunk(999, 'a');
    Sha256 s;
    size_t fed = 0;
    while (fed + chunk.size() <= 1000000) {
        s.update(chunk.data(), chunk.size());
        fed += chunk.size();
    }
    s.update(chunk.data(), 1000000 - fed);
    EXPECT_EQ(s.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(CoreSha256, FileAndMissingFile) {
    const auto path = std::filesystem::temp_directory_path() / "pastiche-sha256-test.txt";
    std::ofstream(path) << "abc";
    auto h = sha256File(path.string());
    ASSERT_TRUE(h) << h.status().message();
    EXPECT_EQ(h.value(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    std::filesystem::remove(path);
    auto missing = sha256File(path.string());
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find(path.string()), std::string::npos);
}

}  // namespace
}  // namespace pastiche
