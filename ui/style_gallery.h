// Thumbnails of every style in the StyleLibrary; click to apply, "Add style…" or drop image
// files to add the user's own, "Remove" for the user's own. With no styles at all (models not
// fetched yet) it says so and offers to fetch them.
#pragma once

#include <QStringList>
#include <QWidget>

class QListWidget;
class QPushButton;
class QStackedWidget;

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
    QListWidget* list() const { return list_; }
    // The width that shows this many columns of tiles (the dock is sized with it).
    int widthForColumns(int columns) const;
    int columnCount() const;  // columns the tiles are laid out in now

signals:
    void styleChosen(int index);
    void addRequested();
    void removeRequested(int index);
    void fetchRequested();
    void filesDropped(const QStringList& paths);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void addItem(int index);
    void setThumbnail(int index);
    void updateButtons();
    controllers::StyleLibrary* library_;
    QStackedWidget* pages_;
    QListWidget* list_;
    QPushButton* remove_;
};

}  // namespace pastiche::ui
