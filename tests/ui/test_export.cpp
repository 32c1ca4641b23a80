// Source ▸ Stylize video file… (issue 12, bar 3): the GUI export of the 720p clip equals
// `pastiche stylize` of the same file with the same settings: the same frame count, audio kept,
// every frame within 40 dB PSNR. A small processing size (128) keeps it quick on two cores; the
// output is the input's size, as `pastiche stylize` writes it. The progress shows the time left.
#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QtTest>

#include "app/controllers/style_library.h"
#include "app/media/frame_source.h"
#include "tests/support/run_program.h"
#include "tests/ui/ui_image_metrics.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "ui/export_dialog.h"

using namespace pastiche;
using namespace pastiche::ui;
using namespace pastiche::uitest;

namespace {
// Decodes two videos side by side: frame counts and the lowest PSNR between frame pairs.
struct Comparison {
    int framesA = 0, framesB = 0;
    double lowestPsnr = 1e9;
    QSize size;
    QString error;
};
Comparison compareVideos(const QString& a, const QString& b) {
    Comparison c;
    auto open = [&](const QString& path) -> std::unique_ptr<FrameSource> {
        auto spec = SourceSpec::parse("file:" + path.toStdString());
        if (!spec) return nullptr;
        auto source = openSource(*spec);
        if (!source) {
            c.error = QString::fromStdString(source.status().message());
            return nullptr;
        }
        return std::move(source).value();
    };
    auto sa = open(a), sb = open(b);
    if (!sa || !sb) return c;
    auto view = [](const Frame& f) {
        return QImage(f.image.pixels.data(), f.image.width, f.image.height, f.image.width * 3, QImage::Format_RGB888);
    };
    Frame fa, fb;
    for (;;) {
        const bool ha = sa->read(fa) == ReadStatus::Frame, hb = sb->read(fb) == ReadStatus::Frame;
        c.framesA += ha;
        c.framesB += hb;
        if (!ha || !hb) break;
        c.size = QSize(fa.image.width, fa.image.height);
        c.lowestPsnr = std::min(c.lowestPsnr, psnr(view(fa), view(fb)));
    }
    return c;
}

QString streamTypes(const QString& path) {
    const auto run = test::runProgram(
        {"ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", path.toStdString()}, {},
        30000);
    return QString::fromStdString(run.out).simplified();
}
}  // namespace

class TestExport : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;
    std::unique_ptr<MainWindow> window_;

private slots:
    void initTestCase() {
        QVERIFY(scratch_.isValid());
        qputenv("XDG_CACHE_HOME", (scratch_.path() + "/cache").toUtf8());
        WindowSetup setup;
        setup.source = "image:" + sharedMedia("content/eiffel_tower.jpg");
        setup.style = modelsDir() + "/styles/La_forma.jpg";
        window_ = makeWindow(scratch_, setup);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    }

    void guiExportEqualsTheCli() {
        // The clip's 8 s (240 frames); its first 2 s under a sanitizer, where 8 s take minutes.
        QString clip = sharedMedia("content/stata_pan_720p.mp4");
        const int clipFrames = kUnderSanitizer ? 60 : 240;
        if (kUnderSanitizer) {
            const QString part = scratch_.path() + "/clip_2s.mp4";
            const auto cut =
                test::runProgram({"ffmpeg", "-v", "error", "-i", clip.toStdString(), "-t", "2", "-c:v", "libx264",
                                  "-preset", "ultrafast", "-crf", "12", "-c:a", "aac", part.toStdString()});
            QVERIFY2(cut.ok(), (cut.error + cut.err).c_str());
            clip = part;
        }
        const QString style = modelsDir() + "/styles/La_forma.jpg";
        const QString guiOut = scratch_.path() + "/gui.mp4", cliOut = scratch_.path() + "/cli.mp4";

        window_->findChild<QAction*>("exportAction")->trigger();
        auto* dialog = window_->findChild<ExportDialog*>("exportDialog");
        QVERIFY(dialog && dialog->isVisible());
        dialog->setInput(clip);
        dialog->setStyle(window_->styles()->indexOf(style));
        dialog->setProcessingSize("128");
        dialog->setOutputSize("native");  // `pastiche stylize` writes the input's size
        dialog->setOutput(guiOut);
        auto* progress = dialog->findChild<QProgressBar*>("exportProgress");
        QStringList statuses;
        int highest = 0;
        QTest::mouseClick(dialog->findChild<QPushButton*>("exportStart"), Qt::LeftButton);
        QVERIFY2(dialog->isRunning(), qPrintable(dialog->statusText()));
        QVERIFY(waitFor([&] {
            statuses << dialog->statusText();
            highest = std::max(highest, progress->value());
            return !dialog->isRunning();
        }, 600000));
        qInfo("%s", qPrintable(dialog->statusText()));
        QVERIFY2(dialog->statusText().startsWith("Done"), qPrintable(dialog->statusText()));
        QVERIFY2(statuses.filter("left").size() > 0, "no time left (ETA) was shown");
        QVERIFY(highest > 0);
        QCOMPARE(progress->value(), 1000);

        const auto cli =
            test::runProgram({PASTICHE_BINARY_DIR "/app/pastiche", "--models-dir", modelsDir().toStdString(), "stylize",
                              clip.toStdString(), "-o", cliOut.toStdString(), "--style", style.toStdString(), "--size",
                              "128", "--backend", "cpu"});
        QVERIFY2(cli.ok(), (cli.error + cli.err).c_str());

        const Comparison c = compareVideos(guiOut, cliOut);
        QVERIFY2(c.error.isEmpty(), qPrintable(c.error));
        qInfo("frames: GUI %d, CLI %d; lowest frame PSNR GUI vs CLI %s", c.framesA, c.framesB,
              c.lowestPsnr >= 1e9 ? "inf (identical)" : qPrintable(QString("%1 dB").arg(c.lowestPsnr, 0, 'f', 1)));
        QCOMPARE(c.framesA, c.framesB);
        QCOMPARE(c.framesA, clipFrames);
        QCOMPARE(c.size, QSize(1280, 720));
        QVERIFY2(c.lowestPsnr >= 40, qPrintable(QString("frames differ: %1 dB").arg(c.lowestPsnr)));
        QVERIFY2(streamTypes(guiOut).contains("audio"), qPrintable(streamTypes(guiOut)));
        QVERIFY2(streamTypes(cliOut).contains("audio"), qPrintable(streamTypes(cliOut)));
    }

    void cleanupTestCase() {
        if (!window_) return;
        window_->close();
        window_.reset();
    }
};

PASTICHE_UI_TEST(TestExport);
#include "test_export.moc"
