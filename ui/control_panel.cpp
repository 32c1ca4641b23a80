#include "ui/control_panel.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace pastiche::ui {

using namespace pastiche::controllers;

namespace {
QString formatTime(qint64 micros) {
    const qint64 s = micros / 1000000;
    return QString("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}
// A 0-100 % slider with its value shown beside it; reachable with Tab, arrows and Page keys.
QSlider* percentSlider(QWidget* parent, const char* name, QLabel*& value) {
    auto* s = new QSlider(Qt::Horizontal, parent);
    s->setRange(0, 100);
    s->setSingleStep(5);
    s->setPageStep(25);
    s->setObjectName(name);
    s->setFocusPolicy(Qt::StrongFocus);
    value = new QLabel(parent);
    value->setObjectName(QString(name).replace("Slider", "Value"));
    value->setMinimumWidth(value->fontMetrics().horizontalAdvance("100 %") + 4);
    value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    QObject::connect(s, &QSlider::valueChanged, value, [value](int v) { value->setText(QString("%1 %").arg(v)); });
    value->setText("0 %");
    return s;
}
QWidget* withValue(QWidget* parent, QSlider* slider, QLabel* value) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(slider, 1);
    layout->addWidget(value);
    return row;
}
}  // namespace

ControlPanel::ControlPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* styleBox = new QGroupBox(tr("Style"), this);
    auto* styleForm = new QFormLayout(styleBox);
    strength_ = percentSlider(styleBox, "strengthSlider", strengthValue_);
    strength_->setValue(100);
    strength_->setToolTip(tr("How strongly the style paints over the picture: 0 % is the original picture"));
    styleForm->addRow(tr("Strength"), withValue(styleBox, strength_, strengthValue_));
    blendStyle_ = new QComboBox(styleBox);
    blendStyle_->setObjectName("blendStyleCombo");
    blendStyle_->addItem(tr("None"));
    blendStyle_->setToolTip(tr("Mix the chosen style with a second one"));
    blendStyle_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    blendStyle_->setMinimumContentsLength(12);
    styleForm->addRow(tr("Blend with"), blendStyle_);
    blendAmount_ = percentSlider(styleBox, "blendSlider", blendValue_);
    blendAmount_->setValue(50);
    blendAmount_->setEnabled(false);
    blendAmount_->setToolTip(tr("0 %: the chosen style only; 100 %: the second style only"));
    styleForm->addRow(tr("Blend"), withValue(styleBox, blendAmount_, blendValue_));
    layout->addWidget(styleBox);

    auto* procBox = new QGroupBox(tr("Processing"), this);
    auto* procForm = new QFormLayout(procBox);
    resolution_ = new QComboBox(procBox);
    resolution_->setObjectName("resolutionCombo");
    for (int side : {256, 384, 512, 720}) resolution_->addItem(QString("%1p").arg(side), side);
    resolution_->addItem(tr("Native"), 0);
    resolution_->setCurrentIndex(1);
    resolution_->setToolTip(tr("The size the network paints at (shorter side): smaller is faster, larger is finer"));
    procForm->addRow(tr("Resolution"), resolution_);
    backend_ = new QComboBox(procBox);
    backend_->setObjectName("backendCombo");
    backend_->setToolTip(tr("Where the network runs: a Vulkan GPU or the CPU (B cycles through them)"));
    backend_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    backend_->setMinimumContentsLength(14);
    procForm->addRow(tr("Backend"), backend_);
    mirror_ = new QCheckBox(tr("Mirror camera"), procBox);
    mirror_->setObjectName("mirrorCheck");
    mirror_->setEnabled(false);
    mirror_->setToolTip(tr("Flip the camera picture like a mirror (cameras only)"));
    procForm->addRow(mirror_);
    stability_ = percentSlider(procBox, "stabilitySlider", stabilityValue_);
    stability_->setValue(80);
    stability_->setToolTip(tr("Temporal stability: how much each frame keeps of the last one where the picture did "
                              "not change, so textures hold still instead of flickering (0 % = every frame painted "
                              "anew; costs some speed)"));
    procForm->addRow(tr("Stability"), withValue(procBox, stability_, stabilityValue_));
    preserveColors_ = new QCheckBox(tr("Keep original colours"), procBox);
    preserveColors_->setObjectName("preserveColorsCheck");
    preserveColors_->setToolTip(tr("Paint the style's strokes and light but keep the picture's own colours"));
    procForm->addRow(preserveColors_);
    virtualCamera_ = new QCheckBox(tr("Virtual camera"), procBox);
    virtualCamera_->setObjectName("virtualCameraCheck");
    virtualCamera_->setToolTip(tr("Offer the stylized video as a camera named \"Pastiche\" to video calls and "
                                  "browsers (PipeWire)"));
    virtualCameraStatus_ = new QLabel(procBox);
    virtualCameraStatus_->setObjectName("virtualCameraStatus");
    virtualCameraStatus_->setWordWrap(true);
    procForm->addRow(virtualCamera_);
    procForm->addRow(virtualCameraStatus_);
    compare_ = new QComboBox(procBox);
    compare_->setObjectName("compareCombo");
    compare_->addItem(tr("Stylized"), int(CompareMode::StylizedOnly));
    compare_->addItem(tr("Split before/after"), int(CompareMode::Split));
    compare_->addItem(tr("Side by side"), int(CompareMode::SideBySide));
    compare_->setToolTip(tr("Show the stylized picture alone, or before and after (drag the divider in split view)"));
    procForm->addRow(tr("View"), compare_);
    layout->addWidget(procBox);

    auto* captureBox = new QGroupBox(tr("Capture"), this);
    auto* captureRow = new QHBoxLayout(captureBox);
    still_ = new QToolButton(captureBox);
    still_->setObjectName("stillButton");
    still_->setText(tr("Still (Space)"));
    still_->setToolButtonStyle(Qt::ToolButtonTextOnly);
    still_->setPopupMode(QToolButton::MenuButtonPopup);
    auto* stillMenu = new QMenu(still_);
    stillMenu->addAction(tr("Save at processing resolution"), this, [this] { emit stillRequested(StillResolution::Processing); });
    fullResolutionStill_ = stillMenu->addAction(tr("Save at full source resolution"), this,
                                                [this] { emit stillRequested(StillResolution::FullSource); });
    fullResolutionStill_->setEnabled(false);
    still_->setMenu(stillMenu);
    still_->setFocusPolicy(Qt::NoFocus);
    still_->setToolTip(tr("Save the picture as a PNG (Space); the arrow offers the full source resolution"));
    record_ = new QPushButton(tr("Record (R)"), captureBox);
    record_->setObjectName("recordButton");
    record_->setCheckable(true);
    record_->setFocusPolicy(Qt::NoFocus);
    record_->setToolTip(tr("Record the stylized picture to an MP4 file (R starts and stops)"));
    captureRow->addWidget(still_);
    captureRow->addWidget(record_);
    layout->addWidget(captureBox);

    auto* playBox = new QGroupBox(tr("Playback"), this);
    auto* playRow = new QHBoxLayout(playBox);
    pause_ = new QPushButton(tr("Pause"), playBox);
    pause_->setObjectName("pauseButton");
    pause_->setCheckable(true);
    pause_->setFocusPolicy(Qt::NoFocus);
    pause_->setToolTip(tr("Pause or play the video file (P)"));
    seek_ = new QSlider(Qt::Horizontal, playBox);
    seek_->setObjectName("seekSlider");
    seek_->setFocusPolicy(Qt::StrongFocus);
    seek_->setToolTip(tr("Position in the video file: drag, click, or use the arrow keys"));
    time_ = new QLabel(QStringLiteral("–"), playBox);
    time_->setObjectName("timeLabel");
    time_->setToolTip(tr("Position / length of the video file"));
    playRow->addWidget(pause_);
    playRow->addWidget(seek_, 1);
    playRow->addWidget(time_);
    playBox->setEnabled(false);
    playBox->setObjectName("playbackBox");
    layout->addWidget(playBox);
    layout->addStretch(1);

    connect(strength_, &QSlider::valueChanged, this, [this](int v) { emit strengthChanged(v / 100.0); });
    connect(stability_, &QSlider::valueChanged, this, [this](int v) { emit stabilityChanged(v / 100.0); });
    connect(preserveColors_, &QCheckBox::toggled, this, &ControlPanel::preserveColorsChanged);
    connect(virtualCamera_, &QCheckBox::toggled, this, &ControlPanel::virtualCameraToggled);
    connect(blendStyle_, &QComboBox::currentIndexChanged, this, [this](int i) {
        blendAmount_->setEnabled(i > 0);
        emit blendStyleChanged(i - 1);
    });
    connect(blendAmount_, &QSlider::valueChanged, this, [this](int v) { emit blendAmountChanged(v / 100.0); });
    connect(resolution_, &QComboBox::currentIndexChanged, this,
            [this] { emit processingSizeChanged(resolution_->currentData().toInt()); });
    connect(backend_, &QComboBox::activated, this, [this] { emit backendChosen(backend()); });
    connect(mirror_, &QCheckBox::toggled, this,
            [this](bool on) { emit mirrorChanged(on ? MirrorMode::On : MirrorMode::Off); });
    connect(compare_, &QComboBox::currentIndexChanged, this,
            [this] { emit compareModeChanged(CompareMode(compare_->currentData().toInt())); });
    connect(still_, &QToolButton::clicked, this, [this] { emit stillRequested(StillResolution::Processing); });
    connect(record_, &QPushButton::clicked, this, [this](bool on) {
        emit recordRequested(on ? RecordingState::Recording : RecordingState::Idle);
    });
    connect(pause_, &QPushButton::toggled, this, [this](bool paused) {
        pause_->setText(paused ? tr("Play") : tr("Pause"));
        emit playbackChanged(paused ? PlaybackState::Paused : PlaybackState::Playing);
    });
    // Dragging the handle seeks once, on release; a click on the groove (a page step) has no
    // release and would otherwise move the handle without seeking, until the next position
    // report put it back.
    connect(seek_, &QSlider::sliderReleased, this, [this] { emit seekRequested(qint64(seek_->value()) * 1000); });
    connect(seek_, &QSlider::actionTriggered, this, [this](int action) {
        if (action == QAbstractSlider::SliderMove || action == QAbstractSlider::SliderNoAction) return;
        emit seekRequested(qint64(seek_->sliderPosition()) * 1000);  // the value follows the action
    });
}

void ControlPanel::setBackendChoices(const QList<BackendChoice>& choices) {
    const QString current = backend();
    QSignalBlocker block(backend_);
    backend_->clear();
    for (const auto& c : choices) {
        backend_->addItem(c.label, c.spec);
        backend_->setItemData(backend_->count() - 1, c.details.isEmpty() ? c.label : c.details, Qt::ToolTipRole);
    }
    setBackend(current.isEmpty() ? QStringLiteral("auto") : current);
}

void ControlPanel::setBackend(const QString& spec) {
    QSignalBlocker block(backend_);
    int i = backend_->findData(spec);
    if (i < 0 && spec == "vulkan") i = backend_->findData("vulkan:0");
    if (i < 0) {
        backend_->addItem(spec, spec);
        i = backend_->count() - 1;
    }
    backend_->setCurrentIndex(i);
}

void ControlPanel::setActiveBackend(const QString& description) {
    const int i = backend_->findData("auto");
    if (i < 0) return;
    const QString kind = description.section(' ', 0, 0);  // "cpu", "vulkan"
    const QString picked = kind == "cpu" ? tr("CPU") : kind == "vulkan" ? tr("Vulkan") : kind;
    backend_->setItemText(i, picked.isEmpty() ? tr("Auto") : tr("Auto (%1)").arg(picked));
    backend_->setItemData(i, tr("Pastiche picks: now %1").arg(description), Qt::ToolTipRole);
}

QString ControlPanel::backend() const { return backend_->currentData().toString(); }

void ControlPanel::cycleBackend() {
    if (backend_->count() == 0) return;
    backend_->setCurrentIndex((backend_->currentIndex() + 1) % backend_->count());
    emit backendChosen(backend());
}

void ControlPanel::setStrength(double strength) { strength_->setValue(int(std::lround(strength * 100))); }
double ControlPanel::strength() const { return strength_->value() / 100.0; }

void ControlPanel::setProcessingShortSide(int pixels) {
    int i = resolution_->findData(pixels);
    if (i < 0) {
        resolution_->addItem(QString("%1p").arg(pixels), pixels);
        i = resolution_->count() - 1;
    }
    resolution_->setCurrentIndex(i);
}
int ControlPanel::processingShortSide() const { return resolution_->currentData().toInt(); }

void ControlPanel::setMirror(MirrorMode mode) { mirror_->setChecked(mode == MirrorMode::On); }

void ControlPanel::setStability(double stability) {
    QSignalBlocker block(stability_);
    stability_->setValue(int(std::lround(stability * 100)));
    stabilityValue_->setText(QString("%1 %").arg(stability_->value()));
}
double ControlPanel::stability() const { return stability_->value() / 100.0; }

void ControlPanel::setPreserveColors(bool on) {
    QSignalBlocker block(preserveColors_);
    preserveColors_->setChecked(on);
}
bool ControlPanel::preserveColors() const { return preserveColors_->isChecked(); }

void ControlPanel::setVirtualCameraStatus(const QString& status, bool on) {
    QSignalBlocker block(virtualCamera_);
    virtualCamera_->setChecked(on);
    virtualCameraStatus_->setText(status);
}

void ControlPanel::setCompareMode(CompareMode mode) {
    compare_->setCurrentIndex(std::max(0, compare_->findData(int(mode))));
}

void ControlPanel::setBlendStyles(const QStringList& names) {
    const int current = blendStyle_->currentIndex();
    QSignalBlocker block(blendStyle_);
    blendStyle_->clear();
    blendStyle_->addItem(tr("None"));
    blendStyle_->addItems(names);
    blendStyle_->setCurrentIndex(std::min(current, blendStyle_->count() - 1));
}

void ControlPanel::setBlendStyle(int index) { blendStyle_->setCurrentIndex(index + 1); }
void ControlPanel::setBlendAmount(double amount) { blendAmount_->setValue(int(std::lround(amount * 100))); }

void ControlPanel::setSourceCapabilities(bool seekable, qint64 durationMicros, bool camera, bool fullResolutionStills) {
    durationMicros_ = seekable ? durationMicros : 0;
    findChild<QGroupBox*>("playbackBox")->setEnabled(seekable);
    seek_->setRange(0, int(durationMicros_ / 1000));
    seek_->setPageStep(std::max(1, int(durationMicros_ / 1000 / 10)));  // ms: a groove click jumps a tenth
    time_->setText(seekable ? formatTime(0) + " / " + formatTime(durationMicros_) : QStringLiteral("–"));
    mirror_->setEnabled(camera);
    fullResolutionStill_->setEnabled(fullResolutionStills);
}

void ControlPanel::setPlaybackState(PlaybackState state) {
    QSignalBlocker block(pause_);
    pause_->setChecked(state == PlaybackState::Paused);
    pause_->setText(state == PlaybackState::Paused ? tr("Play") : tr("Pause"));
}

void ControlPanel::setPosition(qint64 ptsMicros) {
    if (durationMicros_ <= 0) return;
    const qint64 pos = ptsMicros % durationMicros_;  // looping playback keeps counting
    if (!seek_->isSliderDown()) seek_->setValue(int(pos / 1000));
    time_->setText(formatTime(pos) + " / " + formatTime(durationMicros_));
}

void ControlPanel::setRecordingState(RecordingState state) {
    QSignalBlocker block(record_);
    const bool on = state == RecordingState::Recording;
    record_->setChecked(on);
    record_->setText(on ? tr("Stop (R)") : tr("Record (R)"));
    record_->setStyleSheet(on ? "QPushButton { background: #c62828; color: white; font-weight: bold; }" : QString());
}

}  // namespace pastiche::ui
