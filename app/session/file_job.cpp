#include "app/session/file_job.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "app/core/model_store.h"
#include "app/core/style_source.h"
#include "app/session/app_session.h"
#include "app/session/recorder.h"
#include "app/session/session.h"

namespace pastiche::session {

namespace {

std::string lowerExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (auto& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    return ext.empty() ? ext : ext.substr(1);
}

FileJobResult failed(Status st) {
    FileJobResult r;
    r.status = std::move(st);
    return r;
}

}  // namespace

FileJobResult runFileJob(const FileJobOptions& o, const std::function<void(const FileJobProgress&)>& progress,
                         const std::atomic<bool>* cancel, const NoticeCallback& notice) {
    if (!(o.strength >= 0.0 && o.strength <= 1.0)) return failed(Status::error("--strength must be in [0, 1]"));
    if (!(o.stability <= 1.0) || (o.stability < 0 && o.stability != -1))
        return failed(Status::error("--stability must be in [0, 1]"));
    if (o.pixFmt != "yuv420p" && o.pixFmt != "yuv444p")
        return failed(Status::error("--pix-fmt " + o.pixFmt + ": use yuv420p or yuv444p"));
    if (o.crf < 0 || o.crf > 51) return failed(Status::error("--crf must be 0..51"));
    const std::string ext = lowerExtension(o.output);
    if (ext != "mp4" && ext != "m4v" && ext != "mov")
        return failed(Status::error("a video input needs a video output: " + o.output + " should end in .mp4"));
    std::error_code ec;
    if (std::filesystem::equivalent(o.input, o.output, ec))
        return failed(Status::error(o.output + " is the input file; choose another output name"));
    auto processing = SizeSpec::parse(o.size);
    if (!processing) return failed(processing.status());
    auto outputSize = SizeSpec::parse(o.outputSize);
    if (!outputSize) return failed(Status::error(outputSize.status().message() + " (--output-size)"));
    auto backend = BackendSpec::parse(o.backend);
    if (!backend) return failed(backend.status());

    SourceSpec spec;
    spec.kind = SourceKind::VideoFile;
    spec.path = o.input;
    SourceInfo info;
    {
        auto probe = openSource(spec);  // fails early and clearly, before any model is loaded
        if (!probe) return failed(probe.status());
        info = probe.value()->info();
    }
    auto vectors = std::make_shared<StyleVectorSource>(resolveModelsDir(o.modelsDir));
    auto style = vectors->fromArguments(o.styleImage, o.styleVectorFile);
    if (!style) return failed(style.status());

    SessionOptions so = appSessionOptions(SessionMode::File, o.modelsDir, vectors);
    so.model = o.model;
    so.warmUpBackendSwitch = false;
    so.initial.mix.style = style.value();
    so.initial.mix.strength = o.strength;
    so.initial.processingSize = processing.value();
    so.initial.outputSize = outputSize.value();
    so.initial.backend = backend.value();
    so.initial.stability = o.stability < 0 ? kDefaultVideoStability : o.stability;
    so.initial.preserveColors = o.preserveColors;
    SessionCallbacks callbacks;
    callbacks.notice = notice;
    Session session(std::move(so), std::move(callbacks));
    Status st = session.prepareEngine();
    if (!st) return failed(st);

    RecorderOptions ro;
    ro.path = o.output;
    ro.fps = info.fps > 0 ? info.fps : 30;
    ro.timing = RecordTiming::SourceTimestamps;
    ro.crf = o.crf;
    ro.preset = o.preset;
    ro.pixFmt = o.pixFmt;
    session.startRecording(ro);
    session.openSource(spec);

    FileJobResult result;
    int pw = 0, ph = 0, ow = 0, oh = 0;
    processing.value().apply(info.width, info.height, pw, ph);
    outputSize.value().apply(info.width, info.height, ow, oh);
    result.description = "stylizing " + o.input + " (" + std::to_string(info.width) + "x" + std::to_string(info.height) +
                         " -> " + std::to_string(pw) + "x" + std::to_string(ph) + " -> " + std::to_string(ow) + "x" +
                         std::to_string(oh) + ", " + (info.hasAudio ? "audio copied" : "no audio") + ") with " +
                         session.stats().backend;
    if (notice) notice(result.description);

    const auto t0 = std::chrono::steady_clock::now();
    std::atomic<bool> done{false};
    bool cancelled = false;
    std::thread watcher([&] {
        while (!done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (cancel && cancel->load() && !cancelled) {
                cancelled = true;
                session.stop();
            }
            if (!progress) continue;
            const SessionStats s = session.stats();
            FileJobProgress p;
            p.framesDone = s.framesOut;
            p.framesTotal = info.frameCount;
            p.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            p.fps = p.elapsedSeconds > 0 ? double(s.framesOut) / p.elapsedSeconds : 0;
            if (p.framesTotal > 0 && p.fps > 0) p.etaSeconds = double(p.framesTotal - p.framesDone) / p.fps;
            progress(p);
        }
    });
    st = session.waitUntilEnded();
    done = true;
    watcher.join();
    const SessionStats s = session.stats();
    result.frames = s.framesOut;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.fps = result.seconds > 0 ? double(s.framesOut) / result.seconds : 0;
    result.stylizeMsAvg = s.stylizeMsAvg;
    if (cancelled && st.isOk()) st = Status::error("cancelled; " + o.output + " holds the frames so far");
    result.status = st;
    if (progress) {
        FileJobProgress p;
        p.framesDone = s.framesOut;
        p.framesTotal = info.frameCount;
        p.elapsedSeconds = result.seconds;
        p.fps = result.fps;
        p.etaSeconds = 0;
        progress(p);
    }
    return result;
}

}  // namespace pastiche::session
