// Issue 12, bar 2: screenshots of what a user meets, under Xvfb at 1280x800 and 1920x1080 in the
// light and dark Fusion palettes: the first run, the gallery after adding a style, the captures
// panel, the error for a missing source, full screen and the export dialog with its progress.
// Kept as <build>/artifacts/screenshots/<scene>-<W>x<H>-<palette>.png (listed in docs/GUI.md);
// each must hold a real picture (not blank). Runs as the gui_screenshots CTest entry
// (xvfb-run, QT_QPA_PLATFORM=xcb); classes named Screenshot* are not in the default run.
#include <QApplication>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QPalette>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStyle>
#include <QStyleFactory>
#include <QtTest>

#include "app/controllers/export_job.h"
#include "app/controllers/session_controller.h"
#include "app/controllers/style_library.h"
#include "tests/ui/ui_image_metrics.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "ui/control_panel.h"
#include "ui/export_dialog.h"
#include "ui/notice_banner.h"

using namespace pastiche;
using namespace pastiche::ui;
using namespace pastiche::uitest;

namespace {
QPalette darkPalette() {
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(230, 230, 230), highlight(61, 142, 230);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Mid, QColor(80, 80, 84));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(130, 130, 130));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(130, 130, 130));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(130, 130, 130));
    return p;
}
}  // namespace

class ScreenshotTour : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    QString outDir_;
    QStringList written_;

    void save(QWidget* widget, const QString& name) {
        QCoreApplication::processEvents();
        QTest::qWait(150);
        const QImage shot = widget->grab().toImage();
        const QString path = outDir_ + "/" + name + ".png";
        QVERIFY2(shot.save(path), qPrintable("cannot save " + path));
        QVERIFY2(stddev(rgb(shot)) > 10, qPrintable(path + " is blank"));
        written_ << path;
    }

    void tour(QSize size, const QString& paletteName) {
        const QString tag = QString("%1x%2-%3").arg(size.width()).arg(size.height()).arg(paletteName);
        QApplication::setPalette(paletteName == "dark" ? darkPalette() : QApplication::style()->standardPalette());
        WindowSetup setup;
        setup.writeSettings = false;  // a first run
        auto window = makeWindow(scratch_, setup, "tour-" + tag);
        window->controls()->setProcessingShortSide(256);
        window->controls()->setBackend("cpu");
        window->session()->setBackend("cpu");
        window->resize(size);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QVERIFY2(waitStylized(*window, 180000), "no stylized frame");
        QTest::qWait(1500);
        save(window.get(), "first-run-" + tag);

        // The gallery after adding a style (as Add style… and drops do).
        const QString picture = scratch_.path() + "/Golden Gate.jpg";
        if (!QFileInfo::exists(picture)) QFile::copy(sharedMedia("content/golden_gate_sq.jpg"), picture);
        window->addStyleFiles({picture});
        const int added = window->styles()->indexOf(picture);
        QVERIFY(added >= 0);
        QVERIFY(waitFor([&] { return window->styles()->at(added).vector.has_value(); }, 120000));
        QTest::qWait(2500);
        save(window.get(), "style-added-" + tag);

        // The captures panel after two stills.
        // (Of the clip: the engine saves a still from the next stylized frame, and an image
        // source has none until a setting changes; see TestImageStills::secondStillOfAnImage.)
        window->openSource("file:" + sharedMedia("content/stata_pan_720p.mp4"));
        QVERIFY(waitFor([&] { return window->windowTitle().contains("stata"); }, 30000));
        QTest::qWait(1500);
        QSignalSpy saved(window->session(), &controllers::SessionController::stillSaved);
        window->saveStill(controllers::StillResolution::Processing);
        QVERIFY2(waitFor([&] { return saved.count() == 1; }, 30000), qPrintable(window->notices().join(" | ")));
        QTest::qWait(1100);  // another second: another file name
        window->saveStill(controllers::StillResolution::Processing);
        QVERIFY(waitFor([&] { return saved.count() == 2; }, 30000));
        save(window.get(), "captures-" + tag);

        // The error for a missing source.
        window->openSource("file:" + QDir::homePath() + "/Videos/holiday.mp4");
        QVERIFY(waitFor([&] { return window->banner()->isShowing(); }, 30000));
        save(window.get(), "missing-source-" + tag);

        // Full screen on the test pattern.
        window->openSource("test-pattern");
        window->setWindowMode(WindowMode::FullScreen);
        QVERIFY(waitFor([&] { return window->windowMode() == WindowMode::FullScreen; }, 5000));
        QTest::qWait(2500);
        save(window.get(), "fullscreen-" + tag);
        window->setWindowMode(WindowMode::Normal);
        QTest::qWait(300);

        // The export dialog with its progress.
        ExportDialog* dialog = window->openExportDialog();
        dialog->setInput(sharedMedia("content/stata_pan_720p.mp4"));
        dialog->setOutput(scratch_.path() + "/export-" + tag + ".mp4");
        dialog->setProcessingSize("128");
        dialog->setOutputSize("256");
        dialog->start();
        auto* bar = dialog->findChild<QProgressBar*>("exportProgress");
        QVERIFY2(waitFor([&] { return bar->maximum() > 0 && bar->value() > 150; }, 300000), qPrintable(dialog->statusText()));
        QTest::qWait(300);
        save(dialog, "export-dialog-" + tag);
        save(window.get(), "export-window-" + tag);
        dialog->findChild<QPushButton*>("exportCancel")->click();
        QVERIFY(waitFor([&] { return !dialog->isRunning(); }, 60000));
        window->close();
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        QApplication::setStyle(QStyleFactory::create("Fusion"));
        outDir_ = artifactsDir() + "/screenshots";
        QDir().mkpath(outDir_);
    }
    void light1280() { tour({1280, 800}, "light"); }
    void dark1280() { tour({1280, 800}, "dark"); }
    void light1920() { tour({1920, 1080}, "light"); }
    void dark1920() { tour({1920, 1080}, "dark"); }
    void cleanupTestCase() { qInfo("%lld screenshots in %s", qlonglong(written_.size()), qPrintable(outDir_)); }
};

PASTICHE_UI_TEST(ScreenshotTour);
#include "test_screenshots.moc"
