// Source ▸ Stylize video file… (issue 12, bar 3): the GUI export of the 720p clip equals
// `pastiche stylize` of the same file with the same settings: the same frame count, audio kept,
// every frame within 40 dB PSNR. Small processing and output sizes (128) keep it quick on two
// cores. PENDING until pastiche::session::runFileJob (app/session/file_job.cpp) is merged: the
// class is named Pending* (see test_pending_engine.cpp).
#include <QComboBox>
#include <QLabel>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QtTest>

#include <vector>

#include "app/controllers/style_library.h"
#include "app/media/frame_source.h"
#include "tests/ui/ui_image_metrics.h"
#include "tests/ui/ui_test_registry.h"
#include "tests/ui/ui_window_fixture.h"
#include "ui/export_dialog.h"

using namespace pastiche;
using namespace pastiche::ui;
using namespace pastiche::uitest;

namespace {
std::vector<QImage> decodeAll(const QString& path, QString* error) {
    std::vector<QImage> frames;
    auto spec = SourceSpec::parse("file:" + path.toStdString());
    auto source = spec ? openSource(*spec) : Result<std::unique_ptr<FrameSource>>(Status::error("bad spec"));
    if (!source) {
        *error = QString::fromStdString(source.status().message());
        return frames;
    }
    Frame frame;
    while (source.value()->read(frame) == ReadStatus::Frame)
        frames.push_back(QImage(frame.image.pixels.data(), frame.image.width, frame.image.height, frame.image.width * 3,
                                QImage::Format_RGB888).copy());
    return frames;
}

QString streamTypes(const QString& path) {
    QProcess probe;
    probe.start("ffprobe", {"-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", path});
    probe.waitForFinished(30000);
    return QString::fromLocal8Bit(probe.readAllStandardOutput()).simplified();
}
}  // namespace

class PendingExport : public QObject {
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
        const QString clip = sharedMedia("content/stata_pan_720p.mp4");
        const QString style = modelsDir() + "/styles/La_forma.jpg";
        const QString guiOut = scratch_.path() + "/gui.mp4", cliOut = scratch_.path() + "/cli.mp4";

        window_->findChild<QAction*>("exportAction")->trigger();
        auto* dialog = window_->findChild<ExportDialog*>("exportDialog");
        QVERIFY(dialog && dialog->isVisible());
        dialog->setInput(clip);
        dialog->setStyle(window_->styles()->indexOf(style));
        dialog->setProcessingSize("128");
        dialog->setOutputSize("128");
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

        QProcess cli;
        cli.start(QStringLiteral(PASTICHE_BINARY_DIR) + "/app/pastiche",
                  {"--models-dir", modelsDir(), "stylize", clip, "-o", cliOut, "--style", style, "--size", "128",
                   "--output-size", "128", "--backend", "cpu"});
        QVERIFY(cli.waitForFinished(600000));
        QVERIFY2(cli.exitCode() == 0, qPrintable(QString::fromLocal8Bit(cli.readAllStandardError())));

        QString error;
        const auto gui = decodeAll(guiOut, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const auto ref = decodeAll(cliOut, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        qInfo("frames: GUI %zu, CLI %zu", gui.size(), ref.size());
        QCOMPARE(gui.size(), ref.size());
        QCOMPARE(int(gui.size()), 240);
        double worst = 1e9;
        for (size_t i = 0; i < gui.size(); ++i) worst = std::min(worst, psnr(gui[i], ref[i]));
        qInfo("lowest frame PSNR GUI vs CLI: %.1f dB", worst);
        QVERIFY2(worst >= 40, qPrintable(QString("frames differ: %1 dB").arg(worst)));
        QCOMPARE(std::min(gui.front().width(), gui.front().height()), 128);
        QVERIFY2(streamTypes(guiOut).contains("audio"), qPrintable(streamTypes(guiOut)));
        QVERIFY2(streamTypes(cliOut).contains("audio"), qPrintable(streamTypes(cliOut)));
    }

    void cleanupTestCase() {
        if (!window_) return;
        window_->close();
        window_.reset();
    }
};

PASTICHE_UI_TEST(PendingExport);
#include "test_export.moc"
