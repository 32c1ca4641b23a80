#include "app/controllers/export_job.h"

#include <QMetaObject>

namespace pastiche::controllers {

ExportJob::ExportJob(QObject* parent) : QObject(parent) {}

ExportJob::~ExportJob() {
    cancel_ = true;
    join();
}

void ExportJob::join() {
    if (worker_.joinable()) worker_.join();
}

bool ExportJob::start(const session::FileJobOptions& options) {
    if (state_ != ExportState::Idle) {
        emit finished(QString::fromStdString(options.output), 0, 0, tr("another export is still running"), {});
        return false;
    }
    join();
    state_ = ExportState::Running;
    cancel_ = false;
    worker_ = std::thread([this, options] {
        auto onProgress = [this](const session::FileJobProgress& p) {
            emit progress(p.framesDone, p.framesTotal, p.fps, p.etaSeconds);
        };
        auto onNotice = [this](const std::string& m) { emit notice(QString::fromStdString(m)); };
        const session::FileJobResult result = session::runFileJob(options, onProgress, &cancel_, onNotice);
        const QString error = result.status ? QString() : QString::fromStdString(result.status.message());
        const QString output = QString::fromStdString(options.output);
        const QString description = QString::fromStdString(result.description);
        const qint64 frames = result.frames;
        const double seconds = result.seconds;
        // Back on the UI thread: the state flips before anyone hears of the end.
        QMetaObject::invokeMethod(this, [this, output, frames, seconds, error, description] {
            state_ = ExportState::Idle;
            emit finished(output, frames, seconds, error, description);
        }, Qt::QueuedConnection);
    });
    return true;
}

void ExportJob::cancel() {
    if (state_ != ExportState::Running) return;
    state_ = ExportState::Cancelling;
    cancel_ = true;
}

}  // namespace pastiche::controllers
