// Issue 3 bar 3: a Vulkan failure (at start-up, at reshape, mid-stream) moves the Stylizer to the
// CPU backend with a notice, and the frame still comes out right (equal to the CPU's output).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "app/core/image_io.h"
#include "app/core/stylizer.h"
#include "engine/tflite_reader.h"
#include "support/test_support.h"

namespace pastiche::test {
namespace {

class StylizerFallback : public ::testing::Test {
protected:
    void SetUp() override {
        if (!goldensAvailable()) GTEST_SKIP() << "goldens (models) not made";
        auto net = loadTransferNetwork(modelsDir() + "/style_transfer_f16_384.tflite");
        ASSERT_TRUE(net) << net.status().message();
        network_ = std::make_shared<TransferNetwork>(std::move(net).value());
        style_ = readStyleVector(goldenPath("vec_ours.bin"));
        input_ = Image8(67, 45);
        for (size_t i = 0; i < input_.pixels.size(); ++i) input_.pixels[i] = uint8_t((i * 37) % 251);
        StylizerOptions cpu;
        cpu.backend.choice = BackendSpec::Choice::Cpu;
        auto s = Stylizer::create(network_, cpu);
        ASSERT_TRUE(s) << s.status().message();
        expected_ = Image8(input_.width, input_.height);
        ASSERT_TRUE(s.value()->setStyle(style_));
        ASSERT_TRUE(s.value()->stylize(input_.view(), expected_.view()));
    }

    void expectFallback(const char* stage) {
        ScopedEnv env("PASTICHE_VK_FAIL", stage);
        std::vector<std::string> notices;
        StylizerOptions options;
        options.backend.choice = BackendSpec::Choice::Vulkan;
        auto s = Stylizer::create(network_, options, [&](const std::string& m) { notices.push_back(m); });
        ASSERT_TRUE(s) << stage << ": " << s.status().message();
        ASSERT_TRUE(s.value()->setStyle(style_));
        Image8 out(input_.width, input_.height);
        Status st = s.value()->stylize(input_.view(), out.view());
        ASSERT_TRUE(st) << stage << ": " << st.message();
        EXPECT_EQ(s.value()->backend().kind(), BackendKind::Cpu) << stage;
        ASSERT_FALSE(notices.empty()) << stage << ": the user must be told about the fallback";
        EXPECT_NE(notices.back().find("CPU"), std::string::npos) << notices.back();
        EXPECT_EQ(out.pixels, expected_.pixels) << stage << ": fallback output differs from the CPU backend";
    }

    std::shared_ptr<TransferNetwork> network_;
    StyleVector style_{};
    Image8 input_, expected_;
};

TEST_F(StylizerFallback, VulkanCreateFailure) { expectFallback("create"); }

TEST_F(StylizerFallback, VulkanReshapeFailure) {
    auto devices = listVulkanDevices();
    if (!devices || devices.value().empty()) GTEST_SKIP() << "no Vulkan device: reshape is never reached";
    expectFallback("reshape");
}

TEST_F(StylizerFallback, VulkanRunFailure) {
    auto devices = listVulkanDevices();
    if (!devices || devices.value().empty()) GTEST_SKIP() << "no Vulkan device: run is never reached";
    expectFallback("run");
}

}  // namespace
}  // namespace pastiche::test
