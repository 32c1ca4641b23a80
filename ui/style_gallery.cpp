#include "ui/style_gallery.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "app/controllers/style_library.h"

namespace pastiche::ui {

using controllers::StyleOrigin;

namespace {
// Tiles: the thumbnail and up to three lines of the name below it. Every tile has the grid's
// size from the start, so the layout never depends on whether a thumbnail has loaded yet.
constexpr int kIcon = 80;
constexpr int kTileWidth = 112;
constexpr int kTileHeight = kIcon + 56;
}  // namespace

StyleGallery::StyleGallery(controllers::StyleLibrary* library, QWidget* parent)
    : QWidget(parent), library_(library), pages_(new QStackedWidget(this)), list_(new QListWidget(this)) {
    setAcceptDrops(true);
    list_->setObjectName("styleList");
    list_->setViewMode(QListView::IconMode);
    list_->setIconSize(QSize(kIcon, kIcon));
    list_->setGridSize(QSize(kTileWidth, kTileHeight));
    list_->setResizeMode(QListView::Adjust);
    list_->setMovement(QListView::Static);
    list_->setWordWrap(true);
    list_->setTextElideMode(Qt::ElideNone);
    list_->setSpacing(0);
    list_->setFocusPolicy(Qt::NoFocus);
    list_->setContextMenuPolicy(Qt::CustomContextMenu);
    list_->setToolTip(tr("Click a style to apply it (← → step through them); drop image files here to add your own"));
    // The chosen tile gets a frame, not a tint over its picture.
    list_->setStyleSheet("QListView::item { border: 2px solid transparent; border-radius: 4px; padding: 2px; }"
                         "QListView::item:selected { border: 2px solid palette(highlight); background: transparent;"
                         " color: palette(text); }"
                         "QListView::item:hover:!selected { border: 2px solid palette(mid); }");

    auto* emptyPage = new QWidget(this);
    auto* emptyLayout = new QVBoxLayout(emptyPage);
    auto* emptyText = new QLabel(tr("No styles yet.\n\nPastiche's models and bundled styles are not installed. "
                                    "Fetch them (about 4 MB), or add a picture of your own as a style."), emptyPage);
    emptyText->setObjectName("noStylesLabel");
    emptyText->setWordWrap(true);
    emptyText->setAlignment(Qt::AlignCenter);
    auto* fetch = new QPushButton(tr("Fetch models and styles…"), emptyPage);
    fetch->setObjectName("fetchModelsButton");
    fetch->setToolTip(tr("Download (or copy from a local copy) the style-transfer models and the bundled styles"));
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(emptyText);
    emptyLayout->addWidget(fetch);
    emptyLayout->addStretch(1);
    pages_->addWidget(list_);
    pages_->addWidget(emptyPage);

    auto* add = new QPushButton(tr("Add style…"), this);
    add->setObjectName("addStyleButton");
    add->setToolTip(tr("Use a picture of your own as a style (or drop image files on the gallery)"));
    remove_ = new QPushButton(tr("Remove"), this);
    remove_->setObjectName("removeStyleButton");
    remove_->setToolTip(tr("Remove the chosen style from the gallery (your own styles only; the file stays)"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add, 1);
    buttons->addWidget(remove_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(pages_);
    layout->addLayout(buttons);

    for (int i = 0; i < library_->count(); ++i) addItem(i);
    connect(library_, &controllers::StyleLibrary::styleAdded, this, &StyleGallery::addItem);
    connect(library_, &controllers::StyleLibrary::styleRemoved, this, [this](int index) {
        delete list_->takeItem(index);
        pages_->setCurrentIndex(list_->count() > 0 ? 0 : 1);
        updateButtons();
    });
    connect(library_, &controllers::StyleLibrary::thumbnailReady, this, &StyleGallery::setThumbnail);
    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        updateButtons();
        if (row >= 0) emit styleChosen(row);
    });
    connect(list_, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        const int row = list_->row(list_->itemAt(at));
        if (row < 0 || library_->at(row).origin != StyleOrigin::User) return;
        QMenu menu;
        menu.addAction(tr("Remove “%1”").arg(library_->at(row).name), this, [this, row] { emit removeRequested(row); });
        menu.exec(list_->viewport()->mapToGlobal(at));
    });
    connect(add, &QPushButton::clicked, this, &StyleGallery::addRequested);
    connect(remove_, &QPushButton::clicked, this, [this] {
        if (list_->currentRow() >= 0) emit removeRequested(list_->currentRow());
    });
    connect(fetch, &QPushButton::clicked, this, &StyleGallery::fetchRequested);
    pages_->setCurrentIndex(list_->count() > 0 ? 0 : 1);
    updateButtons();
}

void StyleGallery::addItem(int index) {
    const auto& entry = library_->at(index);
    auto* item = new QListWidgetItem(entry.name);
    item->setSizeHint(QSize(kTileWidth, kTileHeight));
    item->setTextAlignment(Qt::AlignHCenter | Qt::AlignTop);
    item->setToolTip(entry.origin == StyleOrigin::User ? tr("%1 (your style: %2)").arg(entry.name, entry.path)
                                                       : tr("%1 (bundled style)").arg(entry.name));
    list_->insertItem(index, item);
    setThumbnail(index);
    pages_->setCurrentIndex(0);
}

void StyleGallery::setThumbnail(int index) {
    QListWidgetItem* item = list_->item(index);
    const QImage& thumbnail = library_->at(index).thumbnail;
    if (!item || thumbnail.isNull()) return;
    const QPixmap pixmap = QPixmap::fromImage(thumbnail);
    QIcon icon;
    icon.addPixmap(pixmap, QIcon::Normal);
    icon.addPixmap(pixmap, QIcon::Selected);  // the chosen style's picture stays as it is
    item->setIcon(icon);
}

void StyleGallery::updateButtons() {
    const int row = list_->currentRow();
    remove_->setEnabled(row >= 0 && row < library_->count() && library_->at(row).origin == StyleOrigin::User);
}

int StyleGallery::widthForColumns(int columns) const {
    const int frame = 2 * list_->frameWidth() + list_->verticalScrollBar()->sizeHint().width() + 4;
    const auto margins = layout()->contentsMargins();
    return columns * kTileWidth + frame + margins.left() + margins.right() + 2;
}

int StyleGallery::columnCount() const {
    if (list_->count() == 0) return 0;
    const int y = list_->visualItemRect(list_->item(0)).top();
    int columns = 0;
    for (int i = 0; i < list_->count() && list_->visualItemRect(list_->item(i)).top() == y; ++i) ++columns;
    return columns;
}

int StyleGallery::currentIndex() const { return list_->currentRow(); }

void StyleGallery::setCurrentIndex(int index) {
    QSignalBlocker block(list_);
    list_->setCurrentRow(index);
    updateButtons();
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
