#include "app/controllers/capture_paths.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace pastiche::controllers {

CapturePaths::CapturePaths(QString picturesDir, QString videosDir)
    : picturesDir_(std::move(picturesDir)), videosDir_(std::move(videosDir)) {}

QString CapturePaths::folder(CaptureKind kind) const {
    if (kind == CaptureKind::Still) {
        if (!picturesDir_.isEmpty()) return picturesDir_;
        return QStandardPaths::writableLocation(QStandardPaths::PicturesLocation) + "/Pastiche";
    }
    if (!videosDir_.isEmpty()) return videosDir_;
    return QStandardPaths::writableLocation(QStandardPaths::MoviesLocation) + "/Pastiche";
}

QString CapturePaths::next(CaptureKind kind, const QString& suffix) const {
    const QString dir = folder(kind);
    if (!QDir().mkpath(dir)) return {};
    const QString stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
    const QString ext = kind == CaptureKind::Still ? ".png" : ".mp4";
    QString base = dir + "/pastiche-" + stamp + suffix;
    QString path = base + ext;
    for (int n = 2; QFileInfo::exists(path); ++n) path = base + "-" + QString::number(n) + ext;
    return path;
}

}  // namespace pastiche::controllers
