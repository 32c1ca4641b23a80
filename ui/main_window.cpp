#include "ui/main_window.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

#include "app/controllers/session_controller.h"
#include "app/controllers/style_library.h"
#include "app/core/model_store.h"
#include "app/core/style_source.h"
#include "engine/backend.h"
#include "ui/control_panel.h"
#include "ui/style_gallery.h"
#include "ui/video_view.h"

namespace pastiche::ui {

using namespace pastiche::controllers;

namespace {
const char* kImageFilter = "Images (*.png *.jpg *.jpeg *.bmp *.webp)";
const char* kVideoFilter = "Videos (*.mp4 *.mkv *.mov *.avi *.webm *.m4v)";
}  // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent),
      settings_(options.settingsFile.isEmpty() ? std::make_unique<QSettings>()
                                               : std::make_unique<QSettings>(options.settingsFile, QSettings::IniFormat)),
      vectors_(std::make_shared<StyleVectorSource>(options.modelsDir.toStdString())),
      paths_(options.picturesDir, options.videosDir) {
    setWindowTitle(tr("Pastiche"));
    setWindowIcon(QIcon(":/icons/pastiche-256.png"));
    setAcceptDrops(true);
    resize(1280, 760);

    library_ = new StyleLibrary(vectors_, this);
    QStringList bundled;
    for (const auto& path : bundledStyleImages(options.modelsDir.toStdString())) bundled << QString::fromStdString(path);
    library_->addBundled(bundled);
    library_->restoreUserStyles(*settings_);
    session_ = new SessionController(options.modelsDir.toStdString(), vectors_, this);

    view_ = new VideoView(this);
    view_->setPlaceholder(tr("Opening the source…"));
    setCentralWidget(view_);
    gallery_ = new StyleGallery(library_, this);
    auto* galleryDock = new QDockWidget(tr("Styles"), this);
    galleryDock->setObjectName("stylesDock");
    galleryDock->setWidget(gallery_);
    galleryDock->setFeatures(QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::LeftDockWidgetArea, galleryDock);
    controls_ = new ControlPanel(this);
    auto* controlsDock = new QDockWidget(tr("Controls"), this);
    controlsDock->setObjectName("controlsDock");
    controlsDock->setWidget(controls_);
    controlsDock->setFeatures(QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::RightDockWidgetArea, controlsDock);
    resizeDocks({galleryDock, controlsDock}, {215, 290}, Qt::Horizontal);
    sourceLabel_ = new QLabel(this);
    statusBar()->addPermanentWidget(sourceLabel_);

    QStringList names;
    for (int i = 0; i < library_->count(); ++i) names << library_->at(i).name;
    controls_->setBlendStyles(names);
    controls_->setBackendChoices({{tr("Auto"), "auto"}, {tr("CPU"), "cpu"}});

    buildMenus();
    buildShortcuts();
    connectSession();
    restoreSettings(options);
    loadBackendChoices();
}

MainWindow::~MainWindow() = default;

void MainWindow::connectSession() {
    connect(session_, &SessionController::frameAvailable, this, [this] { view_->setFrame(session_->takeFrame()); },
            Qt::QueuedConnection);
    connect(session_, &SessionController::notice, this, &MainWindow::showNotice, Qt::QueuedConnection);
    connect(session_, &SessionController::backendChanged, this,
            [this](const QString& d) { showStatus(tr("Backend: %1").arg(d)); }, Qt::QueuedConnection);
    connect(session_, &SessionController::backendSwitchFailed, this,
            [this](const QString& kept) { controls_->setBackend(kept); }, Qt::QueuedConnection);
    connect(session_, &SessionController::sourceOpened, this,
            [this](const QString& description, bool seekable, qint64 duration, bool camera) {
                const QString spec = session_->sourceSpec();
                const bool fullRes = spec.startsWith("file:") || spec.startsWith("image:");
                controls_->setSourceCapabilities(seekable, duration, camera, fullRes);
                sourceLabel_->setText(description);
                showStatus(tr("Source: %1").arg(description));
            }, Qt::QueuedConnection);
    connect(session_, &SessionController::positionChanged, controls_, &ControlPanel::setPosition, Qt::QueuedConnection);
    connect(session_, &SessionController::stillSaved, this,
            [this](const QString& path) { showStatus(tr("Saved still to %1").arg(path)); }, Qt::QueuedConnection);
    connect(session_, &SessionController::recordingStarted, this,
            [this](const QString& path) { showStatus(tr("Recording to %1").arg(path)); }, Qt::QueuedConnection);
    connect(session_, &SessionController::recordingStopped, this,
            [this](const QString& path, qint64 frames, const QString& error) {
                view_->setRecordingState(RecordingState::Idle);
                controls_->setRecordingState(RecordingState::Idle);
                if (error.isEmpty())
                    showStatus(tr("Saved recording to %1 (%2 frames)").arg(path).arg(frames));
                else
                    showNotice(tr("Recording %1 stopped: %2 (%3 frames kept)").arg(path, error).arg(frames));
            }, Qt::QueuedConnection);

    connect(library_, &StyleLibrary::vectorReady, this, [this](int index) {
        const auto& entry = library_->at(index);
        if (!entry.vector) return;
        if (index == styleIndex_) {
            session_->setStyle(*entry.vector);
            showStatus(tr("Style: %1").arg(entry.name));
        }
        if (index == blendIndex_) session_->setBlendStyle(*entry.vector);
    });
    connect(library_, &StyleLibrary::vectorFailed, this, [this](int index, const QString& message) {
        showNotice(tr("Cannot use style %1: %2").arg(library_->at(index).name, message));
    });
    connect(library_, &StyleLibrary::styleAdded, this, [this] {
        QStringList names;
        for (int i = 0; i < library_->count(); ++i) names << library_->at(i).name;
        controls_->setBlendStyles(names);
    });

    connect(gallery_, &StyleGallery::styleChosen, this, &MainWindow::chooseStyle);
    connect(gallery_, &StyleGallery::filesDropped, this, &MainWindow::addStyleFiles);
    connect(gallery_, &StyleGallery::addRequested, this, [this] {
        addStyleFiles(QFileDialog::getOpenFileNames(this, tr("Add style images"), QString(), tr(kImageFilter)));
    });

    connect(controls_, &ControlPanel::strengthChanged, this, [this](double v) {
        session_->setStrength(v);
        settings_->setValue("style/strength", v);
    });
    connect(controls_, &ControlPanel::blendStyleChanged, this, [this](int index) {
        blendIndex_ = index;
        settings_->setValue("style/blendWith", index >= 0 ? library_->at(index).path : QString());
        if (index < 0)
            session_->setBlendStyle(std::nullopt);
        else
            library_->requestVector(index);
    });
    connect(controls_, &ControlPanel::blendAmountChanged, this, [this](double v) {
        session_->setBlendAmount(v);
        settings_->setValue("style/blendAmount", v);
    });
    connect(controls_, &ControlPanel::processingSizeChanged, this, [this](int side) {
        session_->setProcessingShortSide(side);
        settings_->setValue("processing/shortSide", side);
    });
    connect(controls_, &ControlPanel::backendChosen, this, [this](const QString& spec) {
        session_->setBackend(spec);
        settings_->setValue("processing/backend", spec);
        showStatus(tr("Switching backend to %1…").arg(spec));
    });
    connect(controls_, &ControlPanel::mirrorChanged, this, [this](MirrorMode mode) {
        session_->setMirror(mode);
        settings_->setValue("source/mirror", mode == MirrorMode::On);
    });
    connect(controls_, &ControlPanel::compareModeChanged, this, [this](CompareMode mode) {
        view_->setCompareMode(mode);
        settings_->setValue("view/compare", int(mode));
    });
    connect(controls_, &ControlPanel::stillRequested, this, &MainWindow::saveStill);
    connect(controls_, &ControlPanel::recordRequested, this, &MainWindow::setRecording);
    connect(controls_, &ControlPanel::playbackChanged, session_, &SessionController::setPlayback);
    connect(controls_, &ControlPanel::seekRequested, session_, &SessionController::seek);
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
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
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
    auto shortcut = [this](QKeySequence key, auto slot) {
        auto* s = new QShortcut(key, this);
        s->setContext(Qt::WindowShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(Qt::Key_Space, [this] { saveStill(StillResolution::Processing); });
    shortcut(Qt::Key_R, [this] {
        setRecording(session_->recordingState() == RecordingState::Recording ? RecordingState::Idle
                                                                              : RecordingState::Recording);
    });
    shortcut(Qt::Key_Left, [this] { gallery_->step(-1); });
    shortcut(Qt::Key_Right, [this] { gallery_->step(1); });
    shortcut(Qt::Key_B, [this] { controls_->cycleBackend(); });
}

void MainWindow::restoreSettings(const MainWindowOptions& options) {
    restoreGeometry(settings_->value("window/geometry").toByteArray());
    restoreState(settings_->value("window/state").toByteArray());

    const QString backend = !options.backend.isEmpty() ? options.backend
                                                       : settings_->value("processing/backend", "auto").toString();
    controls_->setBackend(backend);
    session_->setBackend(backend);
    const int side = settings_->value("processing/shortSide", 384).toInt();
    controls_->setProcessingShortSide(side);
    session_->setProcessingShortSide(side);
    const double strength = settings_->value("style/strength", 1.0).toDouble();
    controls_->setStrength(strength);
    session_->setStrength(strength);
    const double blendAmount = settings_->value("style/blendAmount", 0.5).toDouble();
    controls_->setBlendAmount(blendAmount);
    session_->setBlendAmount(blendAmount);
    const int blendWith = library_->indexOf(settings_->value("style/blendWith").toString());
    if (blendWith >= 0) controls_->setBlendStyle(blendWith);
    const bool mirror = settings_->value("source/mirror", false).toBool();
    controls_->setMirror(mirror ? MirrorMode::On : MirrorMode::Off);
    const auto compare = CompareMode(settings_->value("view/compare", int(CompareMode::StylizedOnly)).toInt());
    controls_->setCompareMode(compare);
    view_->setCompareMode(compare);

    int style = -1;
    if (!options.style.isEmpty()) {
        style = library_->indexOf(options.style);
        if (style < 0) style = library_->addUserStyle(options.style);
        if (style < 0) showNotice(tr("Cannot read the style image %1").arg(options.style));
    }
    if (style < 0) style = library_->indexOf(settings_->value("style/current").toString());
    if (style < 0 && library_->count() > 0) style = 0;
    if (style >= 0) chooseStyle(style);
    else showNotice(tr("No styles yet: add a style image (Source ▸ Add style…) or fetch the models"));

    const QString source = !options.source.isEmpty() ? options.source
                                                     : settings_->value("source/spec", "test-pattern").toString();
    openSource(source);
}

void MainWindow::loadBackendChoices() {
    // Enumerating Vulkan devices creates an instance (slow with some drivers): off the UI thread.
    auto future = QtConcurrent::run([] { return listVulkanDevices(); });
    auto* watcher = new QFutureWatcher<Result<std::vector<DeviceInfo>>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        const auto devices = watcher->result();
        watcher->deleteLater();
        QList<BackendChoice> choices{{tr("Auto"), "auto"}, {tr("CPU"), "cpu"}};
        if (devices) {
            for (const auto& d : devices.value())
                choices.append({tr("Vulkan: %1 (%2)").arg(QString::fromStdString(d.name), QString::fromStdString(d.type)),
                                QString("vulkan:%1").arg(d.index)});
        }
        controls_->setBackendChoices(choices);
    });
    watcher->setFuture(future);
}

void MainWindow::openSource(const QString& spec, int width, int height) {
    if (!session_->openSource(spec, width, height)) return;
    controls_->setPlaybackState(PlaybackState::Playing);  // the session starts every source playing
    settings_->setValue("source/spec", spec);
}

void MainWindow::chooseStyle(int index) {
    if (index < 0 || index >= library_->count()) return;
    styleIndex_ = index;
    gallery_->setCurrentIndex(index);
    settings_->setValue("style/current", library_->at(index).path);
    if (!library_->at(index).vector) showStatus(tr("Preparing style %1…").arg(library_->at(index).name));
    library_->requestVector(index);
}

void MainWindow::saveStill(StillResolution resolution) {
    const QString path = paths_.next(CaptureKind::Still, resolution == StillResolution::FullSource ? "-full" : "");
    if (path.isEmpty()) {
        showNotice(tr("Cannot create the folder %1").arg(paths_.folder(CaptureKind::Still)));
        return;
    }
    session_->captureStill(path, resolution);
    showStatus(tr("Saving still…"));
}

void MainWindow::setRecording(RecordingState state) {
    if (state == session_->recordingState()) return;
    if (state == RecordingState::Idle) {
        session_->stopRecording();
        view_->setRecordingState(RecordingState::Idle);
        controls_->setRecordingState(RecordingState::Idle);
        showStatus(tr("Finishing the recording…"));
        return;
    }
    const QString path = paths_.next(CaptureKind::Recording);
    if (path.isEmpty()) {
        showNotice(tr("Cannot create the folder %1").arg(paths_.folder(CaptureKind::Recording)));
        controls_->setRecordingState(RecordingState::Idle);
        return;
    }
    session_->startRecording(path);
    view_->setRecordingState(RecordingState::Recording);
    controls_->setRecordingState(RecordingState::Recording);
}

void MainWindow::addStyleFiles(const QStringList& paths) {
    int last = -1;
    for (const QString& path : paths) {
        const int index = library_->addUserStyle(path);
        if (index < 0)
            showNotice(tr("%1 is not an image Pastiche can read").arg(path));
        else
            last = index;
    }
    library_->saveUserStyles(*settings_);
    if (last >= 0) chooseStyle(last);
}

void MainWindow::showNotice(const QString& message) {
    notices_ << message;
    statusBar()->showMessage(message, 10000);
}

void MainWindow::showStatus(const QString& message) { statusBar()->showMessage(message, 6000); }

void MainWindow::closeEvent(QCloseEvent* event) {
    if (session_->recordingState() == RecordingState::Recording) session_->stopRecording();
    settings_->setValue("window/geometry", saveGeometry());
    settings_->setValue("window/state", saveState());
    library_->saveUserStyles(*settings_);
    settings_->sync();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) paths << url.toLocalFile();
    addStyleFiles(paths);
}

}  // namespace pastiche::ui
