// The session's source frames are recycled, and the test pattern repaints only what moved in a
// frame it painted before: through the whole session (file mode, a backend that hands each frame
// back unchanged) every frame arrives, in order, with the pixels of the pattern at its index.
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "app/media/sources_internal.h"
#include "app/session/callback_consumer.h"
#include "app/session/session.h"
#include "support/pass_through_backend.h"
#include "support/test_support.h"

namespace pastiche::test {
namespace {

class FirstFrames final : public FrameSource {  // the pattern, ending after `frames` frames
public:
    FirstFrames(std::unique_ptr<FrameSource> inner, int64_t frames) : inner_(std::move(inner)), left_(frames) {}
    const SourceInfo& info() const override { return inner_->info(); }
    ReadStatus read(Frame& frame) override { return left_-- > 0 ? inner_->read(frame) : ReadStatus::EndOfStream; }
    Status lastError() const override { return inner_->lastError(); }

private:
    std::unique_ptr<FrameSource> inner_;
    int64_t left_;
};

// The pattern's frame `index` drawn whole, by a fresh source into a fresh frame.
Image8 patternFrame(const SourceSpec& spec, int64_t index) {
    auto source = media::openTestPatternSource(spec);
    Frame frame;
    EXPECT_TRUE(source && source.value()->seek(int64_t(std::llround(index * 1e6 / source.value()->info().fps))));
    EXPECT_EQ(source.value()->read(frame), ReadStatus::Frame);
    EXPECT_EQ(frame.index, index);
    return frame.image;
}

TEST(SessionEngine, RecycledPatternFramesReachTheConsumersWholeAndInOrder) {
    constexpr int64_t kFrames = 240;
    SourceSpec spec;
    spec.kind = SourceKind::TestPattern;
    spec.width = 320;
    spec.height = 180;
    session::SessionOptions o;
    o.mode = session::SessionMode::File;
    o.modelsDir = modelsDir();
    o.openSource = [](const SourceSpec& s) -> Result<std::unique_ptr<FrameSource>> {
        auto pattern = media::openTestPatternSource(s);
        if (!pattern) return pattern.status();
        return std::unique_ptr<FrameSource>(new FirstFrames(std::move(pattern).value(), kFrames));
    };
    o.makeBackend = [](const TransferNetwork&) { return PassThroughBackend::make(PassThroughBackend::Pixels::Copy); };
    o.initial.mix.style = StyleVector{};
    // CPU: no Vulkan device probe (the made backend replaces either; the probe's loader and
    // driver are unloaded before exit, where LeakSanitizer cannot name their allocations).
    o.initial.backend.choice = BackendSpec::Choice::Cpu;
    o.warmUpBackendSwitch = false;
    std::mutex m;  // both outlive the session, whose thread fills them
    std::vector<session::SessionFrame> seen;
    session::Session s(std::move(o), {});
    s.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame& f) {
        std::lock_guard lock(m);
        seen.push_back(f);  // holds every frame: none comes back, each is a new one
    }));
    s.openSource(spec);
    ASSERT_TRUE(s.waitUntilEnded().isOk());
    ASSERT_EQ(int64_t(seen.size()), kFrames);
    for (int64_t i = 0; i < kFrames; ++i) {
        const session::SessionFrame& f = seen[size_t(i)];
        ASSERT_EQ(f.index, i);
        ASSERT_TRUE(f.isStylized);
        // Every few frames: the comparison draws the pattern again from scratch.
        if (i % 7 == 0 || i == kFrames - 1) {
            const Image8 want = patternFrame(spec, i);
            ASSERT_EQ(f.stylized->pixels, want.pixels) << "frame " << i;
            ASSERT_EQ(f.original->pixels, want.pixels) << "frame " << i;
        }
    }
}

// The same with the consumer letting go of each frame at once: the recycler hands the same few
// frames back to the source again and again (each must hold its own index's picture when shown).
TEST(SessionEngine, PatternFramesReusedAtOnceStillShowTheirOwnIndex) {
    constexpr int64_t kFrames = 200;
    SourceSpec spec;
    spec.kind = SourceKind::TestPattern;
    spec.width = 160;
    spec.height = 96;
    session::SessionOptions o;
    o.mode = session::SessionMode::File;
    o.modelsDir = modelsDir();
    o.openSource = [](const SourceSpec& s) -> Result<std::unique_ptr<FrameSource>> {
        auto pattern = media::openTestPatternSource(s);
        if (!pattern) return pattern.status();
        return std::unique_ptr<FrameSource>(new FirstFrames(std::move(pattern).value(), kFrames));
    };
    o.makeBackend = [](const TransferNetwork&) { return PassThroughBackend::make(PassThroughBackend::Pixels::Copy); };
    o.initial.mix.style = StyleVector{};
    // CPU: no Vulkan device probe (the made backend replaces either; the probe's loader and
    // driver are unloaded before exit, where LeakSanitizer cannot name their allocations).
    o.initial.backend.choice = BackendSpec::Choice::Cpu;
    o.warmUpBackendSwitch = false;
    int64_t next = 0, wrong = 0;  // outlive the session, whose thread counts into them
    session::Session s(std::move(o), {});
    s.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame& f) {
        if (f.index != next++ || !f.isStylized || f.stylized->pixels != patternFrame(spec, f.index).pixels) ++wrong;
    }));
    s.openSource(spec);
    ASSERT_TRUE(s.waitUntilEnded().isOk());
    EXPECT_EQ(next, kFrames);
    EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace pastiche::test
