#include "ui/main_window.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QTimer>
#include <QSettings>
#include <QStatusBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "app/controllers/session_controller.h"
#include "app/controllers/style_library.h"
#include "app/core/model_store.h"
#include "app/core/style_source.h"
#include "engine/backend.h"
#include "ui/captures_panel.h"
#include "ui/control_panel.h"
#include "ui/desktop_opener.h"
#include "ui/export_dialog.h"
#include "ui/model_fetch_dialog.h"
#include "ui/notice_banner.h"
#include "ui/style_gallery.h"
#include "ui/video_view.h"

namespace pastiche::ui {

using namespace pastiche::controllers;

namespace {
const char* kImageFilter = "Images (*.png *.jpg *.jpeg *.bmp *.webp)";

QStringList bundledStyles(const QString& modelsDir) {
    QStringList paths;
    for (const auto& path : bundledStyleImages(modelsDir.toStdString())) paths << QString::fromStdString(path);
    return paths;
}
}  // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent),
      settings_(options.settingsFile.isEmpty() ? std::make_unique<QSettings>()
                                               : std::make_unique<QSettings>(options.settingsFile, QSettings::IniFormat)),
      vectors_(std::make_shared<StyleVectorSource>(options.modelsDir.toStdString())),
      modelsDir_(options.modelsDir),
      paths_(options.picturesDir, options.videosDir),
      opener_(std::make_unique<DesktopOpener>()) {
    setWindowIcon(QIcon(":/icons/pastiche-256.png"));
    setAcceptDrops(true);
    resize(1280, 760);

    library_ = new StyleLibrary(vectors_, this);
    library_->addBundled(bundledStyles(modelsDir_));
    library_->restoreUserStyles(*settings_);

    // The centre: the notice banner above the picture.
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->setSpacing(0);
    banner_ = new NoticeBanner(centre);
    view_ = new VideoView(centre);
    view_->setPlaceholder(tr("Opening the source…"));
    view_->setToolTip(tr("Double-click for full screen; in split view drag to move the divider"));
    centreLayout->addWidget(banner_);
    centreLayout->addWidget(view_, 1);
    setCentralWidget(centre);

    gallery_ = new StyleGallery(library_, this);
    galleryDock_ = new QDockWidget(tr("Styles"), this);
    galleryDock_->setObjectName("stylesDock");
    galleryDock_->setWidget(gallery_);
    galleryDock_->setFeatures(QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::LeftDockWidgetArea, galleryDock_);
    controls_ = new ControlPanel(this);
    controlsDock_ = new QDockWidget(tr("Controls"), this);
    controlsDock_->setObjectName("controlsDock");
    controlsDock_->setWidget(controls_);
    controlsDock_->setFeatures(QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::RightDockWidgetArea, controlsDock_);
    captures_ = new CapturesPanel(paths_, opener_.get(), this);
    capturesDock_ = new QDockWidget(tr("Captures"), this);
    capturesDock_->setObjectName("capturesDock");
    capturesDock_->setWidget(captures_);
    capturesDock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, capturesDock_);
    resizeDocks({galleryDock_, controlsDock_}, {gallery_->widthForColumns(2), 300}, Qt::Horizontal);
    sourceLabel_ = new QLabel(this);
    sourceLabel_->setObjectName("sourceLabel");
    sourceLabel_->setMaximumWidth(420);
    statusBar()->addPermanentWidget(sourceLabel_);

    refreshBlendStyles();
    controls_->setBackendChoices({{tr("Auto"), "auto", {}}, {tr("CPU"), "cpu", {}}});

    buildMenus();
    buildShortcuts();
    createSession();
    connectWidgets();
    restoreSettings(options);
    loadBackendChoices();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::setDesktopOpener(std::unique_ptr<DesktopOpener> opener) {
    // The captures panel keeps the pointer: swap the implementation behind it.
    auto* panel = captures_;
    const QStringList recent = panel->recent();
    opener_ = std::move(opener);
    captures_ = new CapturesPanel(paths_, opener_.get(), this);
    captures_->setRecent(recent);
    capturesDock_->setWidget(captures_);
    connect(captures_, &CapturesPanel::recentChanged, this, [this](const QStringList& r) { settings_->setValue("captures/recent", r); });
    delete panel;
}

// The session: made at start and again after the models were fetched from the app (a session
// that started without models has no network to run).
void MainWindow::createSession() {
    delete session_;
    session_ = new SessionController(modelsDir_.toStdString(), vectors_, this);
    connectSession();
}

void MainWindow::connectSession() {
    connect(session_, &SessionController::frameAvailable, this, [this] {
        DisplayFrame frame = session_->takeFrame();
        if (sourceState_ != SourceState::Failed) view_->setFrame(frame);
    }, Qt::QueuedConnection);
    connect(session_, &SessionController::notice, this,
            [this](const QString& m) {
                // A source failure comes as sourceFailed and as a notice: the banner has it already.
                if (banner_->isShowing() && banner_->topic() == NoticeTopic::Source && banner_->message().contains(m)) return;
                // What Pastiche did instead ("…; using the CPU backend") informs; a failure warns.
                const bool failure = m.contains("fail", Qt::CaseInsensitive) || m.startsWith("cannot", Qt::CaseInsensitive);
                showNotice(failure ? NoticeLevel::Warning : NoticeLevel::Info, NoticeTopic::Other, m);
            }, Qt::QueuedConnection);
    connect(session_, &SessionController::backendChanged, this, [this](const QString& d) {
        activeBackend_ = d;
        controls_->setActiveBackend(d);
        showStatus(tr("Backend: %1").arg(d));
    }, Qt::QueuedConnection);
    connect(session_, &SessionController::backendSwitchFailed, this,
            [this](const QString& kept) { controls_->setBackend(kept); }, Qt::QueuedConnection);
    connect(session_, &SessionController::sourceOpened, this,
            [this](const QString& description, bool seekable, qint64 duration, bool camera) {
                const QString spec = session_->sourceSpec();
                const bool fullRes = spec.startsWith("file:") || spec.startsWith("image:");
                controls_->setSourceCapabilities(seekable, duration, camera, fullRes);
                view_->setSourceMotion(spec.startsWith("image:") ? SourceMotion::Still : SourceMotion::Moving);
                sourceLabel_->setText(sourceLabel_->fontMetrics().elidedText(description, Qt::ElideMiddle, 400));
                sourceLabel_->setToolTip(description);
                sourceDescription_ = description;
                sourceState_ = SourceState::Open;
                banner_->clear(NoticeTopic::Source);
                settings_->setValue("source/spec", spec);  // remembered only once it works
                updateTitle();
            }, Qt::QueuedConnection);
    connect(session_, &SessionController::sourceFailed, this, &MainWindow::sourceFailed, Qt::QueuedConnection);
    connect(session_, &SessionController::positionChanged, controls_, &ControlPanel::setPosition, Qt::QueuedConnection);
    connect(session_, &SessionController::stillSaved, this, [this](const QString& path) {
        captures_->addCapture(path, CaptureKind::Still);
        showStatus(tr("Saved still to %1").arg(path));
    }, Qt::QueuedConnection);
    connect(session_, &SessionController::recordingStarted, this,
            [this](const QString& path) { showStatus(tr("Recording to %1").arg(path)); }, Qt::QueuedConnection);
    connect(session_, &SessionController::recordingStopped, this,
            [this](const QString& path, qint64 frames, const QString& error) {
                view_->setRecordingState(RecordingState::Idle);
                controls_->setRecordingState(RecordingState::Idle);
                if (frames > 0 && QFileInfo(path).isFile()) captures_->addCapture(path, CaptureKind::Recording);
                if (error.isEmpty())
                    showStatus(tr("Saved recording to %1 (%2 frames)").arg(path).arg(frames));
                else
                    showNotice(NoticeLevel::Error, NoticeTopic::Capture,
                               tr("Recording %1 stopped: %2 (%3 frames kept)").arg(path, error).arg(frames));
                updateTitle();
            }, Qt::QueuedConnection);
}

void MainWindow::connectWidgets() {
    connect(library_, &StyleLibrary::vectorReady, this, [this](int index) {
        const auto& entry = library_->at(index);
        if (!entry.vector) return;
        if (index == styleIndex_) {
            session_->setStyle(*entry.vector);
            showStatus(tr("Style: %1").arg(entry.name));
            banner_->clear(NoticeTopic::Style);
        }
        if (index == blendIndex_) session_->setBlendStyle(*entry.vector);
    });
    connect(library_, &StyleLibrary::vectorFailed, this, [this](int index, const QString& message) {
        showNotice(NoticeLevel::Error, NoticeTopic::Style, tr("Cannot use the style %1: %2").arg(library_->at(index).name, message));
    });
    connect(library_, &StyleLibrary::styleAdded, this, &MainWindow::refreshBlendStyles);
    connect(library_, &StyleLibrary::styleRemoved, this, [this](int index) {
        if (styleIndex_ > index) --styleIndex_;
        if (blendIndex_ > index) --blendIndex_;
        refreshBlendStyles();
    });

    connect(gallery_, &StyleGallery::styleChosen, this, &MainWindow::chooseStyle);
    connect(gallery_, &StyleGallery::filesDropped, this, &MainWindow::addStyleFiles);
    connect(gallery_, &StyleGallery::removeRequested, this, &MainWindow::removeStyle);
    connect(gallery_, &StyleGallery::fetchRequested, this, &MainWindow::fetchModels);
    connect(gallery_, &StyleGallery::addRequested, this, [this] {
        addStyleFiles(QFileDialog::getOpenFileNames(this, tr("Add style images"), QString(), tr(kImageFilter)));
    });
    connect(captures_, &CapturesPanel::recentChanged, this, [this](const QStringList& r) { settings_->setValue("captures/recent", r); });
    connect(view_, &VideoView::fullScreenToggleRequested, this,
            [this] { setWindowMode(windowMode() == WindowMode::FullScreen ? WindowMode::Normal : WindowMode::FullScreen); });

    // Controls reach the session through session_ at the time of the call: it can be replaced.
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
    connect(controls_, &ControlPanel::stabilityChanged, this, [this](double v) {
        session_->setStability(v);
        settings_->setValue("processing/stability", v);
    });
    connect(controls_, &ControlPanel::preserveColorsChanged, this, [this](bool on) {
        session_->setPreserveColors(on);
        settings_->setValue("processing/preserveColors", on);
    });
    connect(controls_, &ControlPanel::virtualCameraToggled, this, [this](bool on) {
        const QString error = session_->setVirtualCamera(on);
        if (!error.isEmpty()) showNotice(NoticeLevel::Error, NoticeTopic::Other, tr("Virtual camera: %1").arg(error));
        controls_->setVirtualCameraStatus(session_->virtualCameraStatus(), session_->virtualCameraOn());
    });
    auto* cameraStatus = new QTimer(this);  // consumers come and go: show the count
    connect(cameraStatus, &QTimer::timeout, this, [this] {
        if (session_->virtualCameraOn()) controls_->setVirtualCameraStatus(session_->virtualCameraStatus(), true);
    });
    cameraStatus->start(1000);
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
    connect(controls_, &ControlPanel::playbackChanged, this, [this](PlaybackState s) { session_->setPlayback(s); });
    connect(controls_, &ControlPanel::seekRequested, this, [this](qint64 pts) { session_->seek(pts); });
}

void MainWindow::restoreSettings(const MainWindowOptions& options) {
    restoreGeometry(settings_->value("window/geometry").toByteArray());
    restoreState(settings_->value("window/state").toByteArray());

    const QString backend = !options.backend.isEmpty() ? options.backend
                                                       : settings_->value("processing/backend", "auto").toString();
    controls_->setBackend(backend);
    controls_->setProcessingShortSide(settings_->value("processing/shortSide", 384).toInt());
    controls_->setStrength(settings_->value("style/strength", 1.0).toDouble());
    controls_->setBlendAmount(settings_->value("style/blendAmount", 0.5).toDouble());
    const int blendWith = library_->indexOf(settings_->value("style/blendWith").toString());
    if (blendWith >= 0) controls_->setBlendStyle(blendWith);
    controls_->setMirror(settings_->value("source/mirror", false).toBool() ? MirrorMode::On : MirrorMode::Off);
    controls_->setStability(settings_->value("processing/stability", 0.8).toDouble());
    controls_->setPreserveColors(settings_->value("processing/preserveColors", false).toBool());
    const auto compare = CompareMode(settings_->value("view/compare", int(CompareMode::StylizedOnly)).toInt());
    controls_->setCompareMode(compare);
    view_->setCompareMode(compare);
    if (!settings_->value("view/overlay", true).toBool()) toggleOverlay();
    applySettingsToSession();
    captures_->setRecent(settings_->value("captures/recent").toStringList());

    int style = -1;
    if (!options.style.isEmpty()) {
        const StyleAddResult added = library_->addStyle(options.style);
        style = added.index;
        if (style < 0) showNotice(NoticeLevel::Error, NoticeTopic::Style, tr("Cannot use %1 as a style: %2").arg(options.style, added.error));
        else library_->saveUserStyles(*settings_);
    }
    if (style < 0) style = library_->indexOf(settings_->value("style/current").toString());
    if (style < 0) style = firstRunStyle(*library_);
    if (style >= 0) chooseStyle(style);
    else if (library_->count() == 0)
        showNotice(NoticeLevel::Info, NoticeTopic::Models,
                   tr("No styles yet: fetch the models and bundled styles (button in the Styles panel), or add a picture of your own."));

    restoredSource_ = settings_->value("source/spec").toString();
    QString source = options.source;
    if (source.isEmpty()) source = restoredSource_;
    if (source.isEmpty()) source = firstRunSource(modelsDir_, options.cameras);
    openSource(source);
}

void MainWindow::applySettingsToSession() {
    session_->setBackend(controls_->backend());
    session_->setProcessingShortSide(controls_->processingShortSide());
    session_->setStrength(controls_->strength());
    session_->setBlendAmount(settings_->value("style/blendAmount", 0.5).toDouble());
    session_->setMirror(settings_->value("source/mirror", false).toBool() ? MirrorMode::On : MirrorMode::Off);
    session_->setStability(controls_->stability());
    session_->setPreserveColors(controls_->preserveColors());
}

void MainWindow::loadBackendChoices() {
    // Enumerating Vulkan devices creates an instance (slow with some drivers): off the UI thread.
    auto future = QtConcurrent::run([] { return listVulkanDevices(); });
    auto* watcher = new QFutureWatcher<Result<std::vector<DeviceInfo>>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        const auto devices = watcher->result();
        watcher->deleteLater();
        QList<BackendChoice> choices{{tr("Auto"), "auto", {}}, {tr("CPU"), "cpu", {}}};
        if (devices) {
            for (const auto& d : devices.value()) {
                // "llvmpipe (LLVM 15.0.6, 256 bits)" → "llvmpipe": the details go to the tooltip.
                const QString name = QString::fromStdString(d.name);
                choices.append({tr("Vulkan: %1").arg(name.section(" (", 0, 0)), QString("vulkan:%1").arg(d.index),
                                tr("Vulkan device %1: %2 (%3)").arg(d.index).arg(name, QString::fromStdString(d.type))});
            }
        }
        controls_->setBackendChoices(choices);
        if (!activeBackend_.isEmpty()) controls_->setActiveBackend(activeBackend_);
    });
    watcher->setFuture(future);
}

void MainWindow::openSource(const QString& spec, int width, int height) {
    sourceDescription_.clear();
    sourceState_ = SourceState::Opening;
    view_->setPlaceholder(tr("Opening %1…").arg(spec));
    if (!session_->openSource(spec, width, height)) {
        sourceFailed(spec, tr("“%1” is not a source: use a camera, a video file, an image or the test pattern").arg(spec));
        return;
    }
    controls_->setPlaybackState(PlaybackState::Playing);  // the session starts every source playing
    updateTitle();
}

void MainWindow::sourceFailed(const QString& spec, const QString& message) {
    // A source that does not open is not remembered; if it was the remembered one, forget it,
    // so the next start does not get stuck on it again.
    if (!restoredSource_.isEmpty() && spec == restoredSource_) {
        settings_->remove("source/spec");
        restoredSource_.clear();
    }
    sourceDescription_.clear();
    sourceState_ = SourceState::Failed;
    view_->clearFrame();
    view_->setPlaceholder(tr("No picture: %1 could not be opened").arg(spec));
    sourceLabel_->setText(tr("No source"));
    controls_->setSourceCapabilities(false, 0, false, false);
    QList<NoticeAction> actions;
    actions.append({tr("Open a video…"), [this] {
                        const QString path = QFileDialog::getOpenFileName(this, tr("Open video"), QString(),
                                                                          tr("Videos (*.mp4 *.mkv *.mov *.avi *.webm *.m4v)"));
                        if (!path.isEmpty()) openSource("file:" + path);
                    }});
    actions.append({tr("Test pattern"), [this] { openSource("test-pattern"); }});
    notices_ << message;
    // Media errors name the file already; say it once.
    const QString target = spec.section(':', 1);
    const QString text = !target.isEmpty() && message.contains(target) ? tr("The source could not be opened: %1").arg(message)
                                                                         : tr("Cannot open %1: %2").arg(spec, message);
    banner_->show(NoticeLevel::Error, NoticeTopic::Source, text, actions);
    updateTitle();
}

void MainWindow::chooseStyle(int index) {
    if (index < 0 || index >= library_->count()) return;
    styleIndex_ = index;
    gallery_->setCurrentIndex(index);
    settings_->setValue("style/current", library_->at(index).path);
    if (!library_->at(index).vector) showStatus(tr("Preparing style %1…").arg(library_->at(index).name));
    library_->requestVector(index);
}

void MainWindow::addStyleFiles(const QStringList& paths) {
    int last = -1;
    QStringList refused, duplicates;
    for (const QString& path : paths) {
        const StyleAddResult added = library_->addStyle(path);
        if (added.index < 0) refused << added.error;
        else last = added.index;
        if (added.duplicate) duplicates << tr("%1 is already in the gallery as “%2”").arg(QFileInfo(path).fileName(), library_->at(added.index).name);
    }
    library_->saveUserStyles(*settings_);
    if (!refused.isEmpty())
        showNotice(NoticeLevel::Error, NoticeTopic::Style, tr("Not added as a style: %1").arg(refused.join("; ")));
    else if (!duplicates.isEmpty())
        showNotice(NoticeLevel::Info, NoticeTopic::Style, duplicates.join("; "));
    if (last >= 0) chooseStyle(last);
}

void MainWindow::removeStyle(int index) {
    if (index < 0 || index >= library_->count() || library_->at(index).origin != StyleOrigin::User) return;
    const bool wasCurrent = index == styleIndex_;
    if (index == blendIndex_) controls_->setBlendStyle(-1);
    library_->removeUserStyle(index);
    library_->saveUserStyles(*settings_);
    if (wasCurrent && library_->count() > 0) chooseStyle(std::min(index, library_->count() - 1));
}

void MainWindow::refreshBlendStyles() {
    QStringList names;
    for (int i = 0; i < library_->count(); ++i) names << library_->at(i).name;
    controls_->setBlendStyles(names);
}

void MainWindow::saveStill(StillResolution resolution) {
    const QString path = paths_.next(CaptureKind::Still, resolution == StillResolution::FullSource ? "-full" : "");
    if (path.isEmpty()) {
        showNotice(NoticeLevel::Error, NoticeTopic::Capture, tr("Cannot create the folder %1").arg(paths_.folder(CaptureKind::Still)));
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
        updateTitle();
        return;
    }
    const QString path = paths_.next(CaptureKind::Recording);
    if (path.isEmpty()) {
        showNotice(NoticeLevel::Error, NoticeTopic::Capture, tr("Cannot create the folder %1").arg(paths_.folder(CaptureKind::Recording)));
        controls_->setRecordingState(RecordingState::Idle);
        return;
    }
    session_->startRecording(path);
    view_->setRecordingState(RecordingState::Recording);
    controls_->setRecordingState(RecordingState::Recording);
    updateTitle();
}

void MainWindow::updateTitle() {
    QString title = tr("Pastiche");
    if (!sourceDescription_.isEmpty()) title += QString::fromUtf8(" — ") + sourceDescription_;
    else if (banner_->isShowing() && banner_->topic() == NoticeTopic::Source) title += tr(" — no source");
    if (session_ && session_->recordingState() == RecordingState::Recording) title += QString::fromUtf8(" — ● REC");
    setWindowTitle(title);
}

void MainWindow::showNotice(NoticeLevel level, NoticeTopic topic, const QString& message) {
    notices_ << message;
    // An error stays until it is solved or closed: a lesser notice about something else waits in
    // the status bar instead of replacing it.
    if (banner_->isShowing() && banner_->level() == NoticeLevel::Error && topic != banner_->topic() &&
        level != NoticeLevel::Error) {
        statusBar()->showMessage(message, 15000);
        return;
    }
    banner_->show(level, topic, message);
}

void MainWindow::showStatus(const QString& message) { statusBar()->showMessage(message, 6000); }

void MainWindow::setWindowMode(WindowMode mode) {
    if (mode == windowMode()) return;
    if (mode == WindowMode::FullScreen) {
        stateBeforeFullScreen_ = saveState();
        for (QDockWidget* dock : {galleryDock_, controlsDock_, capturesDock_}) dock->hide();
        menuBar()->hide();
        statusBar()->hide();
        showFullScreen();
        showStatus(tr("Full screen: F11, Esc or a double-click goes back"));
    } else {
        showNormal();
        menuBar()->show();
        statusBar()->show();
        for (QDockWidget* dock : {galleryDock_, controlsDock_}) dock->show();
        restoreState(stateBeforeFullScreen_);
    }
    if (fullScreenAction_) fullScreenAction_->setChecked(mode == WindowMode::FullScreen);
}

WindowMode MainWindow::windowMode() const { return isFullScreen() ? WindowMode::FullScreen : WindowMode::Normal; }

void MainWindow::toggleOverlay() {
    const OverlayMode mode = view_->overlayMode() == OverlayMode::Shown ? OverlayMode::Hidden : OverlayMode::Shown;
    view_->setOverlayMode(mode);
    settings_->setValue("view/overlay", mode == OverlayMode::Shown);
    if (overlayAction_) overlayAction_->setChecked(mode == OverlayMode::Shown);
}

ExportDialog* MainWindow::openExportDialog() {
    if (!exportDialog_) {
        ExportDefaults defaults;
        defaults.modelsDir = modelsDir_;
        defaults.backend = controls_->backend();
        defaults.outputFolder = paths_.folder(CaptureKind::Recording);
        defaults.styleIndex = styleIndex_;
        defaults.strength = controls_->strength();
        exportDialog_ = new ExportDialog(library_, defaults, this);
        connect(exportDialog_, &ExportDialog::exported, this,
                [this](const QString& path) { captures_->addCapture(path, CaptureKind::Recording); });
        const QString spec = session_->sourceSpec();
        if (spec.startsWith("file:")) exportDialog_->setInput(spec.mid(5));
    }
    exportDialog_->show();
    exportDialog_->raise();
    return exportDialog_;
}

void MainWindow::fetchModels() {
    const QString error = fetchModelsWithProgress(modelsDir_, this);
    if (!error.isEmpty()) {
        showNotice(NoticeLevel::Error, NoticeTopic::Models, error);
        return;
    }
    banner_->clear(NoticeTopic::Models);
    library_->addBundled(bundledStyles(modelsDir_));
    // The running session started without a network: a new one loads the fetched models.
    const QString source = session_->sourceSpec();
    createSession();
    applySettingsToSession();
    if (styleIndex_ < 0) chooseStyle(firstRunStyle(*library_));
    else library_->requestVector(styleIndex_);
    openSource(source.isEmpty() ? QStringLiteral("test-pattern") : source);
    showStatus(tr("Models and styles installed in %1").arg(modelsDir_));
}

void MainWindow::resizeEvent(QResizeEvent* event) {
    QMainWindow::resizeEvent(event);
    fitGalleryColumns();
}

// The gallery grows with the window: two columns of tiles, three from 1600 px wide.
void MainWindow::fitGalleryColumns() {
    if (windowMode() == WindowMode::FullScreen) return;
    const int columns = width() >= 1600 ? 3 : 2;
    if (columns == galleryColumns_) return;
    galleryColumns_ = columns;
    resizeDocks({galleryDock_}, {gallery_->widthForColumns(columns)}, Qt::Horizontal);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (session_->recordingState() == RecordingState::Recording) {
        QMessageBox box(QMessageBox::Warning, tr("Recording in progress"),
                        tr("Pastiche is recording. Stop the recording and quit? The file so far is kept."),
                        QMessageBox::NoButton, this);
        box.setObjectName("quitWhileRecording");
        QPushButton* quit = box.addButton(tr("Stop recording and quit"), QMessageBox::AcceptRole);
        box.addButton(tr("Keep recording"), QMessageBox::RejectRole);
        box.exec();
        if (box.clickedButton() != quit) {
            event->ignore();
            return;
        }
        session_->stopRecording();
    }
    if (exportDialog_ && exportDialog_->isRunning() && !exportDialog_->close()) {
        event->ignore();
        return;
    }
    if (windowMode() == WindowMode::FullScreen) setWindowMode(WindowMode::Normal);
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
