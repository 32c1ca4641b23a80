// The "Virtual camera" toggle through the real window (issues 12 and 13): checking it offers the
// stylized video as a PipeWire camera named Pastiche, which an independent consumer (GStreamer's
// pipewiresrc, as browsers and OBS use) receives; the status under the toggle names the node and
// counts the consumer; unchecking it takes the node away and the preview keeps running. A private
// PipeWire (tests/vcam/pipewire_sandbox.h) is started for it; skipped with the reason when that
// cannot start here (a failure under PASTICHE_REQUIRE_PIPEWIRE=1).
#include <QCheckBox>
#include <QLabel>
#include <QtTest>

#include <cmath>

#include "app/vcam/frame_layout.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "tests/vcam/frame_capture.h"
#include "tests/vcam/pipewire_sandbox.h"

using namespace pastiche;
using namespace pastiche::ui;
using namespace pastiche::uitest;

class TestVirtualCamera : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    std::unique_ptr<test::PipeWireSandbox> sandbox_;
    std::unique_ptr<MainWindow> window_;

    QCheckBox* toggle() const { return window_->findChild<QCheckBox*>("virtualCameraCheck"); }
    QLabel* status() const { return window_->findChild<QLabel*>("virtualCameraStatus"); }

    // Mean and spread of a YUY2 frame's luma: a black or flat frame is not the stylized video.
    static void lumaStats(const std::vector<uint8_t>& yuy2, double& mean, double& sd) {
        double s = 0, s2 = 0;
        size_t n = 0;
        for (size_t i = 0; i < yuy2.size(); i += 2, ++n) {
            s += yuy2[i];
            s2 += double(yuy2[i]) * yuy2[i];
        }
        mean = n ? s / n : 0;
        sd = n ? std::sqrt(std::max(0.0, s2 / n - mean * mean)) : 0;
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        std::string why = test::consumerToolsMissing();
        sandbox_ = std::make_unique<test::PipeWireSandbox>();
        if (why.empty() && !sandbox_->start(why) && why.empty()) why = "PipeWire did not start";
        if (!why.empty()) {
            sandbox_.reset();
            if (qEnvironmentVariableIsSet("PASTICHE_REQUIRE_PIPEWIRE")) QFAIL(why.c_str());
            QSKIP(qPrintable(QString::fromStdString("no private PipeWire here: " + why)));
        }
        WindowSetup setup;
        setup.source = "test-pattern";
        window_ = makeWindow(scratch_, setup);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QVERIFY2(waitStylized(*window_, 120000), "no stylized frame within 120 s");
        QVERIFY(toggle() && status());
        QVERIFY(!toggle()->isChecked());
    }

    void toggleOffersTheStylizedVideoAsACamera() {
        toggle()->click();
        QVERIFY2(waitFor([&] { return status()->text().contains("PipeWire node 'Pastiche'"); }, 10000),
                 qPrintable("status: " + status()->text() + " | notices: " + window_->notices().join(" | ")));
        QVERIFY(toggle()->isChecked());

        test::FrameCapture capture;
        std::string why;
        QVERIFY2(capture.start("Pastiche", vcam::defaultLayout(vcam::OutputFormat::Yuy2, 1280, 720),
                               sandbox_->environment(), (scratch_.path() + "/gst.log").toStdString(), why),
                 why.c_str());
        QVERIFY2(waitFor([&] { return capture.frames() >= 15; }, 30000),
                 qPrintable(QString("%1 frames reached the consumer; %2").arg(capture.frames()).arg(
                     QString::fromStdString(sandbox_->logs()))));
        QVERIFY2(waitFor([&] { return status()->text().contains("1 consumer"); }, 10000), qPrintable(status()->text()));
        double mean = 0, sd = 0;
        lumaStats(capture.latestFrame(), mean, sd);
        qInfo("consumer got %d frames; latest luma mean %.1f, spread %.1f; status: %s", capture.frames(), mean, sd,
              qPrintable(status()->text()));
        QVERIFY2(sd > 10, "the camera's frames are flat (black or one colour)");

        // Off: the node goes, the consumer stops receiving, the preview goes on.
        toggle()->click();
        QVERIFY(!toggle()->isChecked());
        QVERIFY2(status()->text().isEmpty(), qPrintable(status()->text()));
        QTest::qWait(1500);
        const int afterOff = capture.frames();
        const int64_t shown = window_->view()->currentFrame().stats.frameIndex;
        QTest::qWait(1500);
        QCOMPARE(capture.frames(), afterOff);
        QVERIFY2(window_->view()->currentFrame().stats.frameIndex > shown, "the preview stopped with the camera");
        capture.stop();
    }

    void cleanupTestCase() {
        if (window_) {
            window_->close();
            window_.reset();
        }
        sandbox_.reset();
    }
};

PASTICHE_UI_TEST(TestVirtualCamera);
#include "test_virtual_camera.moc"
