// The desktop app's live session: a thin Qt adapter over the session engine (app/session), which
// `pastiche live` runs too. Every setter posts the wish and returns at once; the engine applies
// it between frames on its own threads, so the UI thread never waits on inference, model
// loading, encoding or file writes. Results come back as signals (queued to the UI thread).
#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "app/controllers/session_types.h"
#include "app/core/stylizer.h"
#include "app/media/frame_source.h"

namespace pastiche {
class StyleVectorSource;
namespace session {
class Session;
}
namespace vcam {
class VirtualCamera;
}
}  // namespace pastiche

namespace pastiche::controllers {

class PreviewConsumer;

class SessionController : public QObject {
    Q_OBJECT
public:
    SessionController(const std::string& modelsDir, std::shared_ptr<StyleVectorSource> vectors,
                      QObject* parent = nullptr);
    ~SessionController() override;

    // "camera:N" | "file:PATH" | "image:PATH" | "test-pattern"; false (and a notice) if unparsable.
    // The new source starts playing, whatever the pause state of the previous one.
    bool openSource(const QString& spec, int width = 0, int height = 0);
    QString sourceSpec() const { return sourceSpec_; }
    void setPlayback(PlaybackState state);
    void seek(qint64 ptsMicros);

    void setStyle(const StyleVector& style);
    void setBlendStyle(const std::optional<StyleVector>& other);  // nullopt = no blend
    void setBlendAmount(double amount);    // 0 = first style only, 1 = the other only
    void setStrength(double strength);     // 0 = the original picture, 1 = full style
    void setProcessingShortSide(int pixels);  // 0 = the source's native size
    void setBackend(const QString& spec);  // auto | cpu | vulkan | vulkan:N
    QString backendSpec() const;
    void setMirror(MirrorMode mode);
    void setStability(double stability);   // 0 = per frame, 1 = strongest
    void setPreserveColors(bool on);
    // The stylized video as a PipeWire camera ("Pastiche"): an error message when it cannot start.
    QString setVirtualCamera(bool on);
    bool virtualCameraOn() const { return virtualCamera_ != nullptr; }
    QString virtualCameraStatus() const;   // "PipeWire node 'Pastiche' 1280x720@30 YUY2, 1 consumer"

    void captureStill(const QString& path, StillResolution resolution);
    void startRecording(const QString& path);
    void stopRecording();
    RecordingState recordingState() const { return recording_; }

    // The newest finished frame; frameAvailable fires once per frame until it is taken.
    DisplayFrame takeFrame();

    session::Session& engine() { return *session_; }

signals:
    void frameAvailable();
    void sourceOpened(const QString& description, bool seekable, qint64 durationMicros, bool camera);
    void positionChanged(qint64 ptsMicros);
    void backendChanged(const QString& description);
    void backendSwitchFailed(const QString& keptSpec);
    void notice(const QString& message);  // fallbacks and errors, shown without blocking
    // The source could not be opened or stopped with an error (missing file, camera gone):
    // the message is for the user; no frames come until another source is opened.
    void sourceFailed(const QString& spec, const QString& message);
    void stillSaved(const QString& path);
    void recordingStarted(const QString& path);
    void recordingStopped(const QString& path, qint64 frames, const QString& error);

private:
    friend class PreviewConsumer;
    void publish(DisplayFrame frame);

    QString sourceSpec_;
    RecordingState recording_ = RecordingState::Idle;

    std::mutex frameMutex_;
    DisplayFrame frame_;
    bool frameWaiting_ = false;

    std::shared_ptr<PreviewConsumer> preview_;
    std::shared_ptr<vcam::VirtualCamera> virtualCamera_;
    std::unique_ptr<session::Session> session_;
};

}  // namespace pastiche::controllers
