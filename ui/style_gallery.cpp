#include "ui/style_gallery.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include "app/controllers/style_library.h"

namespace pastiche::ui {

StyleGallery::StyleGallery(controllers::StyleLibrary* library, QWidget* parent)
    : QWidget(parent), library_(library), list_(new QListWidget(this)) {
    setAcceptDrops(true);
    list_->setViewMode(QListView::IconMode);
    list_->setIconSize(QSize(72, 72));
    list_->setGridSize(QSize(92, 100));
    list_->setResizeMode(QListView::Adjust);
    list_->setMovement(QListView::Static);
    list_->setWordWrap(true);
    list_->setUniformItemSizes(true);
    list_->setFocusPolicy(Qt::NoFocus);
    list_->setToolTip(tr("Click a style to apply it; drop image files here to add your own"));
    auto* add = new QPushButton(tr("Add style…"), this);
    add->setFocusPolicy(Qt::NoFocus);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(list_);
    layout->addWidget(add);

    for (int i = 0; i < library_->count(); ++i) addItem(i);
    connect(library_, &controllers::StyleLibrary::styleAdded, this, &StyleGallery::addItem);
    connect(library_, &controllers::StyleLibrary::thumbnailReady, this, [this](int index) {
        if (auto* item = list_->item(index)) item->setIcon(QIcon(QPixmap::fromImage(library_->at(index).thumbnail)));
    });
    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0) emit styleChosen(row);
    });
    connect(add, &QPushButton::clicked, this, &StyleGallery::addRequested);
}

void StyleGallery::addItem(int index) {
    const auto& entry = library_->at(index);
    auto* item = new QListWidgetItem(entry.name);
    item->setToolTip(entry.path);
    if (!entry.thumbnail.isNull()) item->setIcon(QIcon(QPixmap::fromImage(entry.thumbnail)));
    list_->insertItem(index, item);
}

int StyleGallery::currentIndex() const { return list_->currentRow(); }

void StyleGallery::setCurrentIndex(int index) {
    QSignalBlocker block(list_);
    list_->setCurrentRow(index);
}

void StyleGallery::step(int delta) {
    const int n = list_->count();
    if (n == 0) return;
    const int current = std::max(0, list_->currentRow());
    list_->setCurrentRow(((current + delta) % n + n) % n);  // emits styleChosen
}

void StyleGallery::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void StyleGallery::dropEvent(QDropEvent* event) {
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    if (!paths.isEmpty()) {
        emit filesDropped(paths);
        event->acceptProposedAction();
    }
}

}  // namespace pastiche::ui
