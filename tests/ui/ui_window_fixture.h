// What the GUI test classes share: a MainWindow in a scratch profile (settings, captures and the
// style-vector cache in a temporary folder) and waits on what the window shows.
#pragma once

#include <QAbstractButton>
#include <QApplication>
#include <QElapsedTimer>
#include <QMessageBox>
#include <QTimer>
#include <QSettings>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <memory>

#include "ui/desktop_opener.h"
#include "ui/main_window.h"
#include "ui/video_view.h"

namespace pastiche::uitest {

inline QString modelsDir() {
    return qEnvironmentVariable("PASTICHE_MODELS", QStringLiteral(PASTICHE_TEST_DATA_DIR) + "/models");
}
// Built with ASan or TSan (tests/ui/CMakeLists.txt): checks of wall-clock lengths become
// warnings, and the longest sessions run on shorter inputs.
#ifdef PASTICHE_UI_UNDER_SANITIZER
constexpr bool kUnderSanitizer = true;
#else
constexpr bool kUnderSanitizer = false;
#endif

inline QString sharedMedia(const QString& name) { return QStringLiteral(PASTICHE_SHARED_DIR) + "/media/" + name; }
inline QString artifactsDir() { return QStringLiteral(PASTICHE_BINARY_DIR) + "/artifacts"; }

// Records what the window asked the desktop to open instead of starting a file manager.
class RecordingOpener : public ui::DesktopOpener {
public:
    QStringList opened, shown;
    bool open(const QString& path) override {
        opened << path;
        return true;
    }
    bool showInFolder(const QString& path) override {
        shown << path;
        return true;
    }
};

struct WindowSetup {
    QString source;         // empty: the window decides (remembered or first run)
    QString style;
    QString models = modelsDir();
    int shortSide = 64;     // small: the CI machine has two cores
    bool writeSettings = true;  // false: a first run, no settings at all
};

inline std::unique_ptr<ui::MainWindow> makeWindow(const QTemporaryDir& scratch, const WindowSetup& setup,
                                                  const QString& profile = "main") {
    const QString settingsFile = scratch.path() + "/" + profile + ".ini";
    if (setup.writeSettings) {
        QSettings settings(settingsFile, QSettings::IniFormat);
        settings.setValue("processing/shortSide", setup.shortSide);
        settings.setValue("processing/backend", "cpu");
    }
    ui::MainWindowOptions options;
    options.modelsDir = setup.models;
    options.source = setup.source;
    options.style = setup.style;
    options.settingsFile = settingsFile;
    options.picturesDir = scratch.path() + "/" + profile + "/Pictures";
    options.videosDir = scratch.path() + "/" + profile + "/Videos";
    return std::make_unique<ui::MainWindow>(options);
}

// Waits until pred() holds, processing events; true if it did in time.
inline bool waitFor(const std::function<bool()>& pred, int timeoutMs) { return QTest::qWaitFor(pred, timeoutMs); }

inline bool waitStylized(ui::MainWindow& window, int timeoutMs) {
    return waitFor([&] { return window.view()->currentFrame().valid() && window.view()->currentFrame().stats.stylized; },
                   timeoutMs);
}

// Waits until no new frame has been shown for quietMs.
inline bool waitQuiet(ui::MainWindow& window, int quietMs, int timeoutMs) {
    QElapsedTimer t, quiet;
    t.start();
    quiet.start();
    quint64 last = window.view()->framesShown();
    while (t.elapsed() < timeoutMs) {
        QTest::qWait(20);
        const quint64 now = window.view()->framesShown();
        if (now != last) {
            last = now;
            quiet.restart();
        } else if (quiet.elapsed() >= quietMs) {
            return true;
        }
    }
    return false;
}

// Clicks a button of the next modal message box (QMessageBox::exec blocks the test otherwise).
inline void answerNextMessageBox(const QString& buttonText, QString* boxText = nullptr) {
    QTimer::singleShot(200, [buttonText, boxText] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) {
            answerNextMessageBox(buttonText, boxText);  // not open yet
            return;
        }
        if (boxText) *boxText = box->text() + "\n" + box->informativeText();
        for (QAbstractButton* b : box->buttons())
            if (b->text() == buttonText) b->click();
    });
}

}  // namespace pastiche::uitest
