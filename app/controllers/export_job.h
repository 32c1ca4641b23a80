// "Stylize video file…": runs pastiche::session::runFileJob (the engine behind `pastiche
// stylize IN.mp4 -o OUT.mp4`) on a worker thread and reports progress and the result as
// signals, so the window stays responsive and the export equals the CLI's output.
#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>

#include "app/session/file_job.h"

namespace pastiche::controllers {

enum class ExportState { Idle, Running, Cancelling };

class ExportJob : public QObject {
    Q_OBJECT
public:
    explicit ExportJob(QObject* parent = nullptr);
    ~ExportJob() override;  // cancels and joins a running export

    // False (and failed()) when an export is already running.
    bool start(const session::FileJobOptions& options);
    void cancel();
    ExportState state() const { return state_; }

signals:
    void progress(qint64 framesDone, qint64 framesTotal, double fps, double etaSeconds);
    void notice(const QString& message);
    // status empty on success; frames written either way (a failed export keeps what it wrote).
    void finished(const QString& output, qint64 frames, double seconds, const QString& error, const QString& description);

private:
    void join();
    ExportState state_ = ExportState::Idle;
    std::atomic<bool> cancel_{false};
    std::thread worker_;
};

}  // namespace pastiche::controllers
