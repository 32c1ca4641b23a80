#include "app/controllers/style_library.h"

#include <QFileInfo>
#include <QImageReader>
#include <QSettings>

#include "app/core/style_source.h"

namespace pastiche::controllers {

namespace {
constexpr int kThumbnailSize = 96;
const char* kUserStylesKey = "styles/user";

QImage loadThumbnail(const QString& path) {
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QSize size = reader.size();
    if (size.isValid()) reader.setScaledSize(size.scaled(kThumbnailSize * 2, kThumbnailSize * 2, Qt::KeepAspectRatioByExpanding));
    QImage image = reader.read();
    if (image.isNull()) return {};
    image = image.scaled(kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatioByExpanding, Qt::SmoothTransformation);
    const QRect square((image.width() - kThumbnailSize) / 2, (image.height() - kThumbnailSize) / 2, kThumbnailSize,
                       kThumbnailSize);
    return image.copy(square);
}

QString displayName(const QString& path) {
    QString name = QFileInfo(path).completeBaseName();
    if (name.endsWith("_sq")) name.chop(3);
    name.replace('_', ' ').replace('-', ' ');
    return name;
}
}  // namespace

StyleLibrary::StyleLibrary(std::shared_ptr<StyleVectorSource> vectors, QObject* parent)
    : QObject(parent), vectors_(std::move(vectors)) {
    vectorPool_.setMaxThreadCount(1);
    thumbnailPool_.setMaxThreadCount(1);
}

StyleLibrary::~StyleLibrary() {
    // Workers post results back to this object: let them finish before it goes.
    thumbnailPool_.clear();
    vectorPool_.clear();
    thumbnailPool_.waitForDone();
    vectorPool_.waitForDone();
}

void StyleLibrary::addBundled(const QStringList& paths) {
    for (const QString& path : paths)
        if (indexOf(path) < 0) append(path, StyleOrigin::Bundled);
}

void StyleLibrary::restoreUserStyles(const QSettings& settings) {
    for (const QString& path : settings.value(kUserStylesKey).toStringList())
        if (QFileInfo::exists(path) && indexOf(path) < 0) append(path, StyleOrigin::User);
}

void StyleLibrary::saveUserStyles(QSettings& settings) const {
    QStringList paths;
    for (const auto& e : entries_)
        if (e.origin == StyleOrigin::User) paths << e.path;
    settings.setValue(kUserStylesKey, paths);
}

int StyleLibrary::addUserStyle(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (int existing = indexOf(absolute); existing >= 0) return existing;
    if (QImageReader(absolute).size().isEmpty() && QImageReader(absolute).read().isNull()) return -1;
    return append(absolute, StyleOrigin::User);
}

int StyleLibrary::indexOf(const QString& path) const {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    for (size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].path == absolute) return int(i);
    return -1;
}

int StyleLibrary::append(const QString& path, StyleOrigin origin) {
    StyleEntry entry;
    entry.path = QFileInfo(path).absoluteFilePath();
    entry.name = displayName(path);
    entry.origin = origin;
    entries_.push_back(entry);
    const int index = count() - 1;
    emit styleAdded(index);
    thumbnailPool_.start([this, index, path = entry.path] {
        QImage thumbnail = loadThumbnail(path);
        QMetaObject::invokeMethod(this, [this, index, thumbnail] {
            entries_[size_t(index)].thumbnail = thumbnail;
            emit thumbnailReady(index);
        }, Qt::QueuedConnection);
    });
    return index;
}

void StyleLibrary::requestVector(int index) {
    if (index < 0 || index >= count()) return;
    StyleEntry& entry = entries_[size_t(index)];
    if (entry.vector) {
        emit vectorReady(index);
        return;
    }
    if (entry.vectorPending) return;
    entry.vectorPending = true;
    vectorPool_.start([this, index, path = entry.path.toStdString(), vectors = vectors_] {
        auto vector = vectors->fromImageFile(path);
        QMetaObject::invokeMethod(this, [this, index, ok = vector.isOk(),
                                         value = vector.isOk() ? vector.value() : StyleVector{},
                                         message = QString::fromStdString(vector.status().message())] {
            StyleEntry& e = entries_[size_t(index)];
            e.vectorPending = false;
            if (ok) {
                e.vector = value;
                emit vectorReady(index);
            } else {
                emit vectorFailed(index, message);
            }
        }, Qt::QueuedConnection);
    });
}

}  // namespace pastiche::controllers
