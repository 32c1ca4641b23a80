// `pastiche bench`: engine-only timing after warm-up (upload + compute + download; frames in
// flight where the backend pipelines), as text or one JSON object.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/common.h"
#include "app/core/frames_in_flight.h"
#include "app/core/image_io.h"

namespace pastiche::cli {

namespace {

struct BenchArgs {
    std::string backend = "cpu", model = "fast", size = "384";
    int frames = 30, warmup = 3, threads = 0;
    bool json = false, profile = false;
};

// A deterministic, textured frame (timing does not depend on content, but NaN-free real data
// keeps the run representative).
Image8 benchFrame(int w, int h) {
    Image8 img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = &img.pixels[(size_t(y) * w + x) * 3];
            p[0] = uint8_t(127 + 120 * std::sin(x * 0.05));
            p[1] = uint8_t(127 + 120 * std::sin(y * 0.07));
            p[2] = uint8_t((x ^ y) & 255);
        }
    return img;
}

int runBench(const GlobalOptions& g, const BenchArgs& a) {
    int w = 0, h = 0;
    if (a.size.find('x') == std::string::npos) {
        auto s = SizeSpec::parse(a.size);
        if (!s || s.value().mode != SizeSpec::Mode::ShortSide)
            return printError(Status::invalidArgument("bad --size '" + a.size + "': use N (NxN) or WxH"));
        w = h = s.value().shortSide;
    } else {
        auto s = SizeSpec::parse(a.size);
        if (!s) return printError(s.status());
        w = s.value().width;
        h = s.value().height;
    }
    for (const Status& st : {checkRange("--frames", a.frames, 1, 100000), checkRange("--warmup", a.warmup, 0, 10000),
                             checkThreads(a.threads)})
        if (!st) return printError(st);
    auto spec = BackendSpec::parse(a.backend);
    if (!spec) return printError(Status::invalidArgument(spec.status().message()));
    auto net = loadTransferModel(g.modelsDir, a.model);
    if (!net) return printError(net.status());
    StylizerOptions options;
    options.backend = spec.value();
    options.threads = a.threads;
    options.profile = a.profile;
    auto stylizer = Stylizer::create(net.value(), options, stderrNotice());
    if (!stylizer) return printError(stylizer.status());
    TransferBackend& backend = stylizer.value()->backend();
    StyleVector style;
    for (size_t i = 0; i < style.size(); ++i) style[i] = 0.5f + 0.5f * std::sin(float(i));
    Status st = backend.setStyle(style);
    if (st) st = backend.reshape(w, h);
    if (!st) return printError(st);
    const Image8 input = benchFrame(w, h);
    const int inFlight = std::max(1, backend.framesInFlight());
    std::vector<Image8> outputs(size_t(inFlight), Image8(w, h));

    auto runFrames = [&](int count) { return runFramesInFlight(backend, input, outputs, count); };
    st = runFrames(a.warmup);
    if (!st) return printError(st);
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = processCpuMs();
    st = runFrames(a.frames);
    const double cpuMs = (processCpuMs() - cpu0) / a.frames;
    const auto t1 = std::chrono::steady_clock::now();
    if (!st) return printError(st);
    const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count() / a.frames;
    const DeviceInfo dev = backend.device();
    nlohmann::json j = {{"ms_per_frame", ms},
                        {"fps", 1000.0 / ms},
                        {"cpu_ms_per_frame", cpuMs},
                        {"backend", backend.name()},
                        {"device", dev.name},
                        {"width", w},
                        {"height", h},
                        {"threads", backend.threads()},
                        {"frames", a.frames},
                        {"frames_in_flight", inFlight},
                        {"model", a.model},
                        {"precision", backend.precision() == Precision::Fp16 ? "fp16" : "fp32"}};
    if (a.profile) {
        nlohmann::json layers = nlohmann::json::array();
        for (const auto& t : backend.lastProfile()) layers.push_back({{"layer", t.layer}, {"ms", t.milliseconds}});
        j["profile"] = layers;
    }
    if (a.json) {
        std::printf("%s\n", j.dump().c_str());
    } else {
        std::printf("%s on %s, %dx%d, %d threads, %d frames in flight: %.2f ms/frame, %.1f FPS\n",
                    backend.name().c_str(), dev.name.c_str(), w, h, backend.threads(), inFlight, ms, 1000.0 / ms);
        for (const auto& t : backend.lastProfile()) std::printf("  %-50s %8.3f ms\n", t.layer.c_str(), t.milliseconds);
    }
    return 0;
}

}  // namespace

void addBenchCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run) {
    static BenchArgs a;
    auto* c = app.add_subcommand("bench", "Time the transfer network alone (after warm-up)");
    c->add_option("--backend", a.backend, "cpu | vulkan | vulkan:N | auto (default cpu)");
    c->add_option("--model", a.model, "Transfer model id (default fast)");
    c->add_option("--size", a.size, "N (NxN) or WxH (default 384)");
    c->add_option("--frames", a.frames, "Timed frames (default 30)");
    c->add_option("--warmup", a.warmup, "Warm-up frames (default 3)");
    c->add_option("--threads", a.threads, "CPU threads (default: all cores)");
    c->add_flag("--json", a.json, "Print one JSON object");
    c->add_flag("--profile", a.profile, "Per-layer timings (Vulkan: GPU timestamps)");
    c->callback([&global, &run] { run = [&global] { return runBench(global, a); }; });
}

}  // namespace pastiche::cli
