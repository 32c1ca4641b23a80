// Drives the real MainWindow offscreen on a still image and then a video file, with the CPU
// backend at 128p: the before/after split (including moving the divider with the mouse) and
// side-by-side views checked on the rendered widget, a blend of two styles, the full source
// resolution still, and file playback pause and seek through the playback controls.
// Image sources deliver one frame and re-stylize it on every change, so every wait below is on
// a condition of the displayed picture, never on a fixed sleep.
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <cmath>
#include <functional>
#include <limits>

#include "app/controllers/session_controller.h"
#include "app/controllers/style_library.h"
#include "tests/ui/ui_image_metrics.h"
#include "tests/ui/ui_test_registry.h"
#include "ui/control_panel.h"
#include "ui/main_window.h"
#include "ui/video_view.h"

using namespace pastiche;
using namespace pastiche::controllers;
using namespace pastiche::ui;
using namespace pastiche::uitest;

namespace {

// Where VideoView draws an image of this size into an area (aspect kept, centred).
QRect fitRect(const QSize& image, const QRect& area) {
    const QSize size = image.scaled(area.size(), Qt::KeepAspectRatio);
    return QRect(area.x() + (area.width() - size.width()) / 2, area.y() + (area.height() - size.height()) / 2,
                 size.width(), size.height());
}

// How closely a region of the rendered view matches the same region of a frame image drawn
// into target: mean absolute difference against the image scaled to the target size.
double regionDiff(const QImage& rendered, const QRect& target, const QImage& frameImage, const QRect& region) {
    const QImage scaled = rgb(frameImage).scaled(target.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    return meanAbsDiff(rgb(rendered).copy(region), scaled.copy(region.translated(-target.topLeft())));
}

}  // namespace

class TestViewFeatures : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    QString modelsDir_, contentImage_;
    std::unique_ptr<MainWindow> window_;

    const DisplayFrame& frame() const { return window_->view()->currentFrame(); }
    QComboBox* combo(const char* name) const { return window_->controls()->findChild<QComboBox*>(name); }
    QSlider* slider(const char* name) const { return window_->controls()->findChild<QSlider*>(name); }

    // The rendered view with the frame it shows, and the middle band of the picture where no
    // overlay, label or divider is drawn.
    struct Rendered {
        QImage image;
        DisplayFrame frame;
    };
    Rendered render() {
        Rendered r;
        r.frame = frame();                      // the view cannot change during grab(): same thread
        r.image = window_->view()->grab().toImage();
        QTest::qWait(0);
        return r;
    }
    static QRect band(const QRect& target, int left, int right) {
        const int top = std::max(target.top(), 120);  // below the statistics overlay
        const int bottom = target.bottom() - 50;     // above the Before/After labels
        return QRect(QPoint(left, top), QPoint(right, bottom));
    }

    // Waits until the displayed stylized picture satisfies pred; true if it did in time.
    template <typename Pred>
    bool waitPicture(Pred pred, int timeoutMs) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (frame().valid() && frame().stats.stylized && pred(frame().stylized)) return true;
            QTest::qWait(20);
        }
        return false;
    }

    // Waits until no new frame has been shown for quietMs (bounded by timeoutMs).
    bool waitQuiet(int quietMs, int timeoutMs) {
        QElapsedTimer t, quiet;
        t.start();
        quiet.start();
        quint64 last = window_->view()->framesShown();
        while (t.elapsed() < timeoutMs) {
            QTest::qWait(20);
            const quint64 now = window_->view()->framesShown();
            if (now != last) {
                last = now;
                quiet.restart();
            } else if (quiet.elapsed() >= quietMs) {
                return true;
            }
        }
        return false;
    }

    // Saves a still at full source resolution through the still button's menu.
    QImage fullResolutionStill() {
        auto* still = window_->controls()->findChild<QToolButton*>("stillButton");
        if (!still || !still->menu()) return {};
        QAction* full = nullptr;
        for (QAction* action : still->menu()->actions())
            if (action->text().contains("full source")) full = action;
        if (!full || !full->isEnabled()) return {};
        QSignalSpy saved(window_->session(), &SessionController::stillSaved);
        full->trigger();
        if (!QTest::qWaitFor([&] { return saved.count() == 1; }, 60000)) return {};
        const QString path = saved.first().at(0).toString();
        if (!path.startsWith(scratch_.path() + "/Pictures/Pastiche/") || !path.endsWith("-full.png")) return {};
        return QImage(path);
    }

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        modelsDir_ = qEnvironmentVariable("PASTICHE_MODELS", QStringLiteral(PASTICHE_TEST_DATA_DIR) + "/models");
        contentImage_ = QStringLiteral(PASTICHE_SHARED_DIR) + "/media/content/eiffel_tower.jpg";
        QVERIFY2(QFileInfo::exists(contentImage_), qPrintable("no content image " + contentImage_));
        QVERIFY2(QFileInfo::exists(modelsDir_ + "/styles/La_forma.jpg"), qPrintable("no bundled styles in " + modelsDir_));

        // Start at 128p on the CPU backend: the first stylization is already small.
        const QString settingsFile = scratch_.path() + "/settings.ini";
        {
            QSettings settings(settingsFile, QSettings::IniFormat);
            settings.setValue("processing/shortSide", 128);
            settings.setValue("processing/backend", "cpu");
        }
        MainWindowOptions options;
        options.modelsDir = modelsDir_;
        options.source = "image:" + contentImage_;
        options.style = modelsDir_ + "/styles/La_forma.jpg";
        options.settingsFile = settingsFile;
        options.picturesDir = scratch_.path() + "/Pictures/Pastiche";
        options.videosDir = scratch_.path() + "/Videos/Pastiche";
        window_ = std::make_unique<MainWindow>(options);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QVERIFY2(waitPicture([](const QImage&) { return true; }, 120000), "no stylized frame within 120 s");
        QCOMPARE(std::min(frame().stats.processWidth, frame().stats.processHeight), 128);
        QVERIFY2(meanAbsDiff(frame().stylized, frame().original) > 15, "the first frame is not stylized");
    }

    void splitShowsBeforeLeftAndAfterRight() {
        QComboBox* compare = combo("compareCombo");
        QVERIFY(compare);
        compare->setCurrentIndex(compare->findData(int(CompareMode::Split)));  // as the user picks it
        QCOMPARE(window_->view()->compareMode(), CompareMode::Split);

        Rendered r = render();
        QDir().mkpath(QStringLiteral(PASTICHE_BINARY_DIR) + "/artifacts");
        r.image.save(QStringLiteral(PASTICHE_BINARY_DIR) + "/artifacts/test_ui_split.png");
        r.image.save(QDir::tempPath() + "/pastiche_split.png");
        const QRect target = fitRect(r.frame.stylized.size(), window_->view()->rect());
        QVERIFY2(target.width() > 100 && target.height() > 200, "the view is too small to compare");
        const int splitX = target.left() + target.width() / 2;
        const QRect left = band(target, target.left() + 4, splitX - 6);
        const QRect right = band(target, splitX + 6, target.right() - 4);
        const double leftVsOriginal = regionDiff(r.image, target, r.frame.original, left);
        const double leftVsStylized = regionDiff(r.image, target, r.frame.stylized, left);
        const double rightVsOriginal = regionDiff(r.image, target, r.frame.original, right);
        const double rightVsStylized = regionDiff(r.image, target, r.frame.stylized, right);
        qInfo("split: left %.1f vs before, %.1f vs after; right %.1f vs before, %.1f vs after", leftVsOriginal,
              leftVsStylized, rightVsOriginal, rightVsStylized);
        QVERIFY2(leftVsOriginal < 6 && leftVsStylized > 15, "the left half is not the unstylized input");
        QVERIFY2(rightVsStylized < 6 && rightVsOriginal > 15, "the right half is not the stylized frame");

        // Dragging the divider to a quarter of the picture moves the boundary there.
        const int quarterX = target.left() + target.width() / 4;
        QTest::mouseClick(window_->view(), Qt::LeftButton, {}, QPoint(quarterX, target.center().y()));
        r = render();
        const QRect before = band(target, target.left() + 4, quarterX - 6);
        const QRect after = band(target, quarterX + 6, splitX + 40);  // was "before" until the click
        QVERIFY2(regionDiff(r.image, target, r.frame.original, before) < 6, "left of the moved divider is not the input");
        QVERIFY2(regionDiff(r.image, target, r.frame.stylized, after) < 6, "right of the moved divider is not stylized");
        QTest::mouseClick(window_->view(), Qt::LeftButton, {}, QPoint(splitX, target.center().y()));
    }

    void sideBySideShowsBothWholePictures() {
        QComboBox* compare = combo("compareCombo");
        compare->setCurrentIndex(compare->findData(int(CompareMode::SideBySide)));
        QCOMPARE(window_->view()->compareMode(), CompareMode::SideBySide);
        const Rendered r = render();
        r.image.save(QStringLiteral(PASTICHE_BINARY_DIR) + "/artifacts/test_ui_side_by_side.png");
        const QRect view = window_->view()->rect();
        const QRect leftArea(0, 0, view.width() / 2 - 1, view.height());
        const QRect rightArea(view.width() / 2 + 1, 0, view.width() - view.width() / 2 - 1, view.height());
        const QRect l = fitRect(r.frame.stylized.size(), leftArea), rt = fitRect(r.frame.stylized.size(), rightArea);
        const QRect lBand = band(l, l.left() + 2, l.right() - 2), rBand = band(rt, rt.left() + 2, rt.right() - 2);
        const double lo = regionDiff(r.image, l, r.frame.original, lBand), ls = regionDiff(r.image, l, r.frame.stylized, lBand);
        const double ro = regionDiff(r.image, rt, r.frame.original, rBand), rs = regionDiff(r.image, rt, r.frame.stylized, rBand);
        qInfo("side by side: left %.1f vs before, %.1f vs after; right %.1f vs before, %.1f vs after", lo, ls, ro, rs);
        QVERIFY2(lo < 6 && ls > 15, "the left picture is not the unstylized input");
        QVERIFY2(rs < 6 && ro > 15, "the right picture is not the stylized frame");

        compare->setCurrentIndex(compare->findData(int(CompareMode::StylizedOnly)));
        QCOMPARE(window_->view()->compareMode(), CompareMode::StylizedOnly);
    }

    void blendOfTwoStyles() {
        StyleLibrary* styles = window_->styles();
        const int a = styles->indexOf(modelsDir_ + "/styles/La_forma.jpg");
        const int b = styles->indexOf(modelsDir_ + "/styles/udnie.jpg");
        QVERIFY(a >= 0 && b >= 0 && a != b);
        const QImage styleA = frame().stylized;  // the image source, style A alone, no blend

        // Style B alone, as the reference for a blend that is all B.
        window_->chooseStyle(b);
        QVERIFY2(waitPicture([&](const QImage& s) { return psnr(s, styleA) < 25; }, 60000), "style B never showed");
        const QImage styleB = frame().stylized;
        window_->chooseStyle(a);  // cached: applies at once
        QVERIFY2(waitPicture([&](const QImage& s) { return psnr(s, styleA) > 40; }, 30000),
                 "style A again does not reproduce its first picture");

        // A 50/50 blend with B: the slider's default middle, then B in the blend combo.
        QSlider* amount = slider("blendSlider");
        QComboBox* with = combo("blendStyleCombo");
        QVERIFY(amount && with);
        amount->setValue(50);
        with->setCurrentIndex(b + 1);  // item 0 is "None"
        QVERIFY(amount->isEnabled());
        QVERIFY2(waitPicture([&](const QImage& s) { return psnr(s, styleA) < 30; }, 60000), "the blend never showed");
        const QImage mix = frame().stylized;
        const double mixA = psnr(mix, styleA), mixB = psnr(mix, styleB), ab = psnr(styleA, styleB);
        qInfo("PSNR: blend vs A %.1f dB, blend vs B %.1f dB, A vs B %.1f dB", mixA, mixB, ab);
        QVERIFY2(mixA < 30 && mixB < 30, "a 50/50 blend should differ from both styles");
        QVERIFY2(stddev(mix) > 10, "the blend is (nearly) uniform");

        // The ends of the blend slider are the two styles alone.
        amount->setValue(100);
        QVERIFY2(waitPicture([&](const QImage& s) { return psnr(s, styleB) > 40; }, 30000),
                 qPrintable(QString("blend 100% is not style B (%1 dB)").arg(psnr(frame().stylized, styleB))));
        amount->setValue(0);
        QVERIFY2(waitPicture([&](const QImage& s) { return psnr(s, styleA) > 40; }, 30000),
                 qPrintable(QString("blend 0% is not style A (%1 dB)").arg(psnr(frame().stylized, styleA))));
        amount->setValue(50);
        QVERIFY2(waitPicture([&](const QImage& s) { return psnr(s, mix) > 40; }, 30000), "blend 50% again differs");

        with->setCurrentIndex(0);  // None
        QVERIFY(!amount->isEnabled());
        QVERIFY2(waitPicture([&](const QImage& s) { return psnr(s, styleA) > 40; }, 30000), "removing the blend left it on");
    }

    void fullResolutionStillOfAnImage() {
        const QImage content(contentImage_);
        QVERIFY(!content.isNull());
        const QImage image = fullResolutionStill();
        QVERIFY2(!image.isNull(), "no full resolution still (disabled, not saved, or unreadable)");
        QCOMPARE(image.size(), content.size());
        QVERIFY2(stddev(image) > 10, "the still is blank or uniform");
        const double d = meanAbsDiff(image, content);
        QVERIFY2(d > 15, qPrintable(QString("the full resolution still is not stylized (mean diff %1)").arg(d)));

        // The live view goes on at the processing resolution after it (shown at the source's size).
        QVERIFY(waitQuiet(1000, 30000));
        QCOMPARE(std::min(frame().stats.processWidth, frame().stats.processHeight), 128);
        QCOMPARE(frame().stylized.size(), content.size());
        for (const QString& n : window_->notices()) QVERIFY2(!n.contains("still"), qPrintable(n));
    }

    void filePlaybackPauseAndSeek() {
        const QString clip = QStringLiteral(PASTICHE_SHARED_DIR) + "/media/content/stata_pan_720p.mp4";
        QVERIFY2(QFileInfo::exists(clip), qPrintable("no clip " + clip));
        QSignalSpy opened(window_->session(), &SessionController::sourceOpened);
        window_->openSource("file:" + clip);
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 1, 30000);
        QVERIFY2(opened.first().at(1).toBool(), "the clip is not seekable");
        const qint64 duration = opened.first().at(2).toLongLong();
        QVERIFY(duration > 5000000);
        auto* pause = window_->controls()->findChild<QPushButton*>("pauseButton");
        QSlider* seek = slider("seekSlider");
        QVERIFY(pause && seek);
        QTRY_VERIFY_WITH_TIMEOUT(pause->isEnabled(), 10000);  // the playback box follows the source
        QCOMPARE(seek->maximum(), int(duration / 1000));

        // Playing: the frames of the clip, with advancing timestamps.
        QVERIFY2(waitPicture([](const QImage& s) { return s.width() > s.height(); }, 60000), "no frame of the clip");
        const qint64 firstPts = frame().stats.ptsMicros;
        QVERIFY2(waitPicture([&](const QImage&) { return frame().stats.ptsMicros > firstPts; }, 30000), "playback stalls");

        // Pause: at most the frame in flight arrives, then nothing.
        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(pause->isChecked());
        QVERIFY2(waitQuiet(1500, 30000), "frames keep coming while paused");
        const quint64 shown = window_->view()->framesShown();
        const qint64 pausedPts = frame().stats.ptsMicros;
        QTest::qWait(1500);
        QCOMPARE(window_->view()->framesShown(), shown);
        QCOMPARE(frame().stats.ptsMicros, pausedPts);
        if (pausedPts >= duration - 1000000)
            QSKIP("the clip (nearly) looped before the pause: seeking after a loop is not checked here");

        // Seek while paused by dragging the slider: the one frame at the new position shows.
        auto seekAndSettle = [&](const std::function<void()>& doSeek) {
            const quint64 before = window_->view()->framesShown();
            doSeek();
            QElapsedTimer t;
            t.start();
            while (window_->view()->framesShown() == before && t.elapsed() < 30000) QTest::qWait(20);
            return window_->view()->framesShown() > before && waitQuiet(1000, 30000);  // paused: only that one
        };
        auto dragTo = [&](qint64 micros) {
            return seekAndSettle([&] {
                seek->setSliderDown(true);
                seek->setSliderPosition(int(micros / 1000));
                seek->setSliderDown(false);  // emits sliderReleased, as letting go of the handle does
            });
        };
        auto near = [](qint64 pts, qint64 target) { return std::llabs(pts - target) <= 100000; };
        auto shownPts = [&] { return frame().stats.ptsMicros; };
        auto where = [&](qint64 target) {
            return QString("seek to %1 us shows pts %2 (notices: %3)").arg(target).arg(shownPts()).arg(window_->notices().join(" | "));
        };
        QSignalSpy seekRequests(window_->controls(), &ControlPanel::seekRequested);
        QVERIFY2(dragTo(0), "no frame after seeking to the start");
        QCOMPARE(seekRequests.count(), 1);
        QVERIFY2(near(shownPts(), 0), qPrintable(where(0)));

        QVERIFY2(dragTo(6000000), "no frame after seeking to 6 s");
        QVERIFY2(shownPts() > 3000000, qPrintable(where(6000000)));  // it jumped forward
        QVERIFY2(near(shownPts(), 6000000), qPrintable(where(6000000)));

        QVERIFY2(dragTo(2000000), "no frame after seeking back to 2 s");
        QVERIFY2(near(shownPts(), 2000000), qPrintable(where(2000000)));

        // A click on the groove left of the handle seeks back by a page (or to the click).
        QVERIFY(seekAndSettle([&] { QTest::mouseClick(seek, Qt::LeftButton, {}, QPoint(3, seek->height() / 2)); }));
        QCOMPARE(seekRequests.count(), 4);
        const qint64 clickTarget = seekRequests.last().at(0).toLongLong();
        QVERIFY2(clickTarget < 2000000 - 100000, qPrintable(QString("groove click asked for %1 us").arg(clickTarget)));
        QCOMPARE(clickTarget, qint64(seek->value()) * 1000);
        QVERIFY2(near(shownPts(), clickTarget), qPrintable(where(clickTarget)));

        // A full resolution still of the paused file: the clip's own size, the shown frame.
        const QImage still = fullResolutionStill();
        QVERIFY2(!still.isNull(), "no full resolution still of the file");
        QCOMPARE(still.size(), QSize(1280, 720));
        QVERIFY2(stddev(still) > 10, "the still of the file is blank or uniform");
        const QImage small = still.scaled(frame().stylized.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        qInfo("full still vs the shown frame: %.1f dB, vs its input %.1f dB", psnr(small, frame().stylized),
              psnr(small, frame().original));
        QVERIFY2(meanAbsDiff(small, frame().original) > 15, "the still of the file is not stylized");

        // Play again: frames resume from there.
        const qint64 resumedFrom = frame().stats.ptsMicros;
        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(!pause->isChecked());
        QVERIFY2(waitPicture([&](const QImage&) { return frame().stats.ptsMicros > resumedFrom + 300000; }, 30000),
                 "playback did not resume after the pause");
        QVERIFY(frame().stats.ptsMicros < resumedFrom + duration);  // from the seek point, not restarted elsewhere
    }

    void newSourceStartsPlayingAfterAPause() {
        auto* pause = window_->controls()->findChild<QPushButton*>("pauseButton");
        QVERIFY2(pause->isEnabled(), "the file from the previous test is not playing");
        if (!pause->isChecked()) QTest::mouseClick(pause, Qt::LeftButton);  // the test before may end paused
        QVERIFY(pause->isChecked());
        QVERIFY(waitQuiet(1000, 30000));
        window_->openSource("image:" + contentImage_);
        QVERIFY2(!pause->isChecked(), "the pause button stays down for the new source");
        QVERIFY2(waitPicture([](const QImage& s) { return s.height() > s.width(); }, 30000),
                 "a pause left from the file holds back the image source");
        QTRY_VERIFY_WITH_TIMEOUT(!pause->isEnabled(), 10000);  // images have no playback
    }

    void noErrors() {
        for (const QString& n : window_->notices())
            QVERIFY2(!n.contains("failed") && !n.contains("cannot", Qt::CaseInsensitive), qPrintable(n));
    }

    void cleanupTestCase() {
        if (!window_) return;
        window_->close();
        window_.reset();
    }
};

PASTICHE_UI_TEST(TestViewFeatures);
#include "test_view_features.moc"
