#include "app/controllers/session_controller.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>

#include "app/controllers/capture_thread.h"
#include "app/core/image_io.h"
#include "app/core/model_loader.h"
#include "app/core/style_source.h"
#include "app/media/frame_sink.h"

namespace pastiche::controllers {

using Clock = std::chrono::steady_clock;

struct SessionController::Settings {
    std::optional<StyleVector> style;
    std::optional<StyleVector> blendWith;
    double blend = 0.5;
    double strength = 1.0;
    int shortSide = 384;
    BackendSpec backend;
    MirrorMode mirror = MirrorMode::Off;
    uint64_t sourceEpoch = 0;  // bumped per source: the content's own style vector is per source
};

struct SessionController::Requests {
    std::optional<std::pair<QString, StillResolution>> still;
    std::optional<QString> startRecording;
    bool stopRecording = false;
};

namespace {

QImage toQImage(const Image8& image) {
    QImage out(image.width, image.height, QImage::Format_RGB888);
    const size_t row = size_t(image.width) * 3;
    for (int y = 0; y < image.height; ++y) std::memcpy(out.scanLine(y), image.pixels.data() + y * row, row);
    return out;
}

void mirrorInPlace(Image8& image) {
    for (int y = 0; y < image.height; ++y) {
        uint8_t* row = image.pixels.data() + size_t(y) * image.width * 3;
        for (int l = 0, r = image.width - 1; l < r; ++l, --r)
            for (int c = 0; c < 3; ++c) std::swap(row[l * 3 + c], row[r * 3 + c]);
    }
}

// Shorter side down to shortSide (never up), aspect kept, even dimensions for the encoder.
void processingSize(int inW, int inH, int shortSide, int& w, int& h) {
    w = inW;
    h = inH;
    if (shortSide > 0 && std::min(inW, inH) > shortSide) {
        if (inW <= inH) {
            w = shortSide;
            h = int(double(inH) * shortSide / inW + 0.5);
        } else {
            h = shortSide;
            w = int(double(inW) * shortSide / inH + 0.5);
        }
    }
    w = std::max(2, w & ~1);
    h = std::max(2, h & ~1);
}

Image8 prepareInput(const Image8& source, int w, int h, MirrorMode mirror) {
    Image8 input = (w == source.width && h == source.height) ? source : resizeImage(source, w, h);
    if (mirror == MirrorMode::On) mirrorInPlace(input);
    return input;
}

}  // namespace

SessionController::SessionController(std::string modelsDir, std::shared_ptr<StyleVectorSource> vectors, QObject* parent)
    : QObject(parent), modelsDir_(std::move(modelsDir)), vectors_(std::move(vectors)),
      settings_(std::make_unique<Settings>()), requests_(std::make_unique<Requests>()) {
    connect(this, &SessionController::recordingStopped, this, [this] { recording_ = RecordingState::Idle; });
    CaptureThread::Callbacks callbacks;
    callbacks.opened = [this](const SourceInfo& info) {
        emit sourceOpened(QString::fromStdString(info.description),
                          info.kind == SourceKind::VideoFile && info.durationMicros > 0, info.durationMicros,
                          info.kind == SourceKind::Camera);
    };
    callbacks.failed = [this](const std::string& message) {
        emit sourceFailed(sourceSpec_, QString::fromStdString(message));
        emit notice(QString::fromStdString(message));
    };
    callbacks.position = [this](int64_t pts) { emit positionChanged(pts); };
    capture_ = std::make_unique<CaptureThread>(std::move(callbacks));
    stylizeThread_ = std::thread([this] { stylizeLoop(); });
}

SessionController::~SessionController() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    stylizeThread_.join();  // finishes a recording in progress
    capture_.reset();
}

void SessionController::changeSettings(const std::function<void(Settings&)>& change) {
    {
        std::lock_guard lock(mutex_);
        change(*settings_);
        ++settingsGeneration_;
    }
    wake_.notify_all();
}

bool SessionController::openSource(const QString& spec, int width, int height) {
    auto parsed = SourceSpec::parse(spec.toStdString());
    if (!parsed) {
        emit notice(tr("Cannot open source '%1': use camera:N, file:PATH, image:PATH or test-pattern").arg(spec));
        return false;
    }
    parsed->loop = true;  // the GUI plays files in a loop
    if (width > 0 && height > 0) {
        parsed->width = width;
        parsed->height = height;
    }
    sourceSpec_ = spec;
    changeSettings([](Settings& s) { ++s.sourceEpoch; });
    // A new source starts playing: a pause left from a file would otherwise hold back every frame
    // of a camera, image or test pattern, whose playback controls are disabled.
    capture_->setPaused(false);
    capture_->open(*parsed);
    return true;
}

void SessionController::setPlayback(PlaybackState state) { capture_->setPaused(state == PlaybackState::Paused); }
void SessionController::seek(qint64 ptsMicros) { capture_->seek(ptsMicros); }

void SessionController::setStyle(const StyleVector& style) {
    changeSettings([&](Settings& s) { s.style = style; });
}
void SessionController::setBlendStyle(const std::optional<StyleVector>& other) {
    changeSettings([&](Settings& s) { s.blendWith = other; });
}
void SessionController::setBlendAmount(double amount) {
    changeSettings([&](Settings& s) { s.blend = std::clamp(amount, 0.0, 1.0); });
}
void SessionController::setStrength(double strength) {
    changeSettings([&](Settings& s) { s.strength = std::clamp(strength, 0.0, 1.0); });
}
void SessionController::setProcessingShortSide(int pixels) {
    changeSettings([&](Settings& s) { s.shortSide = std::max(0, pixels); });
}
void SessionController::setMirror(MirrorMode mode) {
    changeSettings([&](Settings& s) { s.mirror = mode; });
}

void SessionController::setBackend(const QString& spec) {
    auto parsed = BackendSpec::parse(spec.toStdString());
    if (!parsed) {
        emit notice(QString::fromStdString(parsed.status().message()));
        return;
    }
    changeSettings([&](Settings& s) { s.backend = parsed.value(); });
}

QString SessionController::backendSpec() const {
    std::lock_guard lock(mutex_);
    return QString::fromStdString(settings_->backend.toString());
}

void SessionController::captureStill(const QString& path, StillResolution resolution) {
    {
        std::lock_guard lock(mutex_);
        requests_->still = std::make_pair(path, resolution);
    }
    wake_.notify_all();
}

void SessionController::startRecording(const QString& path) {
    if (recording_ == RecordingState::Recording) return;
    recording_ = RecordingState::Recording;
    {
        std::lock_guard lock(mutex_);
        requests_->startRecording = path;
        requests_->stopRecording = false;
    }
    wake_.notify_all();
}

void SessionController::stopRecording() {
    if (recording_ != RecordingState::Recording) return;
    {
        std::lock_guard lock(mutex_);
        requests_->stopRecording = true;
    }
    wake_.notify_all();
}

DisplayFrame SessionController::takeFrame() {
    std::lock_guard lock(frameMutex_);
    frameWaiting_ = false;
    return frame_;
}

void SessionController::stylizeLoop() {
    const NoticeCallback notify = [this](const std::string& m) { emit notice(QString::fromStdString(m)); };
    std::shared_ptr<const TransferNetwork> network;
    bool engineFailed = false;
    std::unique_ptr<Stylizer> stylizer;
    BackendSpec activeSpec;
    // A backend switch builds (and warms up) the new Stylizer beside the running one, so frames
    // keep flowing on the old backend until the new one is ready.
    std::future<Result<std::unique_ptr<Stylizer>>> switching;
    BackendSpec switchingTo;

    uint64_t frameGeneration = 0, settingsSeen = 0;
    std::shared_ptr<const Frame> frame;
    std::optional<StyleVector> contentVector;
    uint64_t contentEpoch = ~uint64_t(0);
    std::optional<StyleVector> applied;
    Image8 input, output;
    std::string lastError;

    std::unique_ptr<VideoSink> sink;
    QString recordPath;
    Clock::time_point recordStart;
    int64_t lastRecordPts = -1;
    int recordW = 0, recordH = 0;
    auto finishRecording = [&](const QString& error) {
        if (!sink) return;
        Status st = sink->finish();
        const qint64 frames = sink->framesWritten();
        sink.reset();
        QString message = error;
        if (!st && message.isEmpty()) message = QString::fromStdString(st.message());
        emit recordingStopped(recordPath, frames, message);
    };

    for (;;) {
        auto latest = capture_->waitNewer(frameGeneration, 30);
        const bool newFrame = latest && latest != frame;
        if (latest) frame = latest;
        Settings s;
        Requests r;
        uint64_t generation;
        {
            std::lock_guard lock(mutex_);
            if (stop_) break;
            s = *settings_;
            r = std::move(*requests_);
            *requests_ = Requests{};
            generation = settingsGeneration_;
        }

        if (!network && !engineFailed) {
            auto loaded = loadTransferModel(modelsDir_, "fast");
            if (loaded) {
                network = loaded.value();
            } else {
                engineFailed = true;
                notify("cannot load the transfer network: " + loaded.status().message());
            }
        }
        if (network && !stylizer && !engineFailed) {
            StylizerOptions options;
            options.backend = s.backend;
            auto created = Stylizer::create(network, options, notify);
            if (created) {
                stylizer = std::move(created).value();
                activeSpec = s.backend;
                applied.reset();
                emit backendChanged(QString::fromStdString(stylizer->description()));
            } else {
                engineFailed = true;
                notify("cannot start the stylizer: " + created.status().message());
            }
        }
        if (stylizer && !switching.valid() && s.backend.toString() != activeSpec.toString()) {
            switchingTo = s.backend;
            std::optional<StyleVector> style = applied;
            Image8 warmup = input;
            switching = std::async(std::launch::async, [network, spec = s.backend, style, warmup = std::move(warmup),
                                                        notify]() -> Result<std::unique_ptr<Stylizer>> {
                StylizerOptions options;
                options.backend = spec;
                auto created = Stylizer::create(network, options, notify);
                if (!created || !style || warmup.empty()) return created;
                PASTICHE_RETURN_IF_ERROR(created.value()->setStyle(*style));
                Image8 out(warmup.width, warmup.height);
                PASTICHE_RETURN_IF_ERROR(created.value()->stylize(warmup.view(), out.view()));
                return created;
            });
        }
        if (switching.valid() && switching.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            auto switched = switching.get();
            if (switched) {
                stylizer = std::move(switched).value();
                activeSpec = switchingTo;
                applied.reset();
                emit backendChanged(QString::fromStdString(stylizer->description()));
            } else {
                notify("cannot switch to " + switchingTo.toString() + ": " + switched.status().message());
                {
                    std::lock_guard lock(mutex_);
                    settings_->backend = activeSpec;
                }
                s.backend = activeSpec;
                emit backendSwitchFailed(QString::fromStdString(activeSpec.toString()));
            }
        }

        if (r.stopRecording) finishRecording({});
        if (!frame) {
            if (r.still) notify("no frame to save yet");
            if (r.startRecording) emit recordingStopped(*r.startRecording, 0, tr("no frames to record yet"));
            continue;
        }
        const bool settingsChanged = generation != settingsSeen;
        if (!newFrame && !settingsChanged && !r.still && !r.startRecording) continue;
        settingsSeen = generation;

        int w = 0, h = 0;
        processingSize(frame->image.width, frame->image.height, s.shortSide, w, h);
        input = prepareInput(frame->image, w, h, s.mirror);

        std::optional<StyleVector> effective;
        if (s.style) {
            StyleVector v = s.blendWith ? blendStyleVectors(*s.blendWith, *s.style, float(s.blend)) : *s.style;
            if (s.strength < 0.999) {
                if (contentEpoch != s.sourceEpoch) {
                    auto own = vectors_->fromImage(input);
                    contentVector = own ? std::optional<StyleVector>(own.value()) : std::nullopt;
                    contentEpoch = s.sourceEpoch;
                    if (!own) notify("cannot compute the content's own style: " + own.status().message());
                }
                if (contentVector) v = blendStyleVectors(v, *contentVector, float(s.strength));
            }
            effective = v;
        }

        FrameStats stats;
        stats.processWidth = w;
        stats.processHeight = h;
        stats.frameIndex = frame->index;
        stats.ptsMicros = frame->ptsMicros;
        if (output.width != w || output.height != h) output = Image8(w, h);
        if (stylizer && effective) {
            Status st;
            if (!applied || *applied != *effective) {
                st = stylizer->setStyle(*effective);
                if (st) applied = effective;
            }
            const auto t0 = Clock::now();
            if (st) st = stylizer->stylize(input.view(), output.view());
            stats.stylizeMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            stats.stylized = st.isOk();
            if (!st && st.message() != lastError) notify("stylize failed: " + st.message());
            lastError = st ? std::string() : st.message();
        }
        if (!stats.stylized) output = input;
        stats.backend = stylizer ? QString::fromStdString(stylizer->description())
                                 : (engineFailed ? tr("no stylizer") : tr("starting…"));
        if (switching.valid()) stats.backend += tr(" → switching to %1").arg(QString::fromStdString(switchingTo.toString()));
        stats.captureFps = capture_->captureFps();
        stats.droppedFrames = capture_->droppedFrames();

        // Recording: the frames the user sees, timed by the wall clock since the record button.
        if (r.startRecording && !sink) {
            auto info = capture_->info();
            VideoSinkOptions options;
            options.path = r.startRecording->toStdString();
            options.width = w;
            options.height = h;
            options.fps = info && info->fps > 0 ? info->fps : 30;
            auto opened = openVideoSink(options);
            if (opened) {
                sink = std::move(opened).value();
                recordPath = *r.startRecording;
                recordStart = Clock::now();
                lastRecordPts = -1;
                recordW = w;
                recordH = h;
                emit recordingStarted(recordPath);
            } else {
                emit recordingStopped(*r.startRecording, 0, QString::fromStdString(opened.status().message()));
            }
        }
        if (sink && (newFrame || settingsChanged)) {
            Frame out;
            out.image = (w == recordW && h == recordH) ? output : resizeImage(output, recordW, recordH);
            out.ptsMicros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - recordStart).count();
            out.ptsMicros = std::max(out.ptsMicros, lastRecordPts + 1);
            out.index = frame->index;
            lastRecordPts = out.ptsMicros;
            Status st = sink->write(out);
            if (!st) finishRecording(QString::fromStdString(st.message()));
        }

        if (r.still) {
            const auto& [path, resolution] = *r.still;
            Image8 still = output;
            Status st;
            if (resolution == StillResolution::FullSource && stylizer && applied) {
                Image8 full = prepareInput(frame->image, frame->image.width, frame->image.height, s.mirror);
                still = Image8(full.width, full.height);
                st = stylizer->stylize(full.view(), still.view());
            }
            if (st) st = writeImage(path.toStdString(), still);
            if (st)
                emit stillSaved(path);
            else
                notify("cannot save the still " + path.toStdString() + ": " + st.message());
        }

        {
            std::lock_guard lock(frameMutex_);
            frame_.stylized = toQImage(output);
            frame_.original = toQImage(input);
            frame_.stats = stats;
            if (frameWaiting_) continue;
            frameWaiting_ = true;
        }
        emit frameAvailable();
    }
    finishRecording({});
    if (switching.valid()) switching.wait();
}

}  // namespace pastiche::controllers
