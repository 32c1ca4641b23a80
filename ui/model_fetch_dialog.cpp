#include "ui/model_fetch_dialog.h"

#include <QFutureWatcher>
#include <QMessageBox>
#include <QProgressDialog>
#include <QtConcurrent/QtConcurrentRun>

#include "app/core/model_store.h"

namespace pastiche::ui {

bool modelsPresent(const QString& modelsDir, QString* missing) {
    for (const char* id : {"fast", "style-predict"}) {
        auto path = modelPath(modelsDir.toStdString(), id);
        if (!path) {
            if (missing) *missing = QString::fromStdString(path.status().message());
            return false;
        }
    }
    return true;
}

bool offerModelFetch(const QString& modelsDir, QWidget* parent) {
    QString missing;
    if (modelsPresent(modelsDir, &missing)) return true;
    const QString local = QString::fromStdString(findLocalSource());
    const auto answer = QMessageBox::question(
        parent, QObject::tr("Pastiche needs its models"),
        QObject::tr("The style-transfer models are not installed yet (%1).\n\nFetch them now into %2?%3")
            .arg(missing, modelsDir,
                 local.isEmpty() ? QObject::tr("\nThey will be downloaded (about 4 MB plus the bundled style images).")
                                 : QObject::tr("\nThey will be copied from %1.").arg(local)));
    if (answer != QMessageBox::Yes) return false;

    QProgressDialog progress(QObject::tr("Fetching models…"), QString(), 0, 1000, parent);
    progress.setWindowTitle(QObject::tr("Pastiche"));
    progress.setWindowModality(Qt::ApplicationModal);
    progress.setMinimumDuration(0);
    progress.setAutoClose(false);
    progress.setAutoReset(false);
    const int total = int(manifest().size());
    auto done = std::make_shared<std::atomic<int>>(0);

    QFutureWatcher<Status> watcher;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &progress, &QProgressDialog::accept);
    watcher.setFuture(QtConcurrent::run([&progress, modelsDir, local, total, done] {
        return fetchModels(modelsDir.toStdString(), local.toStdString(), [&progress, total, done](const FetchEvent& e) {
            if (e.kind == FetchEvent::Kind::Done || e.kind == FetchEvent::Kind::AlreadyPresent ||
                e.kind == FetchEvent::Kind::Failed)
                ++*done;
            const double part = e.bytesTotal ? double(e.bytesDone) / double(e.bytesTotal) : 0.0;
            const int value = int(1000.0 * (std::min(done->load(), total) + (e.kind == FetchEvent::Kind::Progress ? part : 0.0)) /
                                  std::max(1, total));
            const QString label = QObject::tr("Fetching %1 (%2 of %3)…")
                                      .arg(e.entry ? QString::fromStdString(e.entry->file) : QString())
                                      .arg(std::min(done->load() + 1, total))
                                      .arg(total);
            QMetaObject::invokeMethod(&progress, [&progress, value, label] {
                progress.setValue(std::min(value, 999));
                progress.setLabelText(label);
            }, Qt::QueuedConnection);
        });
    }));
    progress.exec();
    watcher.waitForFinished();
    const Status status = watcher.result();
    if (!status) {
        QMessageBox::warning(parent, QObject::tr("Pastiche"),
                             QObject::tr("Fetching the models failed:\n%1").arg(QString::fromStdString(status.message())));
        return false;
    }
    return modelsPresent(modelsDir);
}

}  // namespace pastiche::ui
