#include "app/controllers/session_controller.h"

#include <cstring>

#include "app/core/style_source.h"
#include "app/core/image_io.h"
#include "app/session/app_session.h"
#include "app/session/recorder.h"
#include "app/session/session.h"
#include "app/vcam/virtual_camera.h"

namespace pastiche::controllers {

namespace {

QImage toQImage(const Image8& image) {
    QImage out(image.width, image.height, QImage::Format_RGB888);
    const size_t row = size_t(image.width) * 3;
    for (int y = 0; y < image.height; ++y) std::memcpy(out.scanLine(y), image.pixels.data() + y * row, row);
    return out;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

// The preview: converts each finished frame for the view, on the engine's thread.
class PreviewConsumer final : public session::FrameConsumer {
public:
    explicit PreviewConsumer(SessionController& owner) : owner_(owner) {}
    void consume(const session::SessionFrame& f) override {
        if (!session_) return;
        const session::SessionStats s = session_->stats();
        DisplayFrame d;
        d.stylized = toQImage(*f.stylized);
        d.original = toQImage(*f.original);
        d.stats.stylizeMs = f.stylizeMs;
        d.stats.captureFps = s.captureFps;
        d.stats.backend = q(s.backend);
        if (!s.switchingTo.empty()) d.stats.backend += QObject::tr(" → switching to %1").arg(q(s.switchingTo));
        d.stats.processWidth = s.processWidth;
        d.stats.processHeight = s.processHeight;
        d.stats.droppedFrames = s.dropped;
        d.stats.frameIndex = f.index;
        d.stats.ptsMicros = f.ptsMicros;
        d.stats.stylized = f.isStylized;
        owner_.publish(std::move(d));
    }
    session::Session* session_ = nullptr;

private:
    SessionController& owner_;
};

SessionController::SessionController(const std::string& modelsDir, std::shared_ptr<StyleVectorSource> vectors,
                                     QObject* parent)
    : QObject(parent) {
    session::SessionOptions o = session::appSessionOptions(session::SessionMode::Live, modelsDir, std::move(vectors));
    o.initial.processingSize.mode = SizeSpec::Mode::ShortSide;
    o.initial.processingSize.shortSide = 384;
    session::SessionCallbacks c;
    c.sourceOpened = [this](const SourceInfo& info) {
        emit sourceOpened(q(info.description), info.kind == SourceKind::VideoFile && info.durationMicros > 0,
                          info.durationMicros, info.kind == SourceKind::Camera);
    };
    c.sourceFailed = [this](const Status& st) {
        emit sourceFailed(sourceSpec_, q(st.message()));
        emit notice(q(st.message()));
    };
    c.position = [this](int64_t pts) { emit positionChanged(pts); };
    c.backendChanged = [this](const std::string& d) { emit backendChanged(q(d)); };
    c.backendSwitchFailed = [this](const std::string& kept, const Status&) { emit backendSwitchFailed(q(kept)); };
    c.notice = [this](const std::string& m) { emit notice(q(m)); };
    c.stillSaved = [this](const std::string& path) { emit stillSaved(q(path)); };
    c.stillFailed = [this](const std::string& path, const Status& st) {
        emit notice(tr("cannot save the still %1: %2").arg(q(path), q(st.message())));
    };
    c.recordingStarted = [this](const std::string& path) { emit recordingStarted(q(path)); };
    // A recording finishes on a background thread. The state and the signal change together on
    // the controller's thread, so whoever sees recordingStopped also sees the state Idle.
    c.recordingStopped = [this](const std::string& path, int64_t frames, const Status& st) {
        QMetaObject::invokeMethod(
            this,
            [this, path = q(path), frames, error = st ? QString() : q(st.message())] {
                recording_ = RecordingState::Idle;
                emit recordingStopped(path, frames, error);
            },
            Qt::QueuedConnection);
    };
    preview_ = std::make_shared<PreviewConsumer>(*this);
    session_ = std::make_unique<session::Session>(std::move(o), std::move(c));
    preview_->session_ = session_.get();
    session_->addConsumer(preview_);
}

SessionController::~SessionController() {
    if (virtualCamera_) (void)session_->removeConsumer(virtualCamera_);
    session_.reset();  // finishes a recording in progress
}

void SessionController::publish(DisplayFrame frame) {
    {
        std::lock_guard lock(frameMutex_);
        frame_ = std::move(frame);
        if (frameWaiting_) return;
        frameWaiting_ = true;
    }
    emit frameAvailable();
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
    session_->openSource(*parsed);
    return true;
}

void SessionController::setPlayback(PlaybackState state) { session_->setPaused(state == PlaybackState::Paused); }
void SessionController::seek(qint64 ptsMicros) { session_->seek(ptsMicros); }

void SessionController::setStyle(const StyleVector& style) {
    session_->changeControls([&](session::Controls& c) { c.mix.style = style; });
}
void SessionController::setBlendStyle(const std::optional<StyleVector>& other) {
    session_->changeControls([&](session::Controls& c) { c.mix.blendWith = other; });
}
void SessionController::setBlendAmount(double amount) {
    session_->changeControls([&](session::Controls& c) { c.mix.blend = std::clamp(amount, 0.0, 1.0); });
}
void SessionController::setStrength(double strength) {
    session_->changeControls([&](session::Controls& c) { c.mix.strength = std::clamp(strength, 0.0, 1.0); });
}
void SessionController::setProcessingShortSide(int pixels) {
    session_->changeControls([&](session::Controls& c) {
        c.processingSize = SizeSpec{};
        if (pixels > 0) {
            c.processingSize.mode = SizeSpec::Mode::ShortSide;
            c.processingSize.shortSide = std::max(16, pixels);
        }
    });
}
void SessionController::setMirror(MirrorMode mode) {
    session_->changeControls([&](session::Controls& c) {
        c.mirror = mode == MirrorMode::On ? session::Mirror::On : session::Mirror::Off;
    });
}

void SessionController::setStability(double stability) {
    session_->changeControls([&](session::Controls& c) { c.stability = std::clamp(stability, 0.0, 1.0); });
}
void SessionController::setPreserveColors(bool on) {
    session_->changeControls([&](session::Controls& c) { c.preserveColors = on; });
}

QString SessionController::setVirtualCamera(bool on) {
    if (!on) {
        if (virtualCamera_) {
            std::shared_ptr<vcam::VirtualCamera> camera = std::move(virtualCamera_);
            (void)session_->removeConsumer(camera);  // the node disappears
        }
        return {};
    }
    if (virtualCamera_) return {};
    auto opened = vcam::openVirtualCamera(vcam::VirtualCameraOptions{}, [this](const std::string& m) { emit notice(q(m)); });
    if (!opened) return q(opened.status().message());
    virtualCamera_ = std::shared_ptr<vcam::VirtualCamera>(std::move(opened).value());
    session_->addConsumer(virtualCamera_);
    return {};
}

QString SessionController::virtualCameraStatus() const {
    return virtualCamera_ ? q(virtualCamera_->describe()) : QString();
}

void SessionController::setBackend(const QString& spec) {
    auto parsed = BackendSpec::parse(spec.toStdString());
    if (!parsed) {
        emit notice(q(parsed.status().message()));
        return;
    }
    session_->changeControls([&](session::Controls& c) { c.backend = parsed.value(); });
}

QString SessionController::backendSpec() const { return q(session_->controls().backend.toString()); }

void SessionController::captureStill(const QString& path, StillResolution resolution) {
    session_->captureStill(path.toStdString(), resolution == StillResolution::FullSource ? session::StillSize::FullSource
                                                                                          : session::StillSize::Output);
}

void SessionController::startRecording(const QString& path) {
    if (recording_ == RecordingState::Recording) return;
    recording_ = RecordingState::Recording;
    session::RecorderOptions o;
    o.path = path.toStdString();
    session_->startRecording(o);
}

void SessionController::stopRecording() {
    if (recording_ != RecordingState::Recording) return;
    session_->stopRecording();
}

DisplayFrame SessionController::takeFrame() {
    std::lock_guard lock(frameMutex_);
    frameWaiting_ = false;
    return frame_;
}

}  // namespace pastiche::controllers
