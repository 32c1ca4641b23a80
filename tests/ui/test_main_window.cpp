// Drives the real MainWindow offscreen (QT_QPA_PLATFORM=offscreen) on the moving test pattern with
// a bundled style and the real Stylizer: style switch, strength, backend switch (Vulkan where a
// device exists, else auto) while checking the view never freezes for a second, a still and a
// 2 s recording that must exist and decode.
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <cmath>
#include <vector>

#include "app/controllers/session_controller.h"
#include "app/controllers/style_library.h"
#include "app/media/frame_source.h"
#include "engine/backend.h"
#include "tests/ui/ui_image_metrics.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "ui/control_panel.h"
#include "ui/main_window.h"
#include "ui/style_gallery.h"
#include "ui/video_view.h"

using namespace pastiche;
using namespace pastiche::controllers;
using namespace pastiche::ui;
using namespace pastiche::uitest;

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    QString modelsDir_;
    std::unique_ptr<MainWindow> window_;
    std::vector<qint64> presentTimes_;  // ms since start, one per frame shown
    QElapsedTimer clock_;

    // Waits for n more frames that were really stylized.
    bool waitStylizedFrames(int n, int timeoutMs) {
        const quint64 start = window_->view()->framesShown();
        QElapsedTimer t;
        t.start();
        int seen = 0;
        quint64 last = start;
        while (t.elapsed() < timeoutMs) {
            QTest::qWait(20);
            const quint64 now = window_->view()->framesShown();
            if (now != last) {
                last = now;
                if (window_->view()->currentFrame().stats.stylized) ++seen;
                if (seen >= n) return true;
            }
        }
        return false;
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        modelsDir_ = qEnvironmentVariable("PASTICHE_MODELS", QStringLiteral(PASTICHE_TEST_DATA_DIR) + "/models");
        const QString style = modelsDir_ + "/styles/La_forma.jpg";
        QVERIFY2(QFileInfo::exists(modelsDir_ + "/style_transfer_f16_384.tflite"), qPrintable("no models in " + modelsDir_));
        QVERIFY2(QFileInfo::exists(style), qPrintable("no bundled style " + style));

        MainWindowOptions options;
        options.modelsDir = modelsDir_;
        options.source = "test-pattern";
        options.style = style;
        options.backend = "cpu";
        options.settingsFile = scratch_.path() + "/settings.ini";
        options.picturesDir = scratch_.path() + "/Pictures/Pastiche";
        options.videosDir = scratch_.path() + "/Videos/Pastiche";
        window_ = std::make_unique<MainWindow>(options);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_.get()));  // shortcuts need the active window
        window_->controls()->setProcessingShortSide(256);  // keeps the 2-core CI machine responsive
        clock_.start();
        connect(window_->view(), &VideoView::framePresented, this, [this] { presentTimes_.push_back(clock_.elapsed()); });
        QVERIFY2(waitStylizedFrames(2, 120000), "no stylized frame within 120 s");
    }

    void firstFramesAreStylized() {
        const DisplayFrame frame = window_->view()->currentFrame();
        QVERIFY(frame.stats.stylized);
        QCOMPARE(std::min(frame.stats.processWidth, frame.stats.processHeight), 256);
        QCOMPARE(frame.stylized.size(), frame.original.size());
        QVERIFY2(stddev(frame.stylized) > 10, "stylized frame is (nearly) uniform");
        const double d = meanAbsDiff(frame.stylized, frame.original);
        QVERIFY2(d > 15, qPrintable(QString("stylized frame too close to its input (mean diff %1)").arg(d)));
        QVERIFY(frame.stats.backend.startsWith("cpu"));
        const QStringList overlay = window_->view()->overlayLines();
        QVERIFY(overlay.join(' ').contains("stylize"));
        QVERIFY(overlay.join(' ').contains("256"));
    }

    void switchStyleWithRightKey() {
        // Baseline: two frames of the same style differ only by the pattern's motion.
        QVERIFY(waitStylizedFrames(1, 30000));
        const QImage a1 = window_->view()->currentFrame().stylized;
        QVERIFY(waitStylizedFrames(1, 30000));
        const QImage a2 = window_->view()->currentFrame().stylized;
        const double sameStyle = meanAbsDiff(a1, a2);

        const int before = window_->gallery()->currentIndex();
        QSignalSpy vectorReady(window_->styles(), &StyleLibrary::vectorReady);
        QTest::keyClick(window_.get(), Qt::Key_Right);
        const int after = window_->gallery()->currentIndex();
        QCOMPARE(after, (before + 1) % window_->styles()->count());
        QTRY_VERIFY_WITH_TIMEOUT(!vectorReady.isEmpty() && vectorReady.last().at(0).toInt() == after, 60000);
        QVERIFY(waitStylizedFrames(2, 30000));  // the new vector applies from the next frame
        const QImage b = window_->view()->currentFrame().stylized;
        const double otherStyle = meanAbsDiff(a2, b);
        QVERIFY2(otherStyle > 2 * sameStyle + 5,
                 qPrintable(QString("style switch did not change the picture: %1 vs %2 between frames of one style")
                                .arg(otherStyle)
                                .arg(sameStyle)));
    }

    void strengthZeroKeepsTheContent() {
        QVERIFY(waitStylizedFrames(1, 30000));
        const DisplayFrame full = window_->view()->currentFrame();
        const double fullDiff = meanAbsDiff(full.stylized, full.original);
        window_->controls()->setStrength(0.0);  // emits strengthChanged like the slider does
        QVERIFY(waitStylizedFrames(3, 60000));
        const DisplayFrame none = window_->view()->currentFrame();
        const double noneDiff = meanAbsDiff(none.stylized, none.original);
        const double change = meanAbsDiff(full.stylized, none.stylized);
        QVERIFY2(change > 10, qPrintable(QString("strength 0 did not change the picture (mean diff %1)").arg(change)));
        QVERIFY2(noneDiff < fullDiff,
                 qPrintable(QString("strength 0 should stay closer to the input: %1 vs %2 at full strength")
                                .arg(noneDiff)
                                .arg(fullDiff)));
        window_->controls()->setStrength(1.0);
        QVERIFY(waitStylizedFrames(2, 30000));
    }

    void backendSwitchKeepsTheViewUpdating() {
        auto devices = listVulkanDevices();
        const bool haveVulkan = devices && !devices.value().empty();
        const QString target = haveVulkan ? QString("vulkan:%1").arg(devices.value().front().index) : QString("auto");
        qInfo("switching cpu -> %s -> cpu (%s)", qPrintable(target),
              haveVulkan ? "Vulkan device present" : qPrintable("no Vulkan: " + QString::fromStdString(devices.status().message())));

        // lavapipe on a loaded 2-core machine needs ~2.4 s per 256p frame and up to ~0.9 s at 128p:
        // at 64p both backends run far under a second per frame, so a gap over 1 s can only come
        // from the switch itself.
        window_->controls()->setProcessingShortSide(64);
        QVERIFY(waitStylizedFrames(2, 30000));
        QSignalSpy changed(window_->session(), &SessionController::backendChanged);
        std::vector<qint64> changedTimes;
        auto timing = connect(window_->session(), &SessionController::backendChanged, this,
                              [&] { changedTimes.push_back(clock_.elapsed()); });
        const size_t firstFrame = presentTimes_.size();
        const qint64 start = clock_.elapsed();
        window_->session()->setBackend(target);
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 1, 120000);
        const QString description = changed.last().at(0).toString();
        if (haveVulkan)
            QVERIFY2(description.startsWith("vulkan"), qPrintable(description + "; notices: " + window_->notices().join(" | ")));
        QVERIFY(waitStylizedFrames(3, 30000));
        QCOMPARE(window_->view()->currentFrame().stats.backend.section(' ', 0, 0), description.section(' ', 0, 0));

        window_->session()->setBackend("cpu");
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 2, 120000);
        QVERIFY(changed.last().at(0).toString().startsWith("cpu"));
        QVERIFY(waitStylizedFrames(3, 30000));

        qint64 worst = 0, previous = start;
        for (size_t i = firstFrame; i < presentTimes_.size(); ++i) {
            if (presentTimes_[i] - previous > 500)
                qInfo("gap of %lld ms ending %lld ms after the first switch request",
                      static_cast<long long>(presentTimes_[i] - previous), static_cast<long long>(presentTimes_[i] - start));
            worst = std::max(worst, presentTimes_[i] - previous);
            previous = presentTimes_[i];
        }
        for (qint64 t : changedTimes) qInfo("backend changed at %lld ms", static_cast<long long>(t - start));
        qInfo("%zu frames during the switches, longest gap %lld ms", presentTimes_.size() - firstFrame,
              static_cast<long long>(worst));
        disconnect(timing);
        window_->controls()->setProcessingShortSide(256);
        QVERIFY(waitStylizedFrames(2, 30000));
        // Under a sanitizer a lavapipe frame alone takes ~0.5 s (gaps above), so there the bound
        // is a warning, as the other wall-clock checks are (uitest::kUnderSanitizer).
        const QString froze = QString("the view froze for %1 ms during a backend switch").arg(worst);
        if (!uitest::kUnderSanitizer)
            QVERIFY2(worst < 1000, qPrintable(froze));
        else if (worst >= 1000)
            qWarning("%s (a warning under a sanitizer)", qPrintable(froze));
    }

    void stillWithSpace() {
        QSignalSpy saved(window_->session(), &SessionController::stillSaved);
        QTest::keyClick(window_.get(), Qt::Key_Space);
        QTRY_VERIFY_WITH_TIMEOUT(saved.count() == 1, 30000);
        const QString path = saved.first().at(0).toString();
        QVERIFY2(path.startsWith(scratch_.path() + "/Pictures/Pastiche/pastiche-"), qPrintable(path));
        QImage image(path);
        QVERIFY2(!image.isNull(), qPrintable("cannot decode " + path));
        // Stills are at the output size, which is the source's own (the test pattern's 1280x720)
        // whatever the processing size.
        QCOMPARE(image.size(), QSize(1280, 720));
        QVERIFY2(stddev(image) > 10, "the still is blank or uniform");
    }

    void recordTwoSecondsWithR() {
        QSignalSpy started(window_->session(), &SessionController::recordingStarted);
        QSignalSpy stopped(window_->session(), &SessionController::recordingStopped);
        QTest::keyClick(window_.get(), Qt::Key_R);
        QCOMPARE(window_->session()->recordingState(), RecordingState::Recording);
        QTRY_VERIFY_WITH_TIMEOUT(started.count() == 1, 30000);
        QTest::qWait(2000);
        QTest::keyClick(window_.get(), Qt::Key_R);
        QTRY_VERIFY_WITH_TIMEOUT(stopped.count() == 1, 30000);
        const QString path = stopped.first().at(0).toString();
        const qint64 written = stopped.first().at(1).toLongLong();
        QVERIFY2(stopped.first().at(2).toString().isEmpty(), qPrintable(stopped.first().at(2).toString()));
        QVERIFY2(path.startsWith(scratch_.path() + "/Videos/Pastiche/pastiche-") && path.endsWith(".mp4"), qPrintable(path));
        QVERIFY(QFileInfo(path).size() > 0);
        QVERIFY(written > 0);

        // Decode what we encoded with the app's own media source.
        auto spec = SourceSpec::parse("file:" + path.toStdString());
        QVERIFY(spec.has_value());
        auto source = openSource(*spec);
        QVERIFY2(source, source ? "" : source.status().message().c_str());
        Frame frame;
        int decoded = 0;
        double lastSd = 0;
        while (source.value()->read(frame) == ReadStatus::Frame) {
            ++decoded;
            QImage view(frame.image.pixels.data(), frame.image.width, frame.image.height, frame.image.width * 3,
                        QImage::Format_RGB888);
            lastSd = stddev(view);
        }
        qInfo("recorded %lld frames, decoded %d from %s", static_cast<long long>(written), decoded, qPrintable(path));
        QVERIFY(decoded > 0);
        QCOMPARE(qint64(decoded), written);
        QVERIFY2(lastSd > 10, "the recorded frames are blank");
    }

    void noStylizeErrors() {
        for (const QString& n : window_->notices()) QVERIFY2(!n.contains("stylize failed"), qPrintable(n));
    }

    void cleanupTestCase() {
        if (window_) {
            QDir().mkpath(QStringLiteral(PASTICHE_BINARY_DIR) + "/artifacts");
            window_->grab().save(QStringLiteral(PASTICHE_BINARY_DIR) + "/artifacts/test_ui_window.png");
            window_->close();
            window_.reset();
        }
    }
};

PASTICHE_UI_TEST(TestMainWindow);
#include "test_main_window.moc"
