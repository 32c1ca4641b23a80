#include "ui/model_fetch_dialog.h"

#include <QFutureWatcher>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
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

bool askToFetchModels(const QString& modelsDir, QWidget* parent) {
    const QString local = QString::fromStdString(findLocalSource());
    QMessageBox box(QMessageBox::Question, QObject::tr("Welcome to Pastiche"),
                    QObject::tr("Pastiche paints your camera or videos in the style of a picture. For that it needs "
                                "its style models and a set of styles to start with (about 4 MB), which are not "
                                "installed yet."),
                    QMessageBox::NoButton, parent);
    box.setInformativeText(local.isEmpty() ? QObject::tr("They will be downloaded and checked, into %1.").arg(modelsDir)
                                           : QObject::tr("They will be copied from %1 into %2.").arg(local, modelsDir));
    QPushButton* fetch = box.addButton(QObject::tr("Fetch now"), QMessageBox::AcceptRole);
    box.addButton(QObject::tr("Not now"), QMessageBox::RejectRole);
    box.setDefaultButton(fetch);
    box.exec();
    return box.clickedButton() == fetch;
}

QString fetchModelsWithProgress(const QString& modelsDir, QWidget* parent) {
    const QString local = QString::fromStdString(findLocalSource());
    QProgressDialog progress(QObject::tr("Fetching the models…"), QString(), 0, 1000, parent);
    progress.setObjectName("modelFetchProgress");
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
    if (!watcher.isFinished()) progress.exec();
    watcher.waitForFinished();
    const Status status = watcher.result();
    if (!status) return QObject::tr("Fetching the models failed: %1").arg(QString::fromStdString(status.message()));
    QString missing;
    if (!modelsPresent(modelsDir, &missing)) return QObject::tr("The models are still incomplete: %1").arg(missing);
    return {};
}

}  // namespace pastiche::ui
