// The controls beside the view: style strength and blend, processing resolution, backend and
// device, mirror, before/after mode, still and record buttons, and file playback (pause, seek).
// It only emits what the user asked for; MainWindow routes it to the controllers.
#pragma once

#include <QWidget>

#include "app/controllers/session_types.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QToolButton;

namespace pastiche::ui {

struct BackendChoice {
    QString label;    // "CPU", "Vulkan: llvmpipe" (short: the combo box is narrow)
    QString spec;     // "cpu", "vulkan:0"
    QString details;  // the full device name and type, shown as the entry's tooltip
};

class ControlPanel : public QWidget {
    Q_OBJECT
public:
    explicit ControlPanel(QWidget* parent = nullptr);

    void setBackendChoices(const QList<BackendChoice>& choices);
    void setBackend(const QString& spec);  // selects without emitting
    // The backend the session runs now ("cpu (2 threads)"): "Auto" says what it picked.
    void setActiveBackend(const QString& description);
    QString backend() const;
    void cycleBackend();                   // emits backendChosen
    void setStrength(double strength);
    double strength() const;
    void setProcessingShortSide(int pixels);
    int processingShortSide() const;
    void setMirror(controllers::MirrorMode mode);
    void setStability(double stability);       // 0..1, without emitting
    double stability() const;
    void setPreserveColors(bool on);           // without emitting
    bool preserveColors() const;
    void setVirtualCameraStatus(const QString& status, bool on);
    void setCompareMode(controllers::CompareMode mode);
    void setBlendStyles(const QStringList& names);  // the gallery's names, in order
    void setBlendStyle(int index);
    void setBlendAmount(double amount);
    // Source-dependent controls: playback for files, mirror for cameras, full-res stills for
    // files and images.
    void setSourceCapabilities(bool seekable, qint64 durationMicros, bool camera, bool fullResolutionStills);
    void setPosition(qint64 ptsMicros);
    void setPlaybackState(controllers::PlaybackState state);  // shows it without emitting
    void setRecordingState(controllers::RecordingState state);

signals:
    void strengthChanged(double strength);
    void blendStyleChanged(int index);  // -1 = no blend
    void blendAmountChanged(double amount);
    void processingSizeChanged(int shortSide);  // 0 = native
    void backendChosen(const QString& spec);
    void mirrorChanged(controllers::MirrorMode mode);
    void stabilityChanged(double stability);
    void preserveColorsChanged(bool on);
    void virtualCameraToggled(bool on);
    void compareModeChanged(controllers::CompareMode mode);
    void stillRequested(controllers::StillResolution resolution);
    void recordRequested(controllers::RecordingState state);
    void playbackChanged(controllers::PlaybackState state);
    void seekRequested(qint64 ptsMicros);

private:
    QSlider* strength_;
    QLabel* strengthValue_;
    QComboBox* blendStyle_;
    QSlider* blendAmount_;
    QLabel* blendValue_;
    QComboBox* resolution_;
    QComboBox* backend_;
    QCheckBox* mirror_;
    QSlider* stability_;
    QLabel* stabilityValue_;
    QCheckBox* preserveColors_;
    QCheckBox* virtualCamera_;
    QLabel* virtualCameraStatus_;
    QComboBox* compare_;
    QToolButton* still_;
    QAction* fullResolutionStill_;
    QPushButton* record_;
    QPushButton* pause_;
    QSlider* seek_;
    QLabel* time_;
    qint64 durationMicros_ = 0;
};

}  // namespace pastiche::ui
