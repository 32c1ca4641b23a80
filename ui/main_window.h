// The application window: a thin shell that creates the controllers (session, style library,
// captures, export), lays out the widgets (view with its notice banner, gallery, controls,
// captures) and routes signals between them. Settings are restored on start and saved as they
// change; a source is remembered only once it opened.
#pragma once

#include <QMainWindow>
#include <QStringList>

#include <memory>

#include "app/controllers/capture_paths.h"
#include "app/controllers/session_types.h"
#include "ui/first_run.h"
#include "ui/help_dialogs.h"

class QAction;
class QDockWidget;
class QSettings;
class QLabel;

namespace pastiche {
class StyleVectorSource;
}

namespace pastiche::controllers {
class SessionController;
class StyleLibrary;
}  // namespace pastiche::controllers

namespace pastiche::ui {

class CapturesPanel;
class ControlPanel;
class DesktopOpener;
class ExportDialog;
class NoticeBanner;
class StyleGallery;
class VideoView;
enum class NoticeLevel;
enum class NoticeTopic;

struct MainWindowOptions {
    QString modelsDir;     // resolved models directory
    QString source;        // overrides the remembered source when set
    QString style;         // style image; overrides the remembered style when set
    QString backend;       // overrides the remembered backend when set
    QString settingsFile;  // empty = the user's QSettings (tests use a temporary file)
    QString picturesDir, videosDir;  // empty = XDG Pictures/Videos + /Pastiche
    CameraPresence cameras = CameraPresence::Absent;  // for the first run's choice of source
};

enum class WindowMode { Normal, FullScreen };
// Frames that arrive after a source failed (in flight, or a re-stylized old frame) are not shown:
// the picture says the source could not be opened until another one opens.
enum class SourceState { Opening, Open, Failed };

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const MainWindowOptions& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    VideoView* view() const { return view_; }
    ControlPanel* controls() const { return controls_; }
    StyleGallery* gallery() const { return gallery_; }
    NoticeBanner* banner() const { return banner_; }
    CapturesPanel* captures() const { return captures_; }
    QDockWidget* capturesDock() const { return capturesDock_; }
    controllers::SessionController* session() const { return session_; }
    controllers::StyleLibrary* styles() const { return library_; }
    QStringList notices() const { return notices_; }
    QList<ShortcutHelp> shortcutHelp() const;
    void setDesktopOpener(std::unique_ptr<DesktopOpener> opener);

    void openSource(const QString& spec, int width = 0, int height = 0);
    void chooseStyle(int index);
    void addStyleFiles(const QStringList& paths);
    void removeStyle(int index);
    void saveStill(controllers::StillResolution resolution);
    void setRecording(controllers::RecordingState state);
    void setWindowMode(WindowMode mode);
    WindowMode windowMode() const;
    void toggleOverlay();
    ExportDialog* openExportDialog();  // shows (or raises) the export dialog
    void fetchModels();                // from the app, with progress; reloads styles and models
    void showNotice(NoticeLevel level, NoticeTopic topic, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void buildMenus();
    void buildShortcuts();
    void createSession();
    void connectSession();
    void connectWidgets();
    void applySettingsToSession();
    void restoreSettings(const MainWindowOptions& options);
    void loadBackendChoices();
    void updateTitle();
    void sourceFailed(const QString& spec, const QString& message);
    void showStatus(const QString& message);
    void fillCameraMenu(QMenu* menu);
    void fitGalleryColumns();
    void refreshBlendStyles();

    std::unique_ptr<QSettings> settings_;
    std::shared_ptr<StyleVectorSource> vectors_;
    QString modelsDir_;
    controllers::CapturePaths paths_;
    std::unique_ptr<DesktopOpener> opener_;
    controllers::StyleLibrary* library_;
    controllers::SessionController* session_ = nullptr;
    NoticeBanner* banner_;
    VideoView* view_;
    StyleGallery* gallery_;
    ControlPanel* controls_;
    CapturesPanel* captures_;
    QDockWidget* galleryDock_;
    QDockWidget* controlsDock_;
    QDockWidget* capturesDock_;
    ExportDialog* exportDialog_ = nullptr;
    QLabel* sourceLabel_;
    QAction* overlayAction_ = nullptr;
    QAction* fullScreenAction_ = nullptr;
    QByteArray stateBeforeFullScreen_;
    QString restoredSource_;     // the remembered source this run started with
    QString sourceDescription_;  // of the source that opened; empty while none is open
    QString activeBackend_;
    SourceState sourceState_ = SourceState::Opening;
    int styleIndex_ = -1;
    int blendIndex_ = -1;
    int galleryColumns_ = 0;
    QStringList notices_;
};

}  // namespace pastiche::ui
