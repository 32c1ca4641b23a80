#include "app/controllers/style_library.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QSettings>

#include "app/controllers/image_check.h"
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

QByteArray hashFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result();
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
        if (indexOf(path) < 0) addStyle(path);  // refuses files that went missing or bad since
}

void StyleLibrary::saveUserStyles(QSettings& settings) const {
    QStringList paths;
    for (const auto& e : entries_)
        if (e.origin == StyleOrigin::User) paths << e.path;
    settings.setValue(kUserStylesKey, paths);
}

StyleAddResult StyleLibrary::addStyle(const QString& path) {
    StyleAddResult result;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (int existing = indexOf(absolute); existing >= 0) {
        result.index = existing;
        result.duplicate = true;
        return result;
    }
    result.error = checkImageFile(absolute);
    if (!result.error.isEmpty()) return result;
    const QByteArray hash = hashFile(absolute);
    if (int same = indexOfHash(hash); same >= 0) {
        result.index = same;
        result.duplicate = true;
        return result;
    }
    result.index = append(absolute, StyleOrigin::User, hash);
    return result;
}

bool StyleLibrary::removeUserStyle(int index) {
    if (index < 0 || index >= count() || entries_[size_t(index)].origin != StyleOrigin::User) return false;
    entries_.erase(entries_.begin() + index);
    emit styleRemoved(index);
    return true;
}

int StyleLibrary::indexOfId(quint64 id) const {
    for (size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].id == id) return int(i);
    return -1;
}

int StyleLibrary::indexOfHash(const QByteArray& hash) {
    if (hash.isEmpty()) return -1;
    for (size_t i = 0; i < entries_.size(); ++i) {
        StyleEntry& e = entries_[i];
        if (e.contentHash.isEmpty()) e.contentHash = hashFile(e.path);  // small files, hashed once
        if (e.contentHash == hash) return int(i);
    }
    return -1;
}

int StyleLibrary::indexOfName(const QString& name) const {
    for (size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].name.compare(name, Qt::CaseInsensitive) == 0) return int(i);
    return -1;
}

int StyleLibrary::indexOf(const QString& path) const {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    for (size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].path == absolute) return int(i);
    return -1;
}

int StyleLibrary::append(const QString& path, StyleOrigin origin, QByteArray hash) {
    StyleEntry entry;
    entry.id = nextId_++;
    entry.contentHash = std::move(hash);
    entry.path = QFileInfo(path).absoluteFilePath();
    entry.name = displayName(path);
    entry.origin = origin;
    entries_.push_back(entry);
    const int index = count() - 1;
    emit styleAdded(index);
    thumbnailPool_.start([this, id = entry.id, path = entry.path] {
        QImage thumbnail = loadThumbnail(path);
        QMetaObject::invokeMethod(this, [this, id, thumbnail] {
            const int index = indexOfId(id);
            if (index < 0) return;  // removed meanwhile
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
    vectorPool_.start([this, id = entry.id, path = entry.path.toStdString(), vectors = vectors_] {
        auto vector = vectors->fromImageFile(path);
        QMetaObject::invokeMethod(this, [this, id, ok = vector.isOk(),
                                         value = vector.isOk() ? vector.value() : StyleVector{},
                                         message = QString::fromStdString(vector.status().message())] {
            const int index = indexOfId(id);
            if (index < 0) return;
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
