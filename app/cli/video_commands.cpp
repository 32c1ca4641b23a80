// Video and camera subcommands: `stylize` with a video input (runVideoStylize), `live`, `cameras`.
// They wire the media pipeline (app/media) to the Stylizer; progress goes to stderr, results to
// stdout.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "app/cli/commands.h"
#include "app/cli/common.h"
#include "app/core/image_io.h"
#include "app/core/model_store.h"
#include "app/core/style_source.h"
#include "app/media/pipeline.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace pastiche::cli {

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

// "[#######.......]  120/240 frames  14.2 fps  ETA 0:08" on stderr, redrawn at most 10x a second.
class ProgressBar {
public:
    void update(const media::PipelineStats& s, bool force = false) {
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

// Model, style and Stylizer for both commands.
struct StylizeSetup {
    std::unique_ptr<Stylizer> stylizer;
    StyleVector style{};
};

Result<StylizeSetup> prepareStylizer(const std::string& modelsDirOverride, const std::string& model,
                                     const std::string& backend, const std::string& styleImage,
                                     const std::string& vectorFile) {
    auto backendSpec = BackendSpec::parse(backend);
    if (!backendSpec) return backendSpec.status();
    StyleVectorSource styles(resolveModelsDir(modelsDirOverride));
    auto style = styles.fromArguments(styleImage, vectorFile);
    if (!style) return style.status();
    auto net = loadTransferModel(modelsDirOverride, model);
    if (!net) return net.status();
    StylizerOptions options;
    options.backend = backendSpec.value();
    auto stylizer = Stylizer::create(net.value(), options, stderrNotice());
    if (!stylizer) return stylizer.status();
    StylizeSetup setup;
    setup.stylizer = std::move(stylizer.value());
    setup.style = style.value();
    Status st = setup.stylizer->setStyle(setup.style);
    if (!st) return st;
    return setup;
}

media::StylizeFunction stylizeWith(Stylizer& stylizer) {
    return [&stylizer](const Frame& in, Frame& out) {
        if (out.image.width != in.image.width || out.image.height != in.image.height)
            out.image = Image8(in.image.width, in.image.height);
        return stylizer.stylize(in.image.view(), out.image.view());
    };
}

void installInterruptHandler() {
    gInterrupted = false;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
}

// Parses "native | N | WxH" and applies it to a source size.
Result<std::pair<int, int>> processingSize(const std::string& text, int width, int height) {
    auto spec = SizeSpec::parse(text);
    if (!spec) return spec.status();
    int w = 0, h = 0;
    spec.value().apply(width, height, w, h);
    return std::pair{w, h};
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
    if (r.strength < 0.0 || r.strength > 1.0) return printError("--strength must be in [0, 1]");
    const std::string outExt = lowerExtension(r.output);
    if (outExt != "mp4" && outExt != "m4v" && outExt != "mov")
        return printError("a video input needs a video output: -o " + r.output + " should end in .mp4");
    std::error_code ec;
    if (std::filesystem::equivalent(r.input, r.output, ec))
        return printError("-o " + r.output + " is the input file; choose another output name");
    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = r.input;
    auto probe = openSource(spec);
    if (!probe) return printError(probe.status().message());
    const SourceInfo info = probe.value()->info();
    // --strength < 1 blends with the content's own style vector; for a clip, its first frame's.
    Image8 firstFrame;
    if (r.strength < 1.0) {
        Frame f;
        if (probe.value()->read(f) != ReadStatus::Frame)
            return printError(r.input + ": no frame to compute the content vector from");
        firstFrame = std::move(f.image);
    }
    auto size = processingSize(r.size, info.width, info.height);
    if (!size) return printError(size.status().message());
    probe.value().reset();
    // The decoder scales straight to the processing size in its colour conversion pass.
    spec.width = size.value().first;
    spec.height = size.value().second;
    auto source = openSource(spec);
    if (!source) return printError(source.status().message());

    auto setup = prepareStylizer(r.modelsDir, r.model, r.backend, r.styleImage, r.styleVectorFile);
    if (!setup) return printError(setup.status().message());
    if (r.strength < 1.0) {
        StyleVectorSource styles(resolveModelsDir(r.modelsDir));
        auto content = styles.fromImage(firstFrame);
        if (!content) return printError(content.status().message());
        Status st = setup.value().stylizer->setStyle(
            blendStyleVectors(setup.value().style, content.value(), float(r.strength)));
        if (!st) return printError(st.message());
    }

    VideoSinkOptions sinkOptions;
    sinkOptions.path = r.output;
    sinkOptions.width = spec.width;
    sinkOptions.height = spec.height;
    sinkOptions.fps = info.fps > 0 ? info.fps : 30;
    sinkOptions.crf = r.crf;
    sinkOptions.preset = r.preset;
    if (info.hasAudio) sinkOptions.audioFrom = r.input;
    auto sink = openVideoSink(sinkOptions);
    if (!sink) return printError(sink.status().message());

    std::fprintf(stderr, "stylizing %s (%dx%d -> %dx%d, %s) with %s\n", r.input.c_str(), info.width, info.height,
                 spec.width, spec.height, info.hasAudio ? "audio copied" : "no audio",
                 setup.value().stylizer->description().c_str());
    installInterruptHandler();
    ProgressBar bar;
    media::PipelineOptions options;
    options.mode = media::PipelineMode::File;
    options.sink = sink.value().get();
    options.stop = &gInterrupted;
    options.onProgress = [&bar](const media::PipelineStats& s) { bar.update(s); };
    auto result = media::runPipeline(*source.value(), stylizeWith(*setup.value().stylizer), options);
    bar.update(result.stats, true);
    bar.end();
    const auto& s = result.stats;
    // The stylize stage's own rate beside the whole pipeline's shows what decode/encode cost.
    std::printf("%lld frames in %.2f s: %.2f fps; stylize stage %.1f ms/frame (%.2f fps alone) -> %s\n",
                static_cast<long long>(s.framesOut), s.elapsedSeconds, s.outputFps, s.stylizeMsAvg,
                s.stylizeMsAvg > 0 ? 1000.0 / s.stylizeMsAvg : 0.0, r.output.c_str());
    if (!result.status) return printError(result.status.message());
    if (gInterrupted) return printError("interrupted; " + r.output + " holds the frames so far");
    return 0;
}

namespace {

struct LiveArgs {
    int camera = -1;
    std::string input;
    bool testPattern = false;
    std::string style, styleVector, record, backend = "auto", model = "fast", size = "native";
    std::string captureSize;
    double fps = 0;
    int64_t frames = -1;
    double seconds = -1;
    int crf = 20;
    std::string preset = "veryfast";
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
        if (std::sscanf(a.captureSize.c_str(), "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0)
            return printError("bad --capture-size '" + a.captureSize + "': use WxH");
        spec.width = w;
        spec.height = h;
    }
    spec.fps = a.fps;
    if (spec.kind == SourceKind::StillImage && spec.fps <= 0) spec.fps = 30;  // repeat the picture
    auto source = openSource(spec);
    if (!source) return printError(source.status().message());
    const SourceInfo info = source.value()->info();
    auto size = processingSize(a.size, info.width, info.height);
    if (!size) return printError(size.status().message());
    const int w = size.value().first, h = size.value().second;

    auto setup = prepareStylizer(g.modelsDir, a.model, a.backend, a.style, a.styleVector);
    if (!setup) return printError(setup.status().message());
    std::unique_ptr<VideoSink> sink;
    if (!a.record.empty()) {
        VideoSinkOptions o;
        o.path = a.record;
        o.width = w;
        o.height = h;
        o.fps = info.fps > 0 ? info.fps : 30;
        o.crf = a.crf;
        o.preset = a.preset;
        if (spec.kind == SourceKind::VideoFile && info.hasAudio) o.audioFrom = spec.path;
        auto opened = openVideoSink(o);
        if (!opened) return printError(opened.status().message());
        sink = std::move(opened.value());
    }
    std::fprintf(stderr, "live: %s (%dx%d @ %.2f fps) -> %dx%d on %s%s\n", info.description.c_str(), info.width,
                 info.height, info.fps, w, h, setup.value().stylizer->description().c_str(),
                 sink ? (", recording " + a.record).c_str() : "");
    Stylizer& stylizer = *setup.value().stylizer;
    Image8 scaled;
    media::StylizeFunction fn = [&](const Frame& in, Frame& out) {
        const Image8* src = &in.image;
        if (in.image.width != w || in.image.height != h) {
            scaled = resizeImage(in.image, w, h);
            src = &scaled;
        }
        if (out.image.width != w || out.image.height != h) out.image = Image8(w, h);
        return stylizer.stylize(src->view(), out.image.view());
    };
    installInterruptHandler();
    ProgressBar bar;
    media::PipelineOptions options;
    options.mode = media::PipelineMode::Live;
    options.sink = sink.get();
    options.maxFrames = a.frames;
    options.maxSeconds = a.seconds;
    options.stop = &gInterrupted;
    options.onProgress = [&bar](const media::PipelineStats& s) { bar.update(s); };
    auto result = media::runPipeline(*source.value(), fn, options);
    bar.end();
    const auto& s = result.stats;
    std::printf("captured %lld frames (%.2f fps), stylized %lld (%.2f fps), stylize %.1f ms/frame, dropped %lld, "
                "latency %.0f ms, %.2f s\n",
                static_cast<long long>(s.framesIn), s.captureFps, static_cast<long long>(s.framesOut), s.outputFps,
                s.stylizeMsAvg, static_cast<long long>(s.dropped), s.latencyMsAvg, s.elapsedSeconds);
    if (sink) std::printf("recorded %lld frames to %s\n", static_cast<long long>(sink->framesWritten()), a.record.c_str());
    if (!result.status) return printError(result.status.message());
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
        for (auto [w, h] : c.resolutions) sizes.append(" ").append(std::to_string(w)).append("x").append(std::to_string(h));
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
    c->add_option("--capture-size", a.captureSize, "Camera / test pattern size WxH");
    c->add_option("--fps", a.fps, "Camera / test pattern / still image rate");
    c->add_option("--crf", a.crf, "Recording: x264 quality (default 20)");
    c->add_option("--preset", a.preset, "Recording: x264 preset (default veryfast)");
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
