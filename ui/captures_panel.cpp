#include "ui/captures_panel.h"

#include <QDir>
#include <QFileInfo>
#include <QGridLayout>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include "ui/desktop_opener.h"

namespace pastiche::ui {

using controllers::CaptureKind;

namespace {
constexpr int kMaxRecent = 30;
constexpr int kThumb = 48;

QIcon captureIcon(const QString& path, CaptureKind kind, const QStyle* style) {
    if (kind == CaptureKind::Recording) return style->standardIcon(QStyle::SP_MediaPlay);
    QImageReader reader(path);
    const QSize size = reader.size();
    if (size.isValid()) reader.setScaledSize(size.scaled(kThumb, kThumb, Qt::KeepAspectRatio));
    const QImage image = reader.read();
    return image.isNull() ? style->standardIcon(QStyle::SP_FileIcon) : QIcon(QPixmap::fromImage(image));
}

CaptureKind kindOf(const QString& path) {
    return path.endsWith(".mp4", Qt::CaseInsensitive) ? CaptureKind::Recording : CaptureKind::Still;
}
}  // namespace

CapturesPanel::CapturesPanel(const controllers::CapturePaths& paths, DesktopOpener* opener, QWidget* parent)
    : QWidget(parent), paths_(paths), opener_(opener) {
    setObjectName("capturesPanel");
    last_ = new QLabel(tr("Nothing saved yet: Space saves a still, R records."), this);
    last_->setObjectName("lastSavedLabel");
    last_->setWordWrap(true);
    last_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    last_->setToolTip(tr("The file saved last"));
    list_ = new QListWidget(this);
    list_->setObjectName("capturesList");
    list_->setIconSize(QSize(kThumb, kThumb));
    list_->setToolTip(tr("Your recent stills and recordings: double-click to open one"));
    list_->setFocusPolicy(Qt::NoFocus);
    open_ = new QPushButton(tr("Open"), this);
    open_->setObjectName("openCaptureButton");
    open_->setToolTip(tr("Open the selected capture in its default application"));
    show_ = new QPushButton(tr("Show in folder"), this);
    show_->setObjectName("showInFolderButton");
    show_->setToolTip(tr("Show the selected capture in the file manager"));
    auto* stills = new QPushButton(tr("Stills folder"), this);
    stills->setObjectName("openStillsFolderButton");
    stills->setToolTip(tr("Open %1").arg(paths_.folder(CaptureKind::Still)));
    auto* videos = new QPushButton(tr("Recordings folder"), this);
    videos->setObjectName("openRecordingsFolderButton");
    videos->setToolTip(tr("Open %1").arg(paths_.folder(CaptureKind::Recording)));
    for (QPushButton* b : {open_, show_, stills, videos}) b->setFocusPolicy(Qt::NoFocus);

    auto* buttons = new QGridLayout;
    buttons->addWidget(open_, 0, 0);
    buttons->addWidget(show_, 0, 1);
    buttons->addWidget(stills, 1, 0);
    buttons->addWidget(videos, 1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(last_);
    layout->addWidget(list_, 1);
    layout->addLayout(buttons);

    connect(list_, &QListWidget::currentRowChanged, this, &CapturesPanel::updateButtons);
    connect(list_, &QListWidget::itemDoubleClicked, this, [this] { opener_->open(selectedPath()); });
    connect(open_, &QPushButton::clicked, this, [this] { opener_->open(selectedPath()); });
    connect(show_, &QPushButton::clicked, this, [this] { opener_->showInFolder(selectedPath()); });
    auto openFolder = [this](CaptureKind kind) {
        const QString dir = paths_.folder(kind);
        QDir().mkpath(dir);
        opener_->open(dir);
    };
    connect(stills, &QPushButton::clicked, this, [openFolder] { openFolder(CaptureKind::Still); });
    connect(videos, &QPushButton::clicked, this, [openFolder] { openFolder(CaptureKind::Recording); });
    updateButtons();
}

void CapturesPanel::addCapture(const QString& path, CaptureKind kind) {
    for (int i = list_->count() - 1; i >= 0; --i)
        if (list_->item(i)->data(Qt::UserRole).toString() == path) delete list_->takeItem(i);
    const QFileInfo info(path);
    auto* item = new QListWidgetItem(captureIcon(path, kind, style()), info.fileName());
    item->setData(Qt::UserRole, path);
    item->setToolTip(path);
    list_->insertItem(0, item);
    while (list_->count() > kMaxRecent) delete list_->takeItem(list_->count() - 1);
    list_->setCurrentRow(0);
    last_->setText(tr("Saved %1:\n%2").arg(kind == CaptureKind::Still ? tr("still") : tr("recording"), path));
    emit recentChanged(recent());
}

void CapturesPanel::setRecent(const QStringList& paths) {
    for (auto it = paths.rbegin(); it != paths.rend(); ++it)
        if (QFileInfo(*it).isFile()) addCapture(*it, kindOf(*it));
}

QStringList CapturesPanel::recent() const {
    QStringList paths;
    for (int i = 0; i < list_->count(); ++i) paths << list_->item(i)->data(Qt::UserRole).toString();
    return paths;
}

QString CapturesPanel::lastSaved() const { return list_->count() ? list_->item(0)->data(Qt::UserRole).toString() : QString(); }

QString CapturesPanel::selectedPath() const {
    const QListWidgetItem* item = list_->currentItem();
    return item ? item->data(Qt::UserRole).toString() : QString();
}

void CapturesPanel::updateButtons() {
    const bool any = list_->currentItem() != nullptr;
    open_->setEnabled(any);
    show_->setEnabled(any);
}

}  // namespace pastiche::ui
