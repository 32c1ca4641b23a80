// The conv choices file (engine/vulkan/conv_choice.h): what one process measured survives another
// process saving its own, and a damaged file costs a measurement, never a wrong variant.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/vulkan/conv_choice.h"

namespace pastiche::vk {
namespace {

namespace fs = std::filesystem;

class ConvChoiceFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("pastiche-conv-choice-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        cache_ = (dir_ / "vk-pipelines.bin").string();
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
    std::string cache_;
};

TEST_F(ConvChoiceFile, TwoWritersKeepEachOthersChoices) {
    ConvChoice a(cache_, false), b(cache_, false);  // both read the (absent) file first
    a.remember("layer 1 at 1920x1080", 2);
    b.remember("layer 1 at 3840x2160", 1);
    b.remember("layer 2 at 3840x2160", 0);
    ASSERT_TRUE(a.save());
    ASSERT_TRUE(b.save());  // the old save rewrote the file from b's map alone: a's choice went
    const ConvChoice reader(cache_, false);
    EXPECT_EQ(reader.remembered("layer 1 at 1920x1080"), 2);
    EXPECT_EQ(reader.remembered("layer 1 at 3840x2160"), 1);
    EXPECT_EQ(reader.remembered("layer 2 at 3840x2160"), 0);
    EXPECT_EQ(reader.remembered("layer 3 at 3840x2160"), -1);
    // A writer's own new measurement replaces the file's.
    a.remember("layer 1 at 3840x2160", 2);
    ASSERT_TRUE(a.save());
    EXPECT_EQ(ConvChoice(cache_, false).remembered("layer 1 at 3840x2160"), 2);
    EXPECT_EQ(ConvChoice(cache_, false).remembered("layer 2 at 3840x2160"), 0);
    for (const auto& e : fs::directory_iterator(dir_))  // no temporaries left behind
        EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

// The merge holds the lock: a save waits while another process (here: a second open file
// description, which flock treats alike) holds it, then merges what that one wrote.
TEST_F(ConvChoiceFile, SaveWaitsForTheLock) {
    ConvChoice a(cache_, false);
    a.remember("layer 1 at 1280x720", 1);
    const int held = ::open((cache_ + ".conv.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);
    std::atomic<bool> saved{false};
    std::thread saver([&] {
        EXPECT_TRUE(a.save());
        saved = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(saved) << "the save did not wait for the lock";
    {
        std::ofstream out(cache_ + ".conv");  // the holder's own save
        out << "layer 2 at 1280x720\t0\n";
    }
    ::close(held);
    saver.join();
    const ConvChoice reader(cache_, false);
    EXPECT_EQ(reader.remembered("layer 1 at 1280x720"), 1);
    EXPECT_EQ(reader.remembered("layer 2 at 1280x720"), 0);
}

TEST_F(ConvChoiceFile, DamagedLinesAreMeasuredAgain) {
    {
        std::ofstream out(cache_ + ".conv");
        out << "layer 1 at 640x360\t1\n"
            << "no tab here\n"
            << "layer 2 at 640x360\t\n"
            << "layer 4 at 640x360\t7x\n"
            << "layer 5 at 640x360\tx\n"
            << "layer 3 at 640x360\t2";  // cut short: no newline, still whole
    }
    const ConvChoice c(cache_, false);
    EXPECT_EQ(c.remembered("layer 1 at 640x360"), 1);
    EXPECT_EQ(c.remembered("no tab here"), -1);
    EXPECT_EQ(c.remembered("layer 2 at 640x360"), -1);
    EXPECT_EQ(c.remembered("layer 4 at 640x360"), -1);  // not wholly a number: measured again
    EXPECT_EQ(c.remembered("layer 5 at 640x360"), -1);
    EXPECT_EQ(c.remembered("layer 3 at 640x360"), 2);
}

TEST_F(ConvChoiceFile, NothingMeasuredWritesNothing) {
    ConvChoice c(cache_, false);
    ASSERT_TRUE(c.save());
    EXPECT_FALSE(fs::exists(cache_ + ".conv"));
}

TEST_F(ConvChoiceFile, UnwritableDirectoryIsAnErrorNotACrash) {
    ConvChoice c((dir_ / "missing" / "vk-pipelines.bin").string(), false);
    c.remember("layer 1 at 640x360", 1);
    const Status s = c.save();
    EXPECT_FALSE(s);
    EXPECT_NE(s.message().find("conv choices"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace pastiche::vk
