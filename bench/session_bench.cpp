// The session engine's throughput beside the backend's own pipelined rate, in one process and
// one run: a test-pattern session (file mode: every frame, as fast as it goes) into a null
// consumer against `pastiche bench`'s loop (runFramesInFlight) at the same size on the same
// backend. Needs only Vulkan and OpenCV core/imgproc (no codecs, no Qt), so it runs on the GPU
// machine. Usage: pastiche_session_bench MODELS_DIR [WxH] [FRAMES] [BACKEND] [ROUNDS]
// Two backends need no GPU (tests/support/pass_through_backend.h): "instant" does no work, so the
// session alone is timed (its ceiling; no backend-alone figure); "staged" does the Vulkan
// backend's host copies only (frame into a staging buffer, out of it), timed both ways. Each
// round prints the session threads' CPU time per frame.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/core/frames_in_flight.h"
#include "app/core/model_loader.h"
#include "app/media/sources_internal.h"
#include "app/session/callback_consumer.h"
#include "app/session/session.h"
#include "tests/support/pass_through_backend.h"

using namespace pastiche;
using Clock = std::chrono::steady_clock;

namespace {

// The test pattern, ending after `frames` frames.
class LimitedSource final : public FrameSource {
public:
    LimitedSource(std::unique_ptr<FrameSource> inner, int64_t frames) : inner_(std::move(inner)), left_(frames) {}
    const SourceInfo& info() const override { return inner_->info(); }
    ReadStatus read(Frame& frame) override { return left_-- > 0 ? inner_->read(frame) : ReadStatus::EndOfStream; }
    Status lastError() const override { return inner_->lastError(); }

private:
    std::unique_ptr<FrameSource> inner_;
    int64_t left_;
};

StyleVector benchStyle() {
    StyleVector style;
    for (size_t i = 0; i < style.size(); ++i) style[i] = 0.5f + 0.5f * std::sin(float(i));
    return style;
}

using Pixels = test::PassThroughBackend::Pixels;

BackendFactory fakeBackend(std::optional<Pixels> pixels) {
    if (!pixels) return {};
    return [p = *pixels](const TransferNetwork&) { return test::PassThroughBackend::make(p); };
}

double engineFps(const std::shared_ptr<const TransferNetwork>& net, const BackendSpec& spec, std::optional<Pixels> fake,
                 int w, int h, int frames, std::string& description) {
    StylizerOptions o;
    o.backend = spec;
    o.makeBackend = fakeBackend(fake);
    auto stylizer = Stylizer::create(net, o);
    if (!stylizer) {
        std::fprintf(stderr, "engine: %s\n", stylizer.status().message().c_str());
        return 0;
    }
    description = stylizer.value()->description();
    TransferBackend& backend = stylizer.value()->backend();
    if (!backend.setStyle(benchStyle()) || !backend.reshape(w, h)) return 0;
    SourceSpec ps;
    ps.kind = SourceKind::TestPattern;
    ps.width = w;
    ps.height = h;
    auto pattern = media::openTestPatternSource(ps);
    Frame f;
    if (!pattern || pattern.value()->read(f) != ReadStatus::Frame) return 0;
    std::vector<Image8> outputs(size_t(std::max(1, backend.framesInFlight())), Image8(w, h));
    if (!runFramesInFlight(backend, f.image, outputs, 20)) return 0;
    const auto t0 = Clock::now();
    if (!runFramesInFlight(backend, f.image, outputs, frames)) return 0;
    return frames / std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of each of this process's threads by name (the session names its stages), from
// /proc/self/task/*/schedstat (nanoseconds on a CPU).
using ThreadCpu = std::map<std::string, double>;  // name -> seconds, summed over same-named threads

ThreadCpu threadCpu() {
    ThreadCpu cpu;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        std::ifstream comm(task.path() / "comm"), sched(task.path() / "schedstat");
        std::string name;
        double ns = 0;
        if (std::getline(comm, name) && (sched >> ns)) cpu[name] += ns * 1e-9;
    }
    return cpu;
}

struct SessionFigure {
    double fps = 0, latencyMs = 0;
    int inFlight = 1;
    std::map<std::string, double> cpuMsPerFrame;  // thread name -> CPU ms per timed frame
};

SessionFigure sessionFps(const std::shared_ptr<const TransferNetwork>& net, const BackendSpec& spec,
                         std::optional<Pixels> fake, int w, int h, int frames) {
    constexpr int warmup = 20;
    session::SessionOptions o;
    o.mode = session::SessionMode::File;
    o.network = net;
    o.openSource = [frames](const SourceSpec& s) -> Result<std::unique_ptr<FrameSource>> {
        auto pattern = media::openTestPatternSource(s);
        if (!pattern) return pattern.status();
        return std::unique_ptr<FrameSource>(new LimitedSource(std::move(pattern).value(), frames + warmup));
    };
    o.initial.mix.style = benchStyle();
    o.initial.backend = spec;
    o.warmUpBackendSwitch = false;
    o.makeBackend = fakeBackend(fake);
    // The consumer's state outlives the session, whose thread writes it.
    std::mutex m;
    int64_t seen = 0;
    Clock::time_point start, last;
    ThreadCpu cpuAtStart, cpuAtEnd;  // sampled while the session's threads live
    session::Session s(std::move(o), {});
    if (!s.prepareEngine()) return {};
    s.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame& f) {
        std::lock_guard lock(m);
        if (!f.isStylized) return;
        if (++seen == warmup) {
            cpuAtStart = threadCpu();
            start = Clock::now();
        }
        last = Clock::now();
        if (seen == frames + warmup) cpuAtEnd = threadCpu();
    }));
    SourceSpec ps;
    ps.kind = SourceKind::TestPattern;
    ps.width = w;
    ps.height = h;
    s.openSource(ps);
    Status st = s.waitUntilEnded();
    if (!st) std::fprintf(stderr, "session: %s\n", st.message().c_str());
    SessionFigure r;
    const double seconds = std::chrono::duration<double>(last - start).count();
    if (seen > warmup && seconds > 0) r.fps = double(seen - warmup) / seconds;
    r.latencyMs = s.stats().latencyMsAvg;
    r.inFlight = s.stats().framesInFlight;
    for (const auto& [name, seconds] : cpuAtEnd)
        if (seen > warmup) r.cpuMsPerFrame[name] = (seconds - cpuAtStart[name]) * 1e3 / double(seen - warmup);
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODELS_DIR [WxH] [FRAMES] [BACKEND] [ROUNDS]\n", argv[0]);
        return 2;
    }
    const std::string models = argv[1];
    int w = 1920, h = 1080;
    if (argc > 2 && std::sscanf(argv[2], "%dx%d", &w, &h) != 2) return 2;
    const int frames = argc > 3 ? std::atoi(argv[3]) : 600;
    const std::string backendArg = argc > 4 ? argv[4] : "vulkan";
    std::optional<Pixels> fake;
    if (backendArg == "instant") fake = Pixels::Instant;
    if (backendArg == "staged") fake = Pixels::Staged;
    const bool instant = fake == Pixels::Instant;
    auto spec = BackendSpec::parse(fake ? "cpu" : backendArg);
    const int rounds = argc > 5 ? std::atoi(argv[5]) : 3;
    if (!spec || frames < 10 || rounds < 1) return 2;
    auto net = loadTransferModel(models, "fast");
    if (!net) {
        std::fprintf(stderr, "%s\n", net.status().message().c_str());
        return 1;
    }
    std::vector<double> engine, session;
    std::string description;
    SessionFigure last;
    for (int r = 0; r < rounds; ++r) {  // alternated, so drift (clocks, heat) hits both alike
        if (!instant) engine.push_back(engineFps(net.value(), spec.value(), fake, w, h, frames, description));
        last = sessionFps(net.value(), spec.value(), fake, w, h, frames);
        session.push_back(last.fps);
        std::printf("round %d: engine %.1f fps, session %.1f fps; CPU ms per frame:", r + 1,
                    instant ? 0.0 : engine.back(), session.back());
        for (const auto& [name, ms] : last.cpuMsPerFrame)
            if (ms >= 0.001) std::printf(" %s %.3f", name.c_str(), ms);
        std::printf("\n");
    }
    if (instant) {  // nothing to compare with: the session's own ceiling
        const double s = median(session);
        std::printf(
            "{\"backend\": \"instant\", \"width\": %d, \"height\": %d, \"frames\": %d, "
            "\"session_fps\": %.1f, \"frames_in_flight\": %d, \"session_latency_ms\": %.3f}\n",
            w, h, frames, s, last.inFlight, last.latencyMs);
        return s > 0 ? 0 : 1;
    }
    const double e = median(engine), s = median(session);
    std::printf("{\"backend\": \"%s\", \"width\": %d, \"height\": %d, \"frames\": %d, \"engine_fps\": %.1f, "
                "\"session_fps\": %.1f, \"ratio\": %.3f, \"frames_in_flight\": %d, \"session_latency_ms\": %.2f}\n",
                description.c_str(), w, h, frames, e, s, e > 0 ? s / e : 0, last.inFlight, last.latencyMs);
    return e > 0 && s > 0 ? 0 : 1;
}
