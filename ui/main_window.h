// The application window: a thin shell that creates the controllers (session, style library),
// lays out the widgets (view, gallery, controls) and routes signals between them. Settings are
// restored on start and saved as they change.
#pragma once

#include <QMainWindow>
#include <QStringList>

#include <memory>

#include "app/controllers/capture_paths.h"
#include "app/controllers/session_types.h"

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

class ControlPanel;
class StyleGallery;
class VideoView;

struct MainWindowOptions {
    QString modelsDir;     // resolved models directory
    QString source;        // overrides the remembered source when set
    QString style;         // style image; overrides the remembered style when set
    QString backend;       // overrides the remembered backend when set
    QString settingsFile;  // empty = the user's QSettings (tests use a temporary file)
    QString picturesDir, videosDir;  // empty = XDG Pictures/Videos + /Pastiche
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const MainWindowOptions& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    VideoView* view() const { return view_; }
    ControlPanel* controls() const { return controls_; }
    StyleGallery* gallery() const { return gallery_; }
    controllers::SessionController* session() const { return session_; }
    controllers::StyleLibrary* styles() const { return library_; }
    QStringList notices() const { return notices_; }

    void openSource(const QString& spec, int width = 0, int height = 0);
    void chooseStyle(int index);
    void saveStill(controllers::StillResolution resolution);
    void setRecording(controllers::RecordingState state);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void buildShortcuts();
    void connectSession();
    void restoreSettings(const MainWindowOptions& options);
    void loadBackendChoices();
    void addStyleFiles(const QStringList& paths);
    void showNotice(const QString& message);
    void showStatus(const QString& message);
    void fillCameraMenu(QMenu* menu);

    std::unique_ptr<QSettings> settings_;
    std::shared_ptr<StyleVectorSource> vectors_;
    controllers::CapturePaths paths_;
    controllers::StyleLibrary* library_;
    controllers::SessionController* session_;
    VideoView* view_;
    StyleGallery* gallery_;
    ControlPanel* controls_;
    QLabel* sourceLabel_;
    int styleIndex_ = -1;
    int blendIndex_ = -1;
    QStringList notices_;
};

}  // namespace pastiche::ui
