#include "ui/gui_main.h"

#include <CLI/CLI.hpp>

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QSettings>
#include <QTimer>

#include <cstdio>

#include "app/core/model_store.h"
#include "app/media/frame_source.h"
#include "ui/display_check.h"
#include "ui/main_window.h"
#include "ui/model_fetch_dialog.h"
#include "ui/video_view.h"

namespace pastiche::ui {

void addGuiCommand(CLI::App& app, GuiOptions& options, bool& chosen) {
    CLI::App* gui = app.add_subcommand("gui", "Open the desktop application (also the default with no subcommand)");
    gui->add_option("--source", options.source, "camera:N | file:PATH | image:PATH | test-pattern (default: last used)");
    gui->add_option("--style", options.style, "Style image to start with (default: last used)");
    gui->add_option("--backend", options.backend, "auto | cpu | vulkan | vulkan:N (default: last used)");
    gui->add_option("--screenshot", options.screenshot, "Save a PNG of the window after --screenshot-delay-ms, then quit");
    gui->add_option("--screenshot-delay-ms", options.screenshotDelayMs, "Delay before the screenshot (ms)")
        ->check(CLI::Range(0, 600000));
    gui->add_option("--quit-after-ms", options.quitAfterMs, "Quit after this many milliseconds (tests)")
        ->check(CLI::Range(0, 3600000));
    gui->final_callback([&chosen] { chosen = true; });
}

int runGui(int argc, char** argv, const GuiOptions& options) {
    // Our options are parsed already; Qt must not read them too (it takes --style as a widget style).
    // Without a display Qt would abort (rc 134) with a message about platform plugins.
    if (const QString why = missingDisplayMessage(); !why.isEmpty()) {
        std::fprintf(stderr, "pastiche: error: %s\n", why.toStdString().c_str());
        return 1;
    }
    int qtArgc = 1;
    char* qtArgv[] = {argc > 0 ? argv[0] : const_cast<char*>("pastiche"), nullptr};
    QApplication app(qtArgc, qtArgv);
    QApplication::setOrganizationName("Pastiche");
    QApplication::setApplicationName("pastiche");
    QApplication::setApplicationDisplayName("Pastiche");
    QApplication::setWindowIcon(QIcon(":/icons/pastiche-256.png"));

    MainWindowOptions windowOptions;
    windowOptions.modelsDir = QString::fromStdString(resolveModelsDir(options.modelsDir));
    windowOptions.source = QString::fromStdString(options.source);
    windowOptions.style = options.style.empty() ? QString() : QFileInfo(QString::fromStdString(options.style)).absoluteFilePath();
    windowOptions.backend = QString::fromStdString(options.backend);

    // The first run looks for a camera to show; later runs reopen the remembered source.
    if (windowOptions.source.isEmpty() && !QSettings().contains("source/spec"))
        windowOptions.cameras = listCameras().empty() ? CameraPresence::Absent : CameraPresence::Present;

    const bool unattended = !options.screenshot.empty() || options.quitAfterMs > 0;
    QString missing;
    const bool haveModels = modelsPresent(windowOptions.modelsDir, &missing);
    if (!haveModels && unattended) std::fprintf(stderr, "pastiche: warning: %s\n", missing.toStdString().c_str());

    MainWindow window(windowOptions);
    window.show();
    // Without models the window opens first (its gallery says what is missing and offers the
    // fetch), then asks once.
    if (!haveModels && !unattended)
        QTimer::singleShot(0, &window, [&window, dir = windowOptions.modelsDir] {
            if (askToFetchModels(dir, &window)) window.fetchModels();
        });

    int exitCode = 0;
    if (!options.screenshot.empty()) {
        const QString path = QString::fromStdString(options.screenshot);
        QTimer::singleShot(options.screenshotDelayMs, &window, [&window, &exitCode, path] {
            QDir().mkpath(QFileInfo(path).absolutePath());
            if (window.grab().save(path, "PNG")) {
                std::fprintf(stderr, "pastiche: screenshot saved to %s (%llu frames shown)\n", path.toStdString().c_str(),
                             static_cast<unsigned long long>(window.view()->framesShown()));
            } else {
                std::fprintf(stderr, "pastiche: error: cannot save the screenshot to %s\n", path.toStdString().c_str());
                exitCode = 1;
            }
            window.close();
        });
    }
    if (options.quitAfterMs > 0) QTimer::singleShot(options.quitAfterMs, &window, &QWidget::close);
    const int rc = app.exec();
    return exitCode ? exitCode : rc;
}

}  // namespace pastiche::ui
