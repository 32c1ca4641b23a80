// The style gallery's model: the styles that come with Pastiche (fetched with the models) plus
// the user's own, remembered in QSettings. Thumbnails and style vectors are made on a worker pool
// (the style network runs once per image; StyleVectorSource caches vectors on disk by hash).
#pragma once

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
    std::optional<StyleVector> vector;
    bool vectorPending = false;
};

class StyleLibrary : public QObject {
    Q_OBJECT
public:
    StyleLibrary(std::shared_ptr<StyleVectorSource> vectors, QObject* parent = nullptr);
    ~StyleLibrary() override;

    void addBundled(const QStringList& paths);
    void restoreUserStyles(const QSettings& settings);
    void saveUserStyles(QSettings& settings) const;
    // Adds (or finds) a style image; returns its index, -1 if the file is not a readable image.
    int addUserStyle(const QString& path);

    int count() const { return int(entries_.size()); }
    const StyleEntry& at(int index) const { return entries_.at(size_t(index)); }
    int indexOf(const QString& path) const;
    // Starts computing the vector if needed; vectorReady fires (also when already known).
    void requestVector(int index);

signals:
    void styleAdded(int index);
    void thumbnailReady(int index);
    void vectorReady(int index);
    void vectorFailed(int index, const QString& message);

private:
    int append(const QString& path, StyleOrigin origin);
    std::shared_ptr<StyleVectorSource> vectors_;
    std::vector<StyleEntry> entries_;
    QThreadPool thumbnailPool_;
    QThreadPool vectorPool_;  // one thread: the style network runs one image at a time
};

}  // namespace pastiche::controllers
