// The live picture: paints the newest stylized frame (optionally beside or split against the
// processed input), the statistics overlay and the recording indicator.
#pragma once

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <deque>

#include "app/controllers/session_types.h"

namespace pastiche::ui {

class VideoView : public QWidget {
    Q_OBJECT
public:
    explicit VideoView(QWidget* parent = nullptr);

    void setFrame(const controllers::DisplayFrame& frame);
    void setCompareMode(controllers::CompareMode mode);
    controllers::CompareMode compareMode() const { return compareMode_; }
    void setRecordingState(controllers::RecordingState state);
    void setPlaceholder(const QString& text);  // shown until the first frame

    quint64 framesShown() const { return framesShown_; }
    double displayFps() const;
    QStringList overlayLines() const;
    const controllers::DisplayFrame& currentFrame() const { return frame_; }

signals:
    void framePresented();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    QRect fitRect(const QSize& image, const QRect& area) const;
    void paintOverlay(QPainter& painter);
    void paintRecording(QPainter& painter);
    void setSplitFromX(int x);

    controllers::DisplayFrame frame_;
    controllers::CompareMode compareMode_ = controllers::CompareMode::StylizedOnly;
    controllers::RecordingState recording_ = controllers::RecordingState::Idle;
    QElapsedTimer recordingClock_;
    QTimer recordingTick_;
    QString placeholder_;
    double split_ = 0.5;
    quint64 framesShown_ = 0;
    std::deque<qint64> presentTimes_;  // ms, last second, for the display fps
    QElapsedTimer clock_;
};

}  // namespace pastiche::ui
