// Video and camera subcommands: `stylize` with a video input (runVideoStylize), `live`, `cameras`.
// They wire the media pipeline (app/media) to the Stylizer; progress goes to stderr, results to
// stdout.
#include <CLI/CLI.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "app/cli/commands.h"
#include "app/cli/common.h"
#include "app/cli/video_virtual_camera.h"
#include "app/core/image_io.h"
#include "app/core/model_store.h"
#include "app/core/style_source.h"
#include "app/session/app_session.h"
#include "app/session/callback_consumer.h"
#include "app/session/file_job.h"
#include "app/session/recorder.h"
#include "app/session/session.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace pastiche::cli {

// An option check that fails ends the command with its code's exit status.
#define PASTICHE_RETURN_CODE_IF_ERROR(expr)     \
    do {                                        \
        ::pastiche::Status _st = (expr);        \
        if (!_st.isOk()) return printError(_st); \
    } while (0)

namespace {

std::atomic<bool> gInterrupted{false};
void onSignal(int) { gInterrupted = true; }

std::string lowerExtension(const std::string& path) {
    auto dot = path.find_last_of('.');
    auto slash = path.find_last_of('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
    std::string ext = path.substr(dot + 1);
    for (auto& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

std::string formatDuration(double seconds) {
    if (!(seconds >= 0) || seconds > 359999) return "--:--";
    int s = int(std::lround(seconds));
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%d:%02d", s / 60, s % 60);
    return buf;
}

struct Progress {
    int64_t framesOut = 0;
    int64_t expectedFrames = -1;  // -1: unknown (live)
    double outputFps = 0;
    double elapsedSeconds = 0;
};

// "[#######.......]  120/240 frames  14.2 fps  ETA 0:08" on stderr, redrawn at most 10x a second.
class ProgressBar {
public:
    void update(const Progress& s, bool force = false) {
        auto now = std::chrono::steady_clock::now();
        // A terminal gets a bar redrawn in place; a log file gets a plain line every 5 s.
        const auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
        if (!force && now - last_ < interval) return;
        if (force && drawnFrames_ == s.framesOut) return;  // already on screen
        last_ = now;
        drawnFrames_ = s.framesOut;
        const int width = 30;
        char line[160];
        if (s.expectedFrames > 0) {
            double f = std::min(1.0, double(s.framesOut) / double(s.expectedFrames));
            int filled = int(f * width);
            std::string bar(size_t(filled), '#');
            bar += std::string(size_t(width - filled), '.');
            double eta = s.outputFps > 0 ? (s.expectedFrames - s.framesOut) / s.outputFps : -1;
            std::snprintf(line, sizeof line, "\r[%s] %lld/%lld frames  %.1f fps  ETA %s ", bar.c_str(),
                          static_cast<long long>(s.framesOut), static_cast<long long>(s.expectedFrames), s.outputFps,
                          formatDuration(eta).c_str());
        } else {
            std::snprintf(line, sizeof line, "\r%lld frames  %.1f fps  %s elapsed ", static_cast<long long>(s.framesOut),
                          s.outputFps, formatDuration(s.elapsedSeconds).c_str());
        }
        std::fputs(tty_ ? line : line + 1, stderr);  // +1: no carriage return in logs
        if (!tty_) std::fputc('\n', stderr);
        std::fflush(stderr);
        drawn_ = tty_;
    }
    void end() {
        if (drawn_) std::fputc('\n', stderr);
        drawn_ = false;
    }

private:
    std::chrono::steady_clock::time_point last_{};
    const bool tty_ = ::isatty(STDERR_FILENO) != 0;
    int64_t drawnFrames_ = -1;
    bool drawn_ = false;
};

void installInterruptHandler() {
    gInterrupted = false;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
}

}  // namespace

bool isVideoPath(const std::string& path) {
    static const char* kVideoExtensions[] = {"mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg",
                                              "ts",  "mts", "m2ts", "flv", "wmv", "3gp", "ogv", "y4m"};
    static const char* kImageFormats[] = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe",
                                          "gif",    "gif_pipe", "ppm_pipe",  "pgm_pipe",  "pam_pipe"};
    std::ifstream file(path, std::ios::binary);
    if (file) {
        // Content first: the probe libavformat itself uses. Image formats count as images.
        std::vector<unsigned char> head(4096 + AVPROBE_PADDING_SIZE, 0);
        file.read(reinterpret_cast<char*>(head.data()), 4096);
        AVProbeData probe{};
        probe.filename = "";  // content only
        probe.buf = head.data();
        probe.buf_size = int(file.gcount());
        int score = 0;
        const AVInputFormat* format = probe.buf_size > 0 ? av_probe_input_format3(&probe, 1, &score) : nullptr;
        if (format && score >= AVPROBE_SCORE_EXTENSION) {
            std::string name = format->name;
            for (const char* image : kImageFormats)
                if (name == image) return false;
            return true;
        }
    }
    const std::string ext = lowerExtension(path);
    for (const char* v : kVideoExtensions)
        if (ext == v) return true;
    return false;
}

int runVideoStylize(const VideoStylizeRequest& r) {
    session::FileJobOptions o;
    o.input = r.input;
    o.output = r.output;
    o.modelsDir = r.modelsDir;
    o.model = r.model;
    o.styleImage = r.styleImage;
    o.styleVectorFile = r.styleVectorFile;
    o.strength = r.strength;
    o.size = r.size;
    o.backend = r.backend;
    o.crf = r.crf;
    o.preset = r.preset;
    o.outputSize = r.outputSize;
    o.stability = r.stability;
    o.preserveColors = r.preserveColors;
    o.pixFmt = r.pixFmt;
    installInterruptHandler();
    ProgressBar bar;
    std::mutex progressMutex;
    Progress last;
    auto progress = [&](const session::FileJobProgress& p) {
        std::lock_guard lock(progressMutex);
        last.framesOut = p.framesDone;
        last.expectedFrames = p.framesTotal;
        last.outputFps = p.fps;
        last.elapsedSeconds = p.elapsedSeconds;
        bar.update(last);
    };
    const auto notice = stderrNotice();
    auto result = session::runFileJob(o, progress, &gInterrupted, [&](const std::string& m) {
        if (m.rfind("stylizing ", 0) == 0) std::fprintf(stderr, "%s\n", m.c_str());
        else notice(m);
    });
    {
        std::lock_guard lock(progressMutex);
        last.framesOut = result.frames;
        bar.update(last, /*force=*/true);
    }
    bar.end();
    if (result.frames > 0 || result.status.isOk()) {
        // The stylize stage's own time beside the whole job's shows what decode/encode cost.
        std::printf("%lld frames in %.2f s: %.2f fps; stylize %.1f ms/frame -> %s\n",
                    static_cast<long long>(result.frames), result.seconds, result.fps, result.stylizeMsAvg,
                    r.output.c_str());
    }
    if (!result.status) return printError(result.status);
    return 0;
}

namespace {

struct LiveArgs {
    int camera = -1;
    std::string input;
    bool testPattern = false;
    std::string style, styleVector, record, backend = "auto", model = "fast", size = "native";
    std::string outputSize = "native";
    double strength = 1.0;
    double stability = session::kDefaultVideoStability;
    bool preserveColors = false;
    std::string captureSize;
    double fps = 0;
    int64_t frames = -1;
    double seconds = -1;
    int crf = 20;
    std::string preset = "veryfast";
    VirtualCameraArgs virtualCamera;
};

// Waits for the session's answer to openSource: the source's info, or why it failed.
class SourceWaiter {
public:
    void opened(const SourceInfo& info) {
        std::lock_guard lock(mutex_);
        info_ = info;
        cv_.notify_all();
    }
    void failed(const Status& st) {
        std::lock_guard lock(mutex_);
        if (error_.isOk()) error_ = st;
        cv_.notify_all();
    }
    void ended() {
        std::lock_guard lock(mutex_);
        ended_ = true;
    }
    bool wait(SourceInfo& info, Status& error) {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return info_ || !error_.isOk() || gInterrupted; });
        if (info_) info = *info_;
        error = error_;
        return info_.has_value();
    }
    Status error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }
    bool hasEnded() const {
        std::lock_guard lock(mutex_);
        return ended_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::optional<SourceInfo> info_;
    Status error_;
    bool ended_ = false;
};

int runLive(const GlobalOptions& g, const LiveArgs& a) {
    SourceSpec spec;
    if (a.camera >= 0) {
        spec.kind = SourceKind::Camera;
        spec.cameraIndex = a.camera;
    } else if (a.testPattern) {
        spec.kind = SourceKind::TestPattern;
    } else {
        auto parsed = SourceSpec::parse(a.input);
        if (!parsed) return printError("bad --input '" + a.input + "'");
        spec = *parsed;
    }
    if (!a.captureSize.empty()) {
        int w = 0, h = 0;
        if (std::sscanf(a.captureSize.c_str(), "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0 || w > 16384 || h > 16384)
            return printError("bad --capture-size '" + a.captureSize + "': use WxH");
        spec.width = w;
        spec.height = h;
    }
    // A slow source (0.1 fps: a slide show) is fine for live; --fps 0 = the source's own rate.
    if (a.fps != 0) PASTICHE_RETURN_CODE_IF_ERROR(checkRange("--fps", a.fps, 0.1, 240));
    if (a.seconds != -1) PASTICHE_RETURN_CODE_IF_ERROR(checkSeconds(a.seconds));
    PASTICHE_RETURN_CODE_IF_ERROR(checkStrength(a.strength));
    PASTICHE_RETURN_CODE_IF_ERROR(checkRange("--stability", a.stability, 0, 1));
    PASTICHE_RETURN_CODE_IF_ERROR(checkCrf(a.crf));
    PASTICHE_RETURN_CODE_IF_ERROR(checkPreset(a.preset));
    spec.fps = a.fps;
    if (spec.kind == SourceKind::StillImage && spec.fps <= 0) spec.fps = 30;  // repeat the picture
    auto processing = SizeSpec::parse(a.size);
    if (!processing) return printError(processing.status());
    auto outputSize = SizeSpec::parse(a.outputSize);
    if (!outputSize) return printError(outputSize.status().message() + " (--output-size)");
    auto backend = BackendSpec::parse(a.backend);
    if (!backend) return printError(backend.status());
    if (!a.record.empty()) {
        PASTICHE_RETURN_CODE_IF_ERROR(checkVideoOutputPath(a.record).withContext("--record"));
        std::vector<std::string> inputs;
        for (const std::string& p : {spec.path, a.style, a.styleVector})
            if (!p.empty()) inputs.push_back(p);
        PASTICHE_RETURN_CODE_IF_ERROR(checkOutputPath(a.record, inputs).withContext("--record"));
    }
    auto vectors = std::make_shared<StyleVectorSource>(resolveModelsDir(g.modelsDir));

    session::SessionOptions so = session::appSessionOptions(session::SessionMode::Live, g.modelsDir, vectors);
    so.model = a.model;
    so.warmUpBackendSwitch = false;
    so.initial.mix.strength = a.strength;
    so.initial.stability = a.stability;
    so.initial.preserveColors = a.preserveColors;
    so.initial.processingSize = processing.value();
    so.initial.outputSize = outputSize.value();
    so.initial.backend = backend.value();
    SourceWaiter waiter;
    session::SessionCallbacks callbacks;
    const auto notice = stderrNotice();
    callbacks.notice = notice;
    callbacks.sourceOpened = [&](const SourceInfo& info) { waiter.opened(info); };
    callbacks.sourceFailed = [&](const Status& st) { waiter.failed(st); };
    callbacks.sourceEnded = [&] { waiter.ended(); };
    Status recordError;
    int64_t recordedFrames = 0;
    callbacks.recordingStopped = [&](const std::string&, int64_t frames, const Status& st) {
        recordedFrames = frames;
        recordError = st;
    };
    // Declared before the session: its stylize thread may still be finishing a frame for the
    // consumer below after stop(), until the session's destructor joins it.
    // The clock of --seconds starts at the first stylized frame's capture, so a recording of
    // S seconds holds S seconds of video whatever the model's start-up took.
    std::atomic<int64_t> firstCaptureNanos{0};
    // The process's CPU time from the first stylized frame on, per stylized frame (all threads:
    // source, stylizer, consumers), for the comparison with `bench`'s.
    std::atomic<int64_t> stylizedSeen{0}, stylizedAtStart{0};
    std::atomic<double> cpuAtStartMs{0};
    session::Session live(std::move(so), std::move(callbacks));
    installInterruptHandler();
    live.addConsumer(std::make_shared<session::CallbackConsumer>([&](const session::SessionFrame& f) {
        int64_t expected = 0;
        if (!f.isStylized) return;
        if (firstCaptureNanos.compare_exchange_strong(expected, f.captureNanos > 0 ? f.captureNanos : 1)) {
            cpuAtStartMs = processCpuMs();
            stylizedAtStart = stylizedSeen.load();
        }
        stylizedSeen.fetch_add(1);
    }));
    if (!a.record.empty()) {
        session::RecorderOptions ro;
        ro.path = a.record;
        ro.crf = a.crf;
        ro.preset = a.preset;
        ro.frames = session::RecordFrames::StylizedOnly;
        live.startRecording(ro);
    }
    auto virtualCamera = openVirtualCameraFromArgs(a.virtualCamera, notice);
    if (!virtualCamera) return printError(virtualCamera.status());
    if (virtualCamera.value()) {
        live.addConsumer(virtualCamera.value());
        std::fprintf(stderr, "live: virtual camera: %s\n", virtualCamera.value()->describe().c_str());
    }
    // The source first: a missing camera or file is reported at once, while the model loads.
    live.openSource(spec);
    SourceInfo info;
    Status st;
    if (!waiter.wait(info, st)) return printError(gInterrupted ? Status::cancelled("interrupted") : st);
    auto style = vectors->fromArguments(a.style, a.styleVector);
    if (!style) return printError(style.status());
    st = live.prepareEngine();
    if (!st) return printError(st);
    live.changeControls([&](session::Controls& c) { c.mix.style = style.value(); });

    int pw = 0, ph = 0, ow = 0, oh = 0;
    processing.value().apply(info.width, info.height, pw, ph);
    outputSize.value().apply(info.width, info.height, ow, oh);
    std::fprintf(stderr, "live: %s (%dx%d @ %.2f fps) -> %dx%d -> %dx%d on %s%s\n", info.description.c_str(),
                 info.width, info.height, info.fps, pw, ph, ow, oh, live.stats().backend.c_str(),
                 a.record.empty() ? "" : (", recording " + a.record).c_str());

    ProgressBar bar;
    const auto steadyNow = [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    };
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const session::SessionStats s = live.stats();
        Progress p;
        p.framesOut = s.framesOut;
        p.outputFps = s.outputFps;
        p.elapsedSeconds = s.elapsedSeconds;
        bar.update(p);
        if (gInterrupted || !waiter.error().isOk() || waiter.hasEnded()) break;
        if (a.frames >= 0 && s.framesOut >= a.frames) break;
        const int64_t first = firstCaptureNanos.load();
        if (a.seconds > 0 && first > 0 && double(steadyNow() - first) * 1e-9 >= a.seconds) break;
    }
    live.stopRecording();  // fills the recording up to now and finishes the file
    live.waitForRecordings();
    const session::SessionStats s = live.stats();
    const double seconds = firstCaptureNanos.load() > 0 ? double(steadyNow() - firstCaptureNanos.load()) * 1e-9 : 0;
    const int64_t cpuFrames = stylizedSeen.load() - stylizedAtStart.load();
    const double cpuMsPerFrame = cpuFrames > 0 ? (processCpuMs() - cpuAtStartMs.load()) / double(cpuFrames) : 0;
    const std::string virtualCameraState = virtualCamera.value() ? virtualCamera.value()->describe() : "";
    live.stop();
    bar.end();
    if (!virtualCameraState.empty())
        std::printf("virtual camera: %s, %lld frames sent\n", virtualCameraState.c_str(),
                    static_cast<long long>(virtualCamera.value()->framesSent()));
    std::printf("captured %lld frames (%.2f fps), stylized %lld (%.2f fps), stylize %.1f ms/frame, dropped %lld, "
                "latency %.0f ms, %.2f s, %d frames in flight\n",
                static_cast<long long>(s.framesIn), s.captureFps, static_cast<long long>(s.framesOut),
                seconds > 0 ? double(s.framesOut) / seconds : 0.0, s.stylizeMsAvg, static_cast<long long>(s.dropped),
                s.latencyMsAvg, seconds, s.framesInFlight);
    if (cpuFrames > 0) std::printf("cpu %.1f ms per stylized frame (the process, all threads)\n", cpuMsPerFrame);
    if (!a.record.empty()) std::printf("recorded %lld frames to %s\n", static_cast<long long>(recordedFrames), a.record.c_str());
    if (!waiter.error().isOk()) return printError(waiter.error());
    if (!recordError.isOk()) return printError(recordError.withContext("recording " + a.record));
    return 0;
}

int runCameras() {
    auto cameras = listCameras();
    if (cameras.empty()) {
        std::printf("no cameras found (no V4L2 capture devices under /dev/video*)\n");
        return 0;
    }
    for (const auto& c : cameras) {
        std::printf("%d  %s  %s\n", c.index, c.device.c_str(), c.name.c_str());
        std::string sizes;
        for (auto [w, h] : c.resolutions)
            sizes.append(" ").append(std::to_string(w)).append("x").append(std::to_string(h));
        std::printf("   sizes:%s\n", sizes.empty() ? " (not reported)" : sizes.c_str());
    }
    return 0;
}

}  // namespace

void addLiveCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run) {
    static LiveArgs a;
    auto* c = app.add_subcommand("live", "Stylize a camera, a file or a test pattern live, without a window");
    auto* cam = c->add_option("--camera", a.camera, "Camera index N (/dev/videoN)");
    auto* in = c->add_option("--input", a.input, "A video file or still image, played in real time");
    auto* tp = c->add_flag("--test-pattern", a.testPattern, "A generated moving test pattern (1280x720@30)");
    cam->excludes(in)->excludes(tp);
    in->excludes(tp);
    auto* style = c->add_option("--style", a.style, "Style image");
    auto* vec = c->add_option("--style-vector", a.styleVector, "Style vector file");
    style->excludes(vec);
    c->add_option("--record", a.record, "Also record the stylized video to OUT.mp4");
    auto* frames = c->add_option("--frames", a.frames, "Stop after N frames");
    auto* seconds = c->add_option("--seconds", a.seconds, "Stop after S seconds");
    frames->excludes(seconds);
    c->add_option("--backend", a.backend, "auto | cpu | vulkan | vulkan:N (default auto)");
    c->add_option("--model", a.model, "Transfer model id (default fast)");
    c->add_option("--size", a.size, "Processing size: native | N (shorter side) | WxH (default native)");
    c->add_option("--output-size", a.outputSize, "Output (recording) size: native (the source's) | N | WxH");
    c->add_option("--strength", a.strength, "Style strength 0..1 (0 = the original picture, default 1)");
    c->add_option("--stability", a.stability, "Temporal stability 0..1 (0 = per frame; default 0.8)");
    c->add_flag("--preserve-colors", a.preserveColors, "Keep the input's colours (stylized luminance, input chroma)");
    c->add_option("--capture-size", a.captureSize, "Camera / test pattern size WxH");
    c->add_option("--fps", a.fps, "Camera / test pattern / still image rate");
    c->add_option("--crf", a.crf, "Recording: x264 quality (default 20)");
    c->add_option("--preset", a.preset, "Recording: x264 preset (default veryfast)");
    addVirtualCameraOptions(*c, a.virtualCamera);
    c->callback([&global, &run] {
        run = [&global] {
            if (a.camera < 0 && a.input.empty() && !a.testPattern)
                return printError("live needs --camera N, --input FILE or --test-pattern");
            if (a.style.empty() && a.styleVector.empty()) return printError("live needs --style IMAGE or --style-vector FILE");
            return runLive(global, a);
        };
    });
}

void addCamerasCommand(CLI::App& app, GlobalOptions& global, CommandRunner& run) {
    app.add_subcommand("cameras", "List cameras (V4L2) and their resolutions")->callback([&run] {
        run = [] { return runCameras(); };
    });
}

}  // namespace pastiche::cli
