// Thumbnails of every style in the StyleLibrary; click to apply, "Add style…" or drop image
// files to add the user's own.
#pragma once

#include <QStringList>
#include <QWidget>

class QListWidget;

namespace pastiche::controllers {
class StyleLibrary;
}

namespace pastiche::ui {

class StyleGallery : public QWidget {
    Q_OBJECT
public:
    explicit StyleGallery(controllers::StyleLibrary* library, QWidget* parent = nullptr);
    int currentIndex() const;
    void setCurrentIndex(int index);  // does not emit styleChosen
    void step(int delta);             // next / previous style (wraps); emits styleChosen

signals:
    void styleChosen(int index);
    void addRequested();
    void filesDropped(const QStringList& paths);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void addItem(int index);
    controllers::StyleLibrary* library_;
    QListWidget* list_;
};

}  // namespace pastiche::ui
