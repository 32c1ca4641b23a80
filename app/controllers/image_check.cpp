#include "app/controllers/image_check.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>

namespace pastiche::controllers {

namespace {
QString tr(const char* text) { return QCoreApplication::translate("ImageCheck", text); }

// The end markers of the formats whose decoders accept truncated data.
QString missingEndMarker(const QString& path, const QByteArray& format) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return tr("cannot be read");
    const qint64 size = file.size();
    const qint64 tail = std::min<qint64>(size, 4096);  // some writers append bytes after the end
    file.seek(size - tail);
    const QByteArray end = file.read(tail);
    if (format == "jpeg" && !end.contains(QByteArray("\xFF\xD9", 2))) return tr("is truncated (no JPEG end marker)");
    if (format == "png" && !end.contains("IEND")) return tr("is truncated (no PNG end chunk)");
    return {};
}
}  // namespace

QString checkImageFile(const QString& path) {
    const QString name = QFileInfo(path).fileName();
    if (!QFileInfo(path).isFile()) return tr("%1 does not exist").arg(path);
    QImageReader reader(path);
    const QByteArray format = reader.format();
    if (format.isEmpty()) return tr("%1 is not an image Pastiche can read").arg(name);
    if (const QString why = missingEndMarker(path, format); !why.isEmpty()) return name + " " + why;
    const QImage image = reader.read();
    if (image.isNull()) return tr("%1 is corrupt (%2)").arg(name, reader.errorString());
    if (image.width() < 8 || image.height() < 8) return tr("%1 is too small to be a style").arg(name);
    return {};
}

}  // namespace pastiche::controllers
