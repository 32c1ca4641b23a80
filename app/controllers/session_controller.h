// The live session: owns the capture thread (source), the stylize thread (Stylizer, backend
// switches, recorder, stills) and hands finished frames to the UI. Every setter only records the
// wish and returns at once; the stylize thread applies it between frames, so the UI thread never
// waits on inference, model loading, encoding or file writes. Results come back as signals.
#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/controllers/session_types.h"
#include "app/core/stylizer.h"
#include "app/media/frame_source.h"

namespace pastiche {
class StyleVectorSource;
}

namespace pastiche::controllers {

class CaptureThread;

class SessionController : public QObject {
    Q_OBJECT
public:
    SessionController(std::string modelsDir, std::shared_ptr<StyleVectorSource> vectors, QObject* parent = nullptr);
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
    void setStrength(double strength);     // 0 = content's own style, 1 = full style
    void setProcessingShortSide(int pixels);  // 0 = the source's native size
    void setBackend(const QString& spec);  // auto | cpu | vulkan | vulkan:N
    QString backendSpec() const;
    void setMirror(MirrorMode mode);

    void captureStill(const QString& path, StillResolution resolution);
    void startRecording(const QString& path);
    void stopRecording();
    RecordingState recordingState() const { return recording_; }

    // The newest finished frame; frameAvailable fires once per frame until it is taken.
    DisplayFrame takeFrame();

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
    struct Settings;
    struct Requests;
    void stylizeLoop();
    void changeSettings(const std::function<void(Settings&)>& change);

    std::string modelsDir_;
    std::shared_ptr<StyleVectorSource> vectors_;
    QString sourceSpec_;
    RecordingState recording_ = RecordingState::Idle;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::unique_ptr<Settings> settings_;
    std::unique_ptr<Requests> requests_;
    uint64_t settingsGeneration_ = 1;
    bool stop_ = false;

    std::mutex frameMutex_;
    DisplayFrame frame_;
    bool frameWaiting_ = false;

    std::unique_ptr<CaptureThread> capture_;
    std::thread stylizeThread_;
};

}  // namespace pastiche::controllers
