// Recordings and stills made through the real window, on the session engine: a 6 s recording of
// a clip has the clip's rate, length and sound; an image source records a clip; five quick stills
// are five files. CPU backend at 128p.
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include "app/controllers/session_controller.h"
#include "tests/support/run_program.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "ui/control_panel.h"
#include "ui/main_window.h"
#include "ui/video_view.h"

using namespace pastiche;
using namespace pastiche::controllers;
using namespace pastiche::ui;

namespace {

// ffprobe's answer for one entry of the first stream of a kind ("v:0", "a:0").
QString probe(const QString& path, const QString& stream, const QString& entries, bool countFrames = false) {
    std::vector<std::string> args = {"ffprobe", "-v", "error"};
    if (countFrames) args.push_back("-count_frames");
    for (const QString& a : {QStringLiteral("-select_streams"), stream, QStringLiteral("-show_entries"), entries,
                             QStringLiteral("-of"), QStringLiteral("csv=p=0"), path})
        args.push_back(a.toStdString());
    return QString::fromStdString(test::runProgram(args, {}, 60000).out).trimmed();
}

double rate(const QString& r) {
    const QStringList parts = r.split('/');
    return parts.size() == 2 && parts[1].toDouble() != 0 ? parts[0].toDouble() / parts[1].toDouble() : r.toDouble();
}

}  // namespace

class TestSessionRecording : public QObject {
    Q_OBJECT
private:
    QTemporaryDir scratch_;
    QString modelsDir_, clip_;
    std::unique_ptr<MainWindow> window_;

    bool waitStylized(int frames, int timeoutMs) {
        QSignalSpy spy(window_->session(), &SessionController::frameAvailable);
        return QTest::qWaitFor([&] { return spy.count() >= frames && window_->view()->currentFrame().stats.stylized; },
                               timeoutMs);
    }
    // Records for about `milliseconds`; recordedMs_ is the time between the start and stop presses.
    double recordedMs_ = 0;
    double playedMs_ = 0;  // how far the clip played meanwhile (less than recordedMs_ on a loaded machine)
    QString record(int milliseconds) {
        QSignalSpy started(window_->session(), &SessionController::recordingStarted);
        QSignalSpy stopped(window_->session(), &SessionController::recordingStopped);
        QElapsedTimer t;
        t.start();
        QTest::keyClick(window_.get(), Qt::Key_R);
        if (!QTest::qWaitFor([&] { return started.count() == 1; }, 10000)) return {};
        const qint64 firstPts = window_->view()->currentFrame().stats.ptsMicros;
        QTest::qWait(milliseconds);
        recordedMs_ = double(t.nsecsElapsed()) * 1e-6;
        playedMs_ = double(window_->view()->currentFrame().stats.ptsMicros - firstPts) * 1e-3;
        QTest::keyClick(window_.get(), Qt::Key_R);
        if (!QTest::qWaitFor([&] { return stopped.count() == 1; }, 60000)) return {};
        if (!stopped.first().at(2).toString().isEmpty()) qWarning("recording error: %s", qPrintable(stopped.first().at(2).toString()));
        return stopped.first().at(0).toString();
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        modelsDir_ = qEnvironmentVariable("PASTICHE_MODELS", QStringLiteral(PASTICHE_TEST_DATA_DIR) + "/models");
        clip_ = QStringLiteral(PASTICHE_SHARED_DIR) + "/media/content/stata_pan_720p.mp4";
        QVERIFY2(QFileInfo::exists(clip_), qPrintable("no clip " + clip_));
        const QString settingsFile = scratch_.path() + "/settings.ini";
        {
            QSettings settings(settingsFile, QSettings::IniFormat);
            settings.setValue("processing/shortSide", 128);
            settings.setValue("processing/backend", "cpu");
        }
        MainWindowOptions options;
        options.modelsDir = modelsDir_;
        options.source = "file:" + clip_;
        options.style = modelsDir_ + "/styles/La_forma.jpg";
        options.settingsFile = settingsFile;
        options.picturesDir = scratch_.path() + "/Pictures/Pastiche";
        options.videosDir = scratch_.path() + "/Videos/Pastiche";
        window_ = std::make_unique<MainWindow>(options);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QVERIFY2(waitStylized(3, 120000), "no stylized frames within 120 s");
    }

    void sixSecondsOfAClipKeepItsRateLengthAndSound() {
        // From the clip's start, so that the 6 s stay inside one pass of the 8 s clip whatever the
        // machine's speed (sanitizer builds start slowly); crossing the loop point is
        // SessionEngineRealtime.RecordingAcrossTheLoopOfAClipLastsAsLongAsRecorded's case.
        auto* seek = window_->controls()->findChild<QSlider*>("seekSlider");
        QVERIFY(seek && seek->maximum() > 7000);
        const qint64 durationMicros = qint64(seek->maximum()) * 1000;
        seek->setSliderDown(true);
        seek->setSliderPosition(0);
        seek->setSliderDown(false);
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         const auto& stats = window_->view()->currentFrame().stats;
                         return stats.stylized && stats.ptsMicros % durationMicros < 1000000;
                     },
                     60000),
                 "no stylized frame from the clip's first second after seeking to its start");
        QTest::qWait(500);  // playing steadily again after the seek
        const QString path = record(6000);
        QVERIFY2(!path.isEmpty() && QFileInfo::exists(path), "no recording");
        const double r = rate(probe(path, "v:0", "stream=r_frame_rate"));
        const double avg = rate(probe(path, "v:0", "stream=avg_frame_rate"));
        const double duration = probe(path, "v:0", "stream=duration").toDouble();
        const double frames = probe(path, "v:0", "stream=nb_read_frames", true).toDouble();
        const double wanted = recordedMs_ / 1000, played = playedMs_ / 1000;
        qInfo("recording: r_frame_rate %.3f, avg_frame_rate %.3f, %.0f frames, %.3f s (recorded for %.3f s, the clip "
              "played %.3f s)", r, avg, frames, duration, wanted, played);
        QVERIFY2(std::abs(r - 30) <= 0.3 && std::abs(avg - 30) <= 0.3, "not the clip's 30 fps");
        // A recording of a file follows the file's clock (its sound does): it holds what played. On
        // a machine too loaded to play 720p in real time that is less than the wall time.
        // Under a sanitizer frames arrive several times slower, and the last one is held until the
        // stop (recorder.cpp): the length is then only the frames' clock, not checked to 0.35 s.
        const QString lengthVsPlayed = QString("duration %1 s, played %2 s").arg(duration).arg(played);
        if (!uitest::kUnderSanitizer)
            QVERIFY2(std::abs(duration - played) <= 0.35, qPrintable(lengthVsPlayed));
        else if (std::abs(duration - played) > 0.35)
            qWarning("under a sanitizer: %s", qPrintable(lengthVsPlayed));
        // Against the wall clock: what played plus the frames in flight at the start and the stop
        // (the file's clock, above), within 0.2 s (6 frames). Two dry runs on 2 cores gave 6.120
        // and 6.153 s for 6.001 s pressed, with 6.067 s of the clip played: 2-3 frames more than
        // played, which a 0.1 s bound (3 frames) did not always hold.
        // Where the clip's own clock ran off the wall clock by more than 3 frames either way (behind
        // on a loaded machine; ahead while catching up after a stall: a dry run of session 12 played
        // 6.167 s of the clip in 6.001 s and recorded 6.239 s, 0.072 s more than played), the wall
        // clock says nothing of the recording: only the check against what played holds.
        const QString lengthVsRecorded = QString("duration %1 s, recorded %2 s").arg(duration).arg(wanted);
        if (std::abs(played - wanted) > 0.1)
            qWarning("playback off real time (%.2f s of the clip in %.2f s): machine overloaded", played, wanted);
        else if (!uitest::kUnderSanitizer)
            QVERIFY2(std::abs(duration - wanted) <= 0.2, qPrintable(lengthVsRecorded));
        else if (std::abs(duration - wanted) > 0.2)
            qWarning("under a sanitizer: %s", qPrintable(lengthVsRecorded));
        QVERIFY2(std::abs(frames - duration * 30) <= 1.0, qPrintable(QString("%1 frames for %2 s").arg(frames).arg(duration)));
        const QString audio = probe(path, "a:0", "stream=codec_name");
        QVERIFY2(!audio.isEmpty(), "the recording of a clip with sound has no sound");
        const double audioDuration = probe(path, "a:0", "stream=duration").toDouble();
        QVERIFY2(std::abs(audioDuration - duration) < 0.3, qPrintable(QString("audio %1 s vs video %2 s").arg(audioDuration).arg(duration)));
    }

    void fiveQuickStillsAreFiveFiles() {
        QSignalSpy saved(window_->session(), &SessionController::stillSaved);
        for (int i = 0; i < 5; ++i) {
            QTest::keyClick(window_.get(), Qt::Key_Space);
            QTest::qWait(40);
        }
        QVERIFY2(QTest::qWaitFor([&] { return saved.count() == 5; }, 30000),
                 qPrintable(QString("%1 of 5 stills saved").arg(saved.count())));
        QSet<QString> paths;
        for (const auto& args : saved) {
            const QString p = args.at(0).toString();
            paths.insert(p);
            const QImage image(p);
            QVERIFY2(!image.isNull(), qPrintable("cannot decode " + p));
            QCOMPARE(image.size(), QSize(1280, 720));  // the output size: the clip's own
        }
        QCOMPARE(paths.size(), 5);
    }

    void anImageSourceRecordsAClip() {
        window_->openSource("image:" + QStringLiteral(PASTICHE_SHARED_DIR) + "/media/content/golden_gate_sq.jpg");
        // The picture comes once. Its frame can be announced together with the clip's last one
        // (frameAvailable is coalesced) before a spy made here would connect, so wait for the view
        // to show it (square, where the clip is 16:9), not for a new signal.
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         const auto& frame = window_->view()->currentFrame();
                         return frame.stats.stylized && frame.stylized.width() == frame.stylized.height();
                     },
                     60000),
                 "the picture was not shown stylized within 60 s");
        QTest::qWait(500);
        const QString path = record(2000);
        QVERIFY2(!path.isEmpty() && QFileInfo::exists(path), "no recording of the image");
        const double duration = probe(path, "v:0", "format=duration").toDouble();
        const double frames = probe(path, "v:0", "stream=nb_read_frames", true).toDouble();
        qInfo("image recording: %.0f frames, %.3f s", frames, duration);
        QVERIFY2(duration > 1.7 && duration < 2.6, qPrintable(QString("duration %1 s").arg(duration)));
        QVERIFY2(frames >= 50, qPrintable(QString("%1 frames").arg(frames)));
    }

    void cleanupTestCase() { window_.reset(); }
};

PASTICHE_UI_TEST(TestSessionRecording);
#include "test_session_recording.moc"
