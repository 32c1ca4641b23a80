// The style gallery's model: the styles that come with Pastiche (fetched with the models) plus
// the user's own, remembered in QSettings. Thumbnails and style vectors are made on a worker pool
// (the style network runs once per image; StyleVectorSource caches vectors on disk by hash).
// A picture is one style however often it is added: entries are deduplicated by a hash of the
// file's bytes. Files that do not decode completely (truncated, corrupt) are refused.
#pragma once

#include <QByteArray>
#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <memory>
#include <optional>
#include <vector>

#include "engine/transfer_network.h"

class QSettings;

namespace pastiche {
class StyleVectorSource;
}

namespace pastiche::controllers {

enum class StyleOrigin { Bundled, User };

struct StyleEntry {
    QString path;
    QString name;
    StyleOrigin origin = StyleOrigin::Bundled;
    QImage thumbnail;
    QByteArray contentHash;  // sha256 of the file; empty until needed
    std::optional<StyleVector> vector;
    bool vectorPending = false;
    quint64 id = 0;          // stable across removals (worker results find their entry by it)
};

// What addStyle did with a file.
struct StyleAddResult {
    int index = -1;       // the new or the existing entry; -1 when refused
    bool duplicate = false;
    QString error;        // for the user: "photo.jpg is truncated or corrupt (…)"
};

class StyleLibrary : public QObject {
    Q_OBJECT
public:
    StyleLibrary(std::shared_ptr<StyleVectorSource> vectors, QObject* parent = nullptr);
    ~StyleLibrary() override;

    void addBundled(const QStringList& paths);
    void restoreUserStyles(const QSettings& settings);
    void saveUserStyles(QSettings& settings) const;
    // Adds (or finds, by path or by content) a style image.
    StyleAddResult addStyle(const QString& path);
    // Compatibility: the index of the new or existing entry, -1 if the file is refused.
    int addUserStyle(const QString& path) { return addStyle(path).index; }
    // Removes a user style (bundled ones stay); false if index is not a user style.
    bool removeUserStyle(int index);

    int count() const { return int(entries_.size()); }
    const StyleEntry& at(int index) const { return entries_.at(size_t(index)); }
    int indexOf(const QString& path) const;
    int indexOfName(const QString& name) const;
    // Starts computing the vector if needed; vectorReady fires (also when already known).
    void requestVector(int index);

signals:
    void styleAdded(int index);
    void styleRemoved(int index);  // entries after it moved down by one
    void thumbnailReady(int index);
    void vectorReady(int index);
    void vectorFailed(int index, const QString& message);

private:
    int append(const QString& path, StyleOrigin origin, QByteArray hash = {});
    int indexOfId(quint64 id) const;
    int indexOfHash(const QByteArray& hash);
    std::shared_ptr<StyleVectorSource> vectors_;
    std::vector<StyleEntry> entries_;
    quint64 nextId_ = 1;
    QThreadPool thumbnailPool_;
    QThreadPool vectorPool_;  // one thread: the style network runs one image at a time
};

}  // namespace pastiche::controllers
