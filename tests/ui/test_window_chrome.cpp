// Defect 6 of issue 12 and the "expected" items, through the real window on an image source at
// 64p: the overlay (true rates on slow backends, no frozen rates for a still image, fits an
// 800 px window, F hides it), "Auto" names the backend it picked and no entry is clipped; Help ▸
// Keyboard shortcuts and About; a tooltip on every control, slider values shown and sliders
// moved by keyboard; the captures panel (path stays visible, open / show in folder); full
// screen (F11, double-click, controls hidden); the window title with the source and REC; and
// the warning when quitting while recording.
#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDockWidget>
#include <QFontDatabase>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QStatusBar>
#include <QTableWidget>
#include <QtTest>

#include "app/controllers/session_controller.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "ui/captures_panel.h"
#include "ui/control_panel.h"
#include "ui/help_dialogs.h"
#include "ui/style_gallery.h"

using namespace pastiche;
using namespace pastiche::controllers;
using namespace pastiche::ui;
using namespace pastiche::uitest;

class TestWindowChrome : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    std::unique_ptr<MainWindow> window_;
    RecordingOpener* opener_ = nullptr;

    QAction* action(const char* name) const { return window_->findChild<QAction*>(name); }
    template <typename T>
    T* control(const char* name) const { return window_->findChild<T*>(name); }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        WindowSetup setup;
        setup.source = "image:" + sharedMedia("content/eiffel_tower.jpg");
        setup.style = modelsDir() + "/styles/La_forma.jpg";
        window_ = makeWindow(scratch_, setup);
        auto opener = std::make_unique<RecordingOpener>();
        opener_ = opener.get();
        window_->setDesktopOpener(std::move(opener));
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_.get()));
        QVERIFY2(waitStylized(*window_, 120000), "no stylized frame within 120 s");
    }

    void overlayForAStillImage() {
        const QString lines = window_->view()->overlayLines().join("\n");
        QVERIFY2(lines.contains("still image") && !lines.contains("capture") && !lines.contains("display"), qPrintable(lines));
    }

    void overlayFitsAnd800PxWindow() {
        window_->resize(800, 600);
        QTest::qWait(200);
        const QRect box = window_->view()->overlayRect();
        QVERIFY(!box.isEmpty());
        QVERIFY2(box.right() < window_->view()->width(), "the overlay runs off the view");
        QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        mono.setPointSizeF(std::max(9.0, mono.pointSizeF()));
        const QFontMetrics fm(mono);
        qInfo("view %d px wide, overlay box %d px", window_->view()->width(), box.width());
        for (const QString& line : window_->view()->overlayLines())
            QVERIFY2(fm.horizontalAdvance(line) <= box.width() - 16, qPrintable("cut: " + line));
        window_->resize(1280, 800);
        QTest::qWait(100);
    }

    void overlayRateOnASlowBackend() {
        // A moving source whose frames come every 1.2 s (a slow backend): a real rate, not 0.0.
        QVERIFY(waitQuiet(*window_, 500, 30000));
        window_->view()->setSourceMotion(SourceMotion::Moving);
        const DisplayFrame frame = window_->view()->currentFrame();
        for (int i = 0; i < 3; ++i) {
            window_->view()->setFrame(frame);
            QTest::qWait(1200);
        }
        const double fps = window_->view()->displayFps();
        QVERIFY2(fps > 0.6 && fps < 1.0, qPrintable(QString("display %1 fps for a frame every 1.2 s").arg(fps)));
        QVERIFY2(window_->view()->overlayLines().join(" ").contains("display 0.8"), qPrintable(window_->view()->overlayLines().join(" | ")));
        window_->view()->setSourceMotion(SourceMotion::Still);
    }

    void fTogglesTheOverlay() {
        QAction* overlay = action("overlayAction");
        QVERIFY(overlay && overlay->isChecked());
        QTest::keyClick(window_.get(), Qt::Key_F);
        QCOMPARE(window_->view()->overlayMode(), OverlayMode::Hidden);
        QVERIFY(window_->view()->overlayRect().isEmpty());
        QVERIFY(!overlay->isChecked());
        overlay->trigger();  // the View menu item
        QCOMPARE(window_->view()->overlayMode(), OverlayMode::Shown);
    }

    void autoNamesTheBackendItPicked() {
        auto* backend = control<QComboBox>("backendCombo");
        QVERIFY(backend);
        QSignalSpy changed(window_->session(), &SessionController::backendChanged);
        backend->setCurrentIndex(backend->findData("auto"));
        emit backend->activated(backend->currentIndex());
        QVERIFY(waitFor([&] { return changed.count() >= 1; }, 60000));
        QTest::qWait(50);
        const QString picked = changed.last().at(0).toString().section(' ', 0, 0);
        QVERIFY2(backend->currentText().startsWith("Auto (") && backend->currentText().contains(picked, Qt::CaseInsensitive),
                 qPrintable(backend->currentText() + " for " + picked));
        // No entry is wider than the box.
        QVERIFY(waitFor([&] { return backend->count() >= 2; }, 10000));
        QTest::qWait(2000);  // the Vulkan device list arrives from a worker
        const QFontMetrics fm(backend->font());
        for (int i = 0; i < backend->count(); ++i)
            QVERIFY2(fm.horizontalAdvance(backend->itemText(i)) + 30 <= backend->width(),
                     qPrintable(QString("“%1” is clipped in a %2 px box").arg(backend->itemText(i)).arg(backend->width())));
        backend->setCurrentIndex(backend->findData("cpu"));
        emit backend->activated(backend->currentIndex());
    }

    void helpShortcutsAndAbout() {
        QTest::keyClick(window_.get(), Qt::Key_F1);
        auto* dialog = window_->findChild<QDialog*>("shortcutsDialog");
        QVERIFY2(dialog && dialog->isVisible(), "F1 shows no shortcuts");
        auto* table = dialog->findChild<QTableWidget*>("shortcutsTable");
        QVERIFY(table && table->rowCount() >= 10);
        QStringList keys;
        for (int r = 0; r < table->rowCount(); ++r) keys << table->item(r, 0)->text();
        for (const char* k : {"Space", "R", "F", "B", "P", "F11, double-click", "F1"}) QVERIFY2(keys.contains(k), k);
        dialog->close();

        action("aboutAction")->trigger();
        auto* about = window_->findChild<QDialog*>("aboutDialog");
        QVERIFY(about && about->isVisible());
        const QString text = about->findChild<QLabel*>("aboutText")->text();
        for (const char* needed : {PASTICHE_VERSION, "Apache License 2.0", "Ghiasi et al. 2017", "Magenta"})
            QVERIFY2(text.contains(needed), needed);
        about->close();
    }

    void everyControlHasATooltip() {
        QStringList missing;
        for (QWidget* root : {static_cast<QWidget*>(window_->controls()), static_cast<QWidget*>(window_->gallery()),
                              static_cast<QWidget*>(window_->captures())})
            for (QWidget* w : root->findChildren<QWidget*>()) {
                const bool control = qobject_cast<QAbstractButton*>(w) || qobject_cast<QComboBox*>(w) ||
                                     qobject_cast<QAbstractSlider*>(w) || qobject_cast<QListWidget*>(w);
                if (control && w->toolTip().isEmpty() && !qobject_cast<QScrollBar*>(w))
                    missing << (w->objectName().isEmpty() ? QString(w->metaObject()->className()) : w->objectName());
            }
        QVERIFY2(missing.isEmpty(), qPrintable("no tooltip: " + missing.join(", ")));
    }

    void slidersShowValuesAndTakeKeys() {
        auto* strength = control<QSlider>("strengthSlider");
        auto* value = control<QLabel>("strengthValue");
        QVERIFY(strength && value);
        QCOMPARE(value->text(), QStringLiteral("100 %"));
        QVERIFY(strength->focusPolicy() & Qt::TabFocus);
        strength->setFocus(Qt::TabFocusReason);
        QVERIFY(strength->hasFocus());
        const int style = window_->gallery()->currentIndex();
        QTest::keyClick(window_.get(), Qt::Key_Left);
        QCOMPARE(strength->value(), 95);
        QCOMPARE(value->text(), QStringLiteral("95 %"));
        QCOMPARE(window_->gallery()->currentIndex(), style);  // the arrow moved the slider, not the gallery
        QTest::keyClick(strength, Qt::Key_End);
        QCOMPARE(strength->value(), 100);
        strength->clearFocus();
        window_->activateWindow();
    }

    void capturesPanelKeepsThePath() {
        QSignalSpy saved(window_->session(), &SessionController::stillSaved);
        QTest::keyClick(window_.get(), Qt::Key_Space);
        QVERIFY(waitFor([&] { return saved.count() == 1; }, 30000));
        const QString path = saved.first().at(0).toString();
        QTest::qWait(50);
        QCOMPARE(window_->captures()->lastSaved(), path);
        QVERIFY(control<QLabel>("lastSavedLabel")->text().contains(path));
        QCOMPARE(window_->captures()->list()->count(), 1);
        window_->statusBar()->clearMessage();  // the status bar forgets; the panel does not
        QVERIFY(control<QLabel>("lastSavedLabel")->text().contains(path));

        QTest::mouseClick(control<QPushButton>("showInFolderButton"), Qt::LeftButton);
        QCOMPARE(opener_->shown, QStringList{path});
        QTest::mouseClick(control<QPushButton>("openCaptureButton"), Qt::LeftButton);
        QTest::mouseClick(control<QPushButton>("openStillsFolderButton"), Qt::LeftButton);
        QCOMPARE(opener_->opened, (QStringList{path, QFileInfo(path).absolutePath()}));

        // Remembered for the next run.
        QSettings settings(scratch_.path() + "/main.ini", QSettings::IniFormat);
        QCOMPARE(settings.value("captures/recent").toStringList(), QStringList{path});
    }

    void fullScreenHidesTheControls() {
        QVERIFY(window_->windowTitle().contains("eiffel_tower"));
        QTest::keyClick(window_.get(), Qt::Key_F11);
        QVERIFY(waitFor([&] { return window_->windowMode() == WindowMode::FullScreen; }, 5000));
        for (const char* dock : {"stylesDock", "controlsDock", "capturesDock"})
            QVERIFY2(!window_->findChild<QDockWidget*>(dock)->isVisible(), dock);
        QVERIFY(!window_->menuBar()->isVisible());
        QVERIFY(window_->view()->isVisible());
        QTest::mouseDClick(window_->view(), Qt::LeftButton, {}, window_->view()->rect().center());
        QVERIFY(waitFor([&] { return window_->windowMode() == WindowMode::Normal; }, 5000));
        QVERIFY(window_->findChild<QDockWidget*>("controlsDock")->isVisible());
        QVERIFY(window_->menuBar()->isVisible());
        QTest::mouseDClick(window_->view(), Qt::LeftButton, {}, window_->view()->rect().center());
        QVERIFY(waitFor([&] { return window_->windowMode() == WindowMode::FullScreen; }, 5000));
        QTest::keyClick(window_.get(), Qt::Key_Escape);
        QVERIFY(waitFor([&] { return window_->windowMode() == WindowMode::Normal; }, 5000));
    }

    void quittingWhileRecordingWarns() {
        QSignalSpy started(window_->session(), &SessionController::recordingStarted);
        QSignalSpy stopped(window_->session(), &SessionController::recordingStopped);
        QTest::keyClick(window_.get(), Qt::Key_R);
        QVERIFY(waitFor([&] { return started.count() == 1; }, 30000));
        QVERIFY2(window_->windowTitle().contains("REC"), qPrintable(window_->windowTitle()));

        QString warning;
        answerNextMessageBox("Keep recording", &warning);
        window_->close();
        QVERIFY2(warning.contains("recording"), qPrintable(warning));
        QVERIFY(window_->isVisible());
        QCOMPARE(window_->session()->recordingState(), RecordingState::Recording);

        answerNextMessageBox("Stop recording and quit");
        window_->close();
        QVERIFY(!window_->isVisible());
        QVERIFY(waitFor([&] { return stopped.count() == 1; }, 30000));
        QVERIFY(QFileInfo(stopped.first().at(0).toString()).size() > 0);
    }

    void cleanupTestCase() { window_.reset(); }
};

PASTICHE_UI_TEST(TestWindowChrome);
#include "test_window_chrome.moc"
