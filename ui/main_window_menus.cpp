// MainWindow's menus and keyboard shortcuts (one list feeds both the key bindings and Help ▸
// Keyboard shortcuts).
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QMenuBar>
#include <QAbstractButton>
#include <QShortcut>
#include <QSlider>
#include <QtConcurrent/QtConcurrentRun>

#include "app/controllers/session_controller.h"
#include "ui/control_panel.h"
#include "ui/help_dialogs.h"
#include "ui/main_window.h"
#include "ui/style_gallery.h"
#include "ui/video_view.h"

namespace pastiche::ui {

using namespace pastiche::controllers;

namespace {
const char* kImageFilter = "Images (*.png *.jpg *.jpeg *.bmp *.webp)";
const char* kVideoFilter = "Videos (*.mp4 *.mkv *.mov *.avi *.webm *.m4v)";

// Left/Right step through the styles, except on a focused slider, which they move.
bool stepFocusedSlider(int direction) {
    auto* slider = qobject_cast<QAbstractSlider*>(QApplication::focusWidget());
    if (!slider || !slider->isEnabled()) return false;
    slider->triggerAction(direction < 0 ? QAbstractSlider::SliderSingleStepSub : QAbstractSlider::SliderSingleStepAdd);
    return true;
}
}  // namespace

QList<ShortcutHelp> MainWindow::shortcutHelp() const {
    return {
        {tr("Space"), tr("Save a still")},
        {tr("R"), tr("Start or stop recording")},
        {tr("← / →"), tr("Previous / next style (on a focused slider: move it)")},
        {tr("B"), tr("Next backend")},
        {tr("P"), tr("Pause or play a video file")},
        {tr("F"), tr("Show or hide the statistics overlay")},
        {tr("F11, double-click"), tr("Full screen on or off")},
        {tr("Esc"), tr("Leave full screen")},
        {tr("Tab"), tr("Move between the controls (sliders take arrows, Page Up/Down, Home/End)")},
        {QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText), tr("Open a video file")},
        {tr("Ctrl+E"), tr("Stylize a video file to a new file")},
        {tr("F1"), tr("This list")},
        {QKeySequence(QKeySequence::Quit).toString(QKeySequence::NativeText), tr("Quit")},
    };
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&Source"));
    QMenu* cameras = file->addMenu(tr("&Camera"));
    connect(cameras, &QMenu::aboutToShow, this, [this, cameras] { fillCameraMenu(cameras); });
    file->addAction(tr("Open &video…"), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open video"), QString(), tr(kVideoFilter));
        if (!path.isEmpty()) openSource("file:" + path);
    });
    file->addAction(tr("Open &image…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), QString(), tr(kImageFilter));
        if (!path.isEmpty()) openSource("image:" + path);
    });
    file->addAction(tr("&Test pattern"), this, [this] { openSource("test-pattern"); });
    file->addSeparator();
    file->addAction(tr("&Add style…"), this, [this] {
        addStyleFiles(QFileDialog::getOpenFileNames(this, tr("Add style images"), QString(), tr(kImageFilter)));
    });
    QAction* exportAction = file->addAction(tr("&Stylize video file…"), QKeySequence(tr("Ctrl+E")), this,
                                            [this] { openExportDialog(); });
    exportAction->setObjectName("exportAction");
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
    overlayAction_ = viewMenu->addAction(tr("Statistics &overlay"), QKeySequence(Qt::Key_F), this, [this] { toggleOverlay(); });
    overlayAction_->setObjectName("overlayAction");
    overlayAction_->setCheckable(true);
    overlayAction_->setChecked(true);
    fullScreenAction_ = viewMenu->addAction(tr("&Full screen"), QKeySequence(Qt::Key_F11), this, [this] {
        setWindowMode(windowMode() == WindowMode::FullScreen ? WindowMode::Normal : WindowMode::FullScreen);
    });
    fullScreenAction_->setObjectName("fullScreenAction");
    fullScreenAction_->setCheckable(true);
    viewMenu->addSeparator();
    viewMenu->addAction(capturesDock()->toggleViewAction());
    // Menu shortcuts must work while the menu bar is hidden (full screen): the actions live on
    // the window too.
    addAction(overlayAction_);
    addAction(fullScreenAction_);
    addAction(exportAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* keys = help->addAction(tr("&Keyboard shortcuts"), QKeySequence(Qt::Key_F1), this, [this] {
        QDialog* dialog = createShortcutsDialog(shortcutHelp(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    keys->setObjectName("shortcutsAction");
    addAction(keys);
    help->addAction(tr("&Fetch models and styles…"), this, [this] { fetchModels(); })->setObjectName("fetchModelsAction");
    help->addSeparator();
    help->addAction(tr("&About Pastiche"), this, [this] {
        QDialog* dialog = createAboutDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    })->setObjectName("aboutAction");
}

void MainWindow::fillCameraMenu(QMenu* menu) {
    menu->clear();
    QAction* searching = menu->addAction(tr("Looking for cameras…"));
    searching->setEnabled(false);
    // Probing V4L2 devices can take a while: do it off the UI thread.
    auto future = QtConcurrent::run([] { return listCameras(); });
    auto* watcher = new QFutureWatcher<std::vector<CameraDescription>>(menu);
    connect(watcher, &QFutureWatcherBase::finished, menu, [this, menu, watcher] {
        const auto cameras = watcher->result();
        watcher->deleteLater();
        menu->clear();
        if (cameras.empty()) menu->addAction(tr("No camera found"))->setEnabled(false);
        for (const auto& camera : cameras) {
            const QString name = QString("%1 (%2)").arg(QString::fromStdString(camera.name), QString::fromStdString(camera.device));
            const QString spec = QString("camera:%1").arg(camera.index);
            if (camera.resolutions.empty()) {
                menu->addAction(name, this, [this, spec] { openSource(spec); });
                continue;
            }
            QMenu* sizes = menu->addMenu(name);
            for (const auto& size : camera.resolutions) {
                const int w = size.first, h = size.second;
                sizes->addAction(QString("%1x%2").arg(w).arg(h), this, [this, spec, w, h] { openSource(spec, w, h); });
            }
        }
    });
    watcher->setFuture(future);
}

void MainWindow::buildShortcuts() {
    auto shortcut = [this](const QKeySequence& key, auto slot) {
        auto* s = new QShortcut(key, this);
        s->setContext(Qt::WindowShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(Qt::Key_Space, [this] { saveStill(StillResolution::Processing); });
    shortcut(Qt::Key_R, [this] {
        setRecording(session_->recordingState() == RecordingState::Recording ? RecordingState::Idle
                                                                              : RecordingState::Recording);
    });
    shortcut(Qt::Key_Left, [this] {
        if (!stepFocusedSlider(-1)) gallery_->step(-1);
    });
    shortcut(Qt::Key_Right, [this] {
        if (!stepFocusedSlider(1)) gallery_->step(1);
    });
    shortcut(Qt::Key_B, [this] { controls_->cycleBackend(); });
    shortcut(Qt::Key_P, [this] {
        if (auto* pause = controls_->findChild<QAbstractButton*>("pauseButton"); pause && pause->isEnabled()) pause->click();
    });
    shortcut(Qt::Key_Escape, [this] { setWindowMode(WindowMode::Normal); });
}

}  // namespace pastiche::ui
