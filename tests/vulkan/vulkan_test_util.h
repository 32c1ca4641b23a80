// Helpers for the Vulkan tests: validation on, synthetic networks with random weights, frames,
// running a backend on float frames, and where the real model is.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/transfer_network.h"

namespace pastiche::test {

// True when a Vulkan device exists; else the message says why (for GTEST_SKIP).
bool vulkanAvailable(std::string* why);

#define PASTICHE_REQUIRE_VULKAN()                                  \
    do {                                                           \
        std::string _why;                                          \
        if (!::pastiche::test::vulkanAvailable(&_why)) GTEST_SKIP() << "no Vulkan device: " << _why; \
    } while (0)

TransferLayer randomLayer(const std::string& name, int k, int s, int in, int out, bool upsample, bool norm,
                          Activation act, ResidualRole role, unsigned seed);
// Magenta's transfer network shape (3-8-16-32, 5 residual blocks, 32-16-8-3) with random weights.
TransferNetwork magentaShapedNetwork(unsigned seed);
StyleVector randomStyle(unsigned seed);
ImageF testFrame(int w, int h, unsigned seed);  // smooth pattern + noise, 0..1

// Path of style_transfer_f16_384.tflite: $PASTICHE_VK_MODEL, ../shared, or <source>/.devdata.
std::string realModelPath();

std::unique_ptr<TransferBackend> makeVulkan(const TransferNetwork& net, Precision p, bool profile = false);
std::unique_ptr<TransferBackend> makeCpu(const TransferNetwork& net);
// reshape + setStyle + run on a float frame; fails the test on error.
ImageF runFloat(TransferBackend& b, const ImageF& in, const StyleVector& style);

// Every recorded validation message so far (and clears them).
std::vector<std::string> takeValidationMessages();

// The Vulkan tests' fixture: the validation layer must stay silent through the test.
class ValidationSilentTest : public ::testing::Test {
protected:
    void SetUp() override { takeValidationMessages(); }
    void TearDown() override {
        auto messages = takeValidationMessages();
        EXPECT_TRUE(messages.empty()) << messages.size() << " validation messages, first: " << messages.front();
    }
};

}  // namespace pastiche::test
