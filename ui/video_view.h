// The live picture: paints the newest stylized frame (optionally beside or split against the
// processed input), the statistics overlay and the recording indicator.
#pragma once

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <deque>

#include "app/controllers/session_types.h"

namespace pastiche::ui {

enum class OverlayMode { Shown, Hidden };
// Still sources (an image) deliver one frame and re-stylize it on each change: rates mean
// nothing for them, so the overlay shows the last stylization time instead.
enum class SourceMotion { Moving, Still };

class VideoView : public QWidget {
    Q_OBJECT
public:
    explicit VideoView(QWidget* parent = nullptr);

    void setFrame(const controllers::DisplayFrame& frame);
    void setCompareMode(controllers::CompareMode mode);
    controllers::CompareMode compareMode() const { return compareMode_; }
    void setRecordingState(controllers::RecordingState state);
    void setPlaceholder(const QString& text);  // shown until the first frame
    void clearFrame();                          // back to the placeholder (the source failed)
    void setOverlayMode(OverlayMode mode);
    OverlayMode overlayMode() const { return overlayMode_; }
    void setSourceMotion(SourceMotion motion);
    QRect overlayRect() const;  // where the statistics box is drawn (empty when hidden)

    quint64 framesShown() const { return framesShown_; }
    double displayFps() const;  // over the last frames shown; 0 when fewer than two
    QStringList overlayLines() const;
    const controllers::DisplayFrame& currentFrame() const { return frame_; }

signals:
    void framePresented();
    void fullScreenToggleRequested();  // double-click

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    QRect fitRect(const QSize& image, const QRect& area) const;
    void paintOverlay(QPainter& painter);
    QFont overlayFont() const;
    void paintRecording(QPainter& painter);
    void setSplitFromX(int x);

    controllers::DisplayFrame frame_;
    controllers::CompareMode compareMode_ = controllers::CompareMode::StylizedOnly;
    controllers::RecordingState recording_ = controllers::RecordingState::Idle;
    QElapsedTimer recordingClock_;
    QTimer recordingTick_;
    QString placeholder_;
    OverlayMode overlayMode_ = OverlayMode::Shown;
    SourceMotion motion_ = SourceMotion::Moving;
    double split_ = 0.5;
    quint64 framesShown_ = 0;
    std::deque<qint64> presentTimes_;  // ms, the last frames shown, for the display fps
    QElapsedTimer clock_;
};

}  // namespace pastiche::ui
