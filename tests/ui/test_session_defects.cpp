// Issue 12 defects that live in the session engine (app/session), tested through the real window:
//   defect 8: strength 0 is the original picture (TestStrength);
//   defect 2: a seek after the clip looped once lands where asked, not at 0:00
//   (TestSeekAfterLoop::seekAfterTheClipLooped).
// Found on the way and fixed in the engine: a still of an image source (or a paused video) is the
// picture on screen, not the next stylized frame, which an image never delivers (TestImageStills).
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QtTest>

#include "app/controllers/session_controller.h"
#include "tests/ui/ui_image_metrics.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "ui/control_panel.h"

using namespace pastiche;
using namespace pastiche::controllers;
using namespace pastiche::ui;
using namespace pastiche::uitest;

class TestStrength : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    std::unique_ptr<MainWindow> window_;
    const DisplayFrame& frame() const { return window_->view()->currentFrame(); }
    // The view shows frames at the source's size: the stylized one was painted at the processing
    // size and scaled up. Compared at a quarter of the processing size (where the resamplers of
    // the engine and of Qt no longer differ), strength 0 must be the original.
    double psnrAtProcessingSize() const {
        const QSize size(frame().stats.processWidth / 4, frame().stats.processHeight / 4);
        auto down = [&](const QImage& i) { return rgb(i).scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation); };
        return psnr(down(frame().stylized), down(frame().original));
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        WindowSetup setup;
        setup.source = "image:" + sharedMedia("content/eiffel_tower.jpg");
        setup.style = modelsDir() + "/styles/La_forma.jpg";
        setup.shortSide = 128;
        window_ = makeWindow(scratch_, setup);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QVERIFY2(waitStylized(*window_, 120000), "no stylized frame within 120 s");
    }

    void strengthZeroIsTheOriginal() {
        auto* strength = window_->controls()->findChild<QSlider*>("strengthSlider");
        QVERIFY(strength);
        QVERIFY2(psnrAtProcessingSize() < 25, "the first frame is not stylized");
        const quint64 shownBefore = window_->view()->framesShown();
        strength->setValue(0);
        const bool original = waitFor([&] { return frame().stats.stylized && psnrAtProcessingSize() >= 40; }, 30000);
        QVERIFY2(original, qPrintable(QString("strength 0 is %1 dB from the original (need >= 40; %2 frames since)")
                                          .arg(psnrAtProcessingSize())
                                          .arg(window_->view()->framesShown() - shownBefore)));
        strength->setValue(50);  // half way is neither
        QVERIFY(waitFor([&] { return psnrAtProcessingSize() < 35; }, 30000));
        strength->setValue(100);
    }

    void cleanupTestCase() {
        if (!window_) return;
        window_->close();
        window_.reset();
    }
};

PASTICHE_UI_TEST(TestStrength);

class TestSeekAfterLoop : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    std::unique_ptr<MainWindow> window_;
    const DisplayFrame& frame() const { return window_->view()->currentFrame(); }
    // The view shows frames at the source's size: the stylized one was painted at the processing
    // size and scaled up. Compared at a quarter of the processing size (where the resamplers of
    // the engine and of Qt no longer differ), strength 0 must be the original.
    double psnrAtProcessingSize() const {
        const QSize size(frame().stats.processWidth / 4, frame().stats.processHeight / 4);
        auto down = [&](const QImage& i) { return rgb(i).scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation); };
        return psnr(down(frame().stylized), down(frame().original));
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        WindowSetup setup;
        setup.source = "image:" + sharedMedia("content/eiffel_tower.jpg");
        setup.style = modelsDir() + "/styles/La_forma.jpg";
        setup.shortSide = 128;
        window_ = makeWindow(scratch_, setup);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QVERIFY2(waitStylized(*window_, 120000), "no stylized frame within 120 s");
    }

    void seekAfterTheClipLooped() {
        const QString clip = sharedMedia("content/stata_pan_720p.mp4");
        window_->controls()->setProcessingShortSide(64);
        QSignalSpy opened(window_->session(), &SessionController::sourceOpened);
        QSignalSpy position(window_->session(), &SessionController::positionChanged);
        window_->openSource("file:" + clip);
        QVERIFY(waitFor([&] { return opened.count() == 1; }, 30000));
        const qint64 duration = opened.first().at(2).toLongLong();
        QVERIFY(duration > 5000000);
        // Play past the end once: the position wraps (or keeps counting past the duration).
        qint64 highest = 0;
        bool looped = false;
        QVERIFY2(waitFor([&] {
                     for (const auto& args : position) {
                         const qint64 pts = args.at(0).toLongLong();
                         if (pts >= duration || (highest > duration / 2 && pts < highest - duration / 2)) looped = true;
                         highest = std::max(highest, pts);
                     }
                     position.clear();
                     return looped;
                 }, 60000),
                 "the clip did not loop");
        QTest::qWait(1000);  // into the second pass
        auto* pause = window_->controls()->findChild<QPushButton*>("pauseButton");
        auto* seek = window_->controls()->findChild<QSlider*>("seekSlider");
        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(waitQuiet(*window_, 1000, 30000));
        const qint64 target = 4000000;
        const quint64 shown = window_->view()->framesShown();
        seek->setSliderDown(true);
        seek->setSliderPosition(int(target / 1000));
        seek->setSliderDown(false);
        QVERIFY(waitFor([&] { return window_->view()->framesShown() > shown; }, 30000));
        QVERIFY(waitQuiet(*window_, 1000, 30000));
        const qint64 at = frame().stats.ptsMicros % duration;
        QVERIFY2(std::llabs(at - target) <= 150000,
                 qPrintable(QString("seek to %1 us after a loop shows %2 us").arg(target).arg(at)));
    }

    void cleanupTestCase() {
        if (!window_) return;
        window_->close();
        window_.reset();
    }
};

PASTICHE_UI_TEST(TestSeekAfterLoop);

class TestImageStills : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    std::unique_ptr<MainWindow> window_;
    const DisplayFrame& frame() const { return window_->view()->currentFrame(); }
    // The view shows frames at the source's size: the stylized one was painted at the processing
    // size and scaled up. Compared at a quarter of the processing size (where the resamplers of
    // the engine and of Qt no longer differ), strength 0 must be the original.
    double psnrAtProcessingSize() const {
        const QSize size(frame().stats.processWidth / 4, frame().stats.processHeight / 4);
        auto down = [&](const QImage& i) { return rgb(i).scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation); };
        return psnr(down(frame().stylized), down(frame().original));
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        WindowSetup setup;
        setup.source = "image:" + sharedMedia("content/eiffel_tower.jpg");
        setup.style = modelsDir() + "/styles/La_forma.jpg";
        setup.shortSide = 128;
        window_ = makeWindow(scratch_, setup);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QVERIFY2(waitStylized(*window_, 120000), "no stylized frame within 120 s");
    }

    void secondStillOfAnImage() {
        QSignalSpy saved(window_->session(), &SessionController::stillSaved);
        window_->saveStill(StillResolution::Processing);
        QVERIFY2(waitFor([&] { return saved.count() == 1; }, 30000), "no first still");
        QTest::qWait(1100);  // another file name
        window_->saveStill(StillResolution::Processing);
        QVERIFY2(waitFor([&] { return saved.count() == 2; }, 30000), "the second still of the image was never saved");
    }

    void stillOfAnImageAfterAFailedSource() {
        QSignalSpy failed(window_->session(), &SessionController::sourceFailed);
        window_->openSource("file:" + scratch_.path() + "/missing.mp4");
        QVERIFY(waitFor([&] { return failed.count() == 1; }, 30000));
        QSignalSpy opened(window_->session(), &SessionController::sourceOpened);
        window_->openSource("image:" + sharedMedia("content/chicago.jpg"));
        QVERIFY(waitFor([&] { return opened.count() == 1; }, 30000));
        QVERIFY(waitStylized(*window_, 60000));
        QSignalSpy saved(window_->session(), &SessionController::stillSaved);
        window_->saveStill(StillResolution::Processing);
        QVERIFY2(waitFor([&] { return saved.count() == 1; }, 30000), qPrintable(window_->notices().join(" | ")));
    }

    void cleanupTestCase() {
        if (!window_) return;
        window_->close();
        window_.reset();
    }
};

PASTICHE_UI_TEST(TestImageStills);
#include "test_session_defects.moc"
