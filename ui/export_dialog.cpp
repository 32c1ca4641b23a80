#include "ui/export_dialog.h"

#include <cmath>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include "app/controllers/export_job.h"
#include "app/controllers/style_library.h"

namespace pastiche::ui {

namespace {
QString formatDuration(double seconds) {
    const int s = int(std::lround(seconds));
    return s >= 3600 ? QString("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'))
                     : QString("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

QWidget* pathRow(QWidget* parent, QLineEdit* edit, QPushButton* browse) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    return row;
}

void fillSizes(QComboBox* combo, const QString& nativeLabel) {
    combo->addItem(nativeLabel, "native");
    for (int side : {128, 256, 384, 512, 720, 1080}) combo->addItem(QString("%1p").arg(side), QString::number(side));
}
}  // namespace

ExportDialog::ExportDialog(controllers::StyleLibrary* library, const ExportDefaults& defaults, QWidget* parent)
    : QDialog(parent), library_(library), defaults_(defaults), job_(new controllers::ExportJob(this)) {
    setObjectName("exportDialog");
    setWindowTitle(tr("Stylize video file"));
    input_ = new QLineEdit(this);
    input_->setObjectName("exportInput");
    input_->setPlaceholderText(tr("A video file (MP4, MKV, MOV, WebM…)"));
    input_->setToolTip(tr("The video to stylize; its sound is kept"));
    auto* browseInput = new QPushButton(tr("Browse…"), this);
    browseInput->setToolTip(tr("Choose the video to stylize"));
    output_ = new QLineEdit(this);
    output_->setObjectName("exportOutput");
    output_->setToolTip(tr("Where the stylized video is written (.mp4, .m4v or .mov)"));
    auto* browseOutput = new QPushButton(tr("Browse…"), this);
    browseOutput->setToolTip(tr("Choose where to write the stylized video"));
    style_ = new QComboBox(this);
    style_->setObjectName("exportStyle");
    style_->setToolTip(tr("The style to paint the video in"));
    for (int i = 0; i < library_->count(); ++i)
        style_->addItem(QIcon(QPixmap::fromImage(library_->at(i).thumbnail)), library_->at(i).name, library_->at(i).path);
    strength_ = new QSlider(Qt::Horizontal, this);
    strength_->setObjectName("exportStrength");
    strength_->setRange(0, 100);
    strength_->setValue(int(std::lround(defaults.strength * 100)));
    strength_->setToolTip(tr("How strongly the style paints over the picture"));
    auto* strengthValue = new QLabel(QString("%1 %").arg(strength_->value()), this);
    connect(strength_, &QSlider::valueChanged, strengthValue, [strengthValue](int v) { strengthValue->setText(QString("%1 %").arg(v)); });
    auto* strengthRow = new QWidget(this);
    auto* strengthLayout = new QHBoxLayout(strengthRow);
    strengthLayout->setContentsMargins(0, 0, 0, 0);
    strengthLayout->addWidget(strength_, 1);
    strengthLayout->addWidget(strengthValue);
    processing_ = new QComboBox(this);
    processing_->setObjectName("exportProcessingSize");
    fillSizes(processing_, tr("Native (the video's size)"));
    processing_->setCurrentIndex(processing_->findData("384"));
    processing_->setToolTip(tr("The size the network paints at (shorter side): smaller is faster, larger is finer"));
    outputSize_ = new QComboBox(this);
    outputSize_->setObjectName("exportOutputSize");
    fillSizes(outputSize_, tr("Native (the video's size)"));
    outputSize_->setToolTip(tr("The size of the written video (shorter side)"));

    auto* form = new QFormLayout;
    form->addRow(tr("Video"), pathRow(this, input_, browseInput));
    form->addRow(tr("Style"), style_);
    form->addRow(tr("Strength"), strengthRow);
    form->addRow(tr("Processing size"), processing_);
    form->addRow(tr("Output size"), outputSize_);
    form->addRow(tr("Save as"), pathRow(this, output_, browseOutput));
    settingsWidgets_ = {input_, browseInput, output_, browseOutput, style_, strength_, processing_, outputSize_};

    progress_ = new QProgressBar(this);
    progress_->setObjectName("exportProgress");
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat(tr("%p %"));
    status_ = new QLabel(tr("Choose a video and press Start."), this);
    status_->setObjectName("exportStatus");
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    start_ = new QPushButton(tr("Start"), this);
    start_->setObjectName("exportStart");
    start_->setDefault(true);
    start_->setToolTip(tr("Stylize every frame of the video into the output file"));
    cancel_ = new QPushButton(tr("Cancel export"), this);
    cancel_->setObjectName("exportCancel");
    cancel_->setToolTip(tr("Stop; the frames written so far stay playable"));
    cancel_->setEnabled(false);
    auto* close = new QPushButton(tr("Close"), this);
    close->setToolTip(tr("Close this window"));
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(start_);
    buttons->addWidget(cancel_);
    buttons->addWidget(close);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addSpacing(8);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addLayout(buttons);
    resize(560, 360);

    connect(browseInput, &QPushButton::clicked, this, &ExportDialog::chooseInput);
    connect(browseOutput, &QPushButton::clicked, this, &ExportDialog::chooseOutput);
    connect(start_, &QPushButton::clicked, this, &ExportDialog::start);
    connect(cancel_, &QPushButton::clicked, job_, &controllers::ExportJob::cancel);
    connect(close, &QPushButton::clicked, this, &ExportDialog::reject);
    connect(job_, &controllers::ExportJob::progress, this, &ExportDialog::showProgress, Qt::QueuedConnection);
    // finished comes on the UI thread, after every progress report (queued before it).
    connect(job_, &controllers::ExportJob::finished, this, &ExportDialog::finish);
    connect(job_, &controllers::ExportJob::notice, status_, &QLabel::setText, Qt::QueuedConnection);
    setStyle(defaults.styleIndex);
}

void ExportDialog::setInput(const QString& path) {
    input_->setText(path);
    const QFileInfo info(path);
    const QString folder = defaults_.outputFolder.isEmpty() ? info.absolutePath() : defaults_.outputFolder;
    QString proposal = folder + "/" + info.completeBaseName() + "-" + style_->currentText().replace(' ', '-') + ".mp4";
    for (int n = 2; QFileInfo::exists(proposal); ++n)
        proposal = folder + "/" + info.completeBaseName() + "-" + style_->currentText().replace(' ', '-') + "-" +
                   QString::number(n) + ".mp4";
    output_->setText(proposal);
}

void ExportDialog::setOutput(const QString& path) { output_->setText(path); }
void ExportDialog::setStyle(int index) {
    if (index >= 0 && index < style_->count()) style_->setCurrentIndex(index);
}
void ExportDialog::setProcessingSize(const QString& size) {
    if (const int i = processing_->findData(size); i >= 0) processing_->setCurrentIndex(i);
    else processing_->addItem(size + "p", size), processing_->setCurrentIndex(processing_->count() - 1);
}
void ExportDialog::setOutputSize(const QString& size) {
    if (const int i = outputSize_->findData(size); i >= 0) outputSize_->setCurrentIndex(i);
    else outputSize_->addItem(size + "p", size), outputSize_->setCurrentIndex(outputSize_->count() - 1);
}

session::FileJobOptions ExportDialog::options() const {
    session::FileJobOptions o;
    o.input = input_->text().toStdString();
    o.output = output_->text().toStdString();
    o.modelsDir = defaults_.modelsDir.toStdString();
    o.styleImage = style_->currentData().toString().toStdString();
    o.strength = strength_->value() / 100.0;
    o.size = processing_->currentData().toString().toStdString();
    o.outputSize = outputSize_->currentData().toString().toStdString();
    o.backend = defaults_.backend.toStdString();
    return o;
}

void ExportDialog::chooseInput() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Video to stylize"), QFileInfo(input_->text()).absolutePath(),
                                                      tr("Videos (*.mp4 *.mkv *.mov *.avi *.webm *.m4v)"));
    if (!path.isEmpty()) setInput(path);
}

void ExportDialog::chooseOutput() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the stylized video as"), output_->text(),
                                                      tr("MP4 video (*.mp4 *.m4v *.mov)"));
    if (!path.isEmpty()) output_->setText(path);
}

void ExportDialog::start() {
    const QString input = input_->text(), output = output_->text();
    if (!QFileInfo(input).isFile()) {
        status_->setText(tr("Choose a video file first (%1 does not exist).").arg(input.isEmpty() ? tr("none chosen") : input));
        return;
    }
    if (output.isEmpty() || QFileInfo(output).absoluteFilePath() == QFileInfo(input).absoluteFilePath()) {
        status_->setText(tr("Choose where to save the stylized video (not over the input)."));
        return;
    }
    if (style_->count() == 0) {
        status_->setText(tr("There is no style to paint with: fetch the models or add a style first."));
        return;
    }
    QDir().mkpath(QFileInfo(output).absolutePath());
    progress_->setValue(0);
    progress_->setRange(0, 0);  // busy until the first report says how many frames
    status_->setText(tr("Starting…"));
    setRunning(true);
    if (!job_->start(options())) setRunning(false);
}

bool ExportDialog::isRunning() const { return job_->state() != controllers::ExportState::Idle; }
QString ExportDialog::statusText() const { return status_->text(); }

void ExportDialog::showProgress(qint64 done, qint64 total, double fps, double eta) {
    if (total > 0) {
        progress_->setRange(0, 1000);
        progress_->setValue(int(1000 * std::min<qint64>(done, total) / total));
    }
    QString text = total > 0 ? tr("%1 of %2 frames").arg(done).arg(total) : tr("%1 frames").arg(done);
    text += tr(" · %1 fps").arg(fps, 0, 'f', 1);
    if (eta >= 0) text += tr(" · about %1 left").arg(formatDuration(eta));
    status_->setText(text);
}

void ExportDialog::finish(const QString& output, qint64 frames, double seconds, const QString& error, const QString& description) {
    setRunning(false);
    progress_->setRange(0, 1000);
    if (error.isEmpty()) {
        progress_->setValue(1000);
        status_->setText(tr("Done: %1 frames in %2 written to %3\n%4")
                             .arg(frames)
                             .arg(formatDuration(seconds), output, description));
        emit exported(output);
    } else {
        status_->setText(frames > 0 ? tr("Export stopped: %1 (%2 frames kept in %3)").arg(error).arg(frames).arg(output)
                                    : tr("Export failed: %1").arg(error));
    }
}

void ExportDialog::setRunning(bool running) {
    for (QWidget* w : settingsWidgets_) w->setEnabled(!running);
    start_->setEnabled(!running);
    cancel_->setEnabled(running);
}

void ExportDialog::reject() {
    if (isRunning()) {
        const auto answer = QMessageBox::question(this, tr("Cancel the export?"),
                                                  tr("The export is still running. Cancel it? The frames written so far stay playable."));
        if (answer != QMessageBox::Yes) return;
        job_->cancel();
    }
    QDialog::reject();
}

}  // namespace pastiche::ui
