#include "ui/video_view.h"

#include <QFontDatabase>
#include <QMouseEvent>
#include <QPainter>

namespace pastiche::ui {

using controllers::CompareMode;
using controllers::RecordingState;

VideoView::VideoView(QWidget* parent) : QWidget(parent) {
    setMinimumSize(320, 180);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    clock_.start();
    recordingTick_.setInterval(500);
    connect(&recordingTick_, &QTimer::timeout, this, [this] { update(); });
}

void VideoView::setFrame(const controllers::DisplayFrame& frame) {
    frame_ = frame;
    ++framesShown_;
    const qint64 now = clock_.elapsed();
    presentTimes_.push_back(now);
    // The rate over the last ten frames, or the last two seconds when faster: a slow backend
    // (a frame every few seconds) still gets a true figure, not 0.0.
    while (presentTimes_.size() > 2 && (presentTimes_.size() > 10 || presentTimes_.front() < now - 2000))
        presentTimes_.pop_front();
    update();
    emit framePresented();
}

double VideoView::displayFps() const {
    if (presentTimes_.size() < 2) return 0;
    const double span = double(presentTimes_.back() - presentTimes_.front()) / 1000.0;
    return span > 0 ? double(presentTimes_.size() - 1) / span : 0;
}

void VideoView::clearFrame() {
    frame_ = {};
    presentTimes_.clear();
    update();
}

void VideoView::setOverlayMode(OverlayMode mode) {
    overlayMode_ = mode;
    update();
}

void VideoView::setSourceMotion(SourceMotion motion) {
    motion_ = motion;
    presentTimes_.clear();
    update();
}

void VideoView::setCompareMode(CompareMode mode) {
    compareMode_ = mode;
    update();
}

void VideoView::setRecordingState(RecordingState state) {
    if (state == recording_) return;
    recording_ = state;
    if (state == RecordingState::Recording) {
        recordingClock_.start();
        recordingTick_.start();
    } else {
        recordingTick_.stop();
    }
    update();
}

void VideoView::setPlaceholder(const QString& text) {
    placeholder_ = text;
    update();
}

QStringList VideoView::overlayLines() const {
    const auto& s = frame_.stats;
    QStringList lines;
    // Short lines, so that the box fits a narrow window.
    if (motion_ == SourceMotion::Still) {
        lines << tr("still image: stylized in %1 ms").arg(s.stylizeMs, 0, 'f', 0);
    } else {
        lines << tr("display %1 fps   capture %2 fps").arg(displayFps(), 0, 'f', 1).arg(s.captureFps, 0, 'f', 1);
        lines << tr("stylize %1 ms   dropped %2").arg(s.stylizeMs, 0, 'f', 1).arg(s.droppedFrames);
    }
    lines << tr("%1 at %2x%3").arg(s.backend).arg(s.processWidth).arg(s.processHeight);
    if (!s.stylized) lines << tr("not stylized yet (style loading)");
    return lines;
}

QFont VideoView::overlayFont() const {
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(std::max(9.0, mono.pointSizeF()));
    return mono;
}

QRect VideoView::overlayRect() const {
    if (overlayMode_ == OverlayMode::Hidden || !frame_.valid()) return {};
    const QFontMetrics fm(overlayFont());
    int w = 0;
    for (const QString& line : overlayLines()) w = std::max(w, fm.horizontalAdvance(line));
    w = std::min(w + 24, width() - 20);  // lines longer than the view are elided
    return QRect(10, 10, w, fm.lineSpacing() * int(overlayLines().size()) + 10);
}

QRect VideoView::fitRect(const QSize& image, const QRect& area) const {
    if (image.isEmpty()) return area;
    QSize size = image.scaled(area.size(), Qt::KeepAspectRatio);
    return QRect(area.x() + (area.width() - size.width()) / 2, area.y() + (area.height() - size.height()) / 2,
                 size.width(), size.height());
}

void VideoView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), QColor(18, 18, 20));
    if (!frame_.valid()) {
        painter.setPen(QColor(200, 200, 200));
        painter.drawText(rect(), Qt::AlignCenter, placeholder_.isEmpty() ? tr("Starting…") : placeholder_);
        paintRecording(painter);
        return;
    }
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    const QSize imageSize = frame_.stylized.size();
    auto label = [&](const QRect& r, const QString& text, Qt::Alignment align) {
        QFont f = font();
        f.setBold(true);
        painter.setFont(f);
        QRect box = painter.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3);
        box.moveTop(r.bottom() - box.height() - 8);
        if (align & Qt::AlignRight)
            box.moveRight(r.right() - 8);
        else
            box.moveLeft(r.left() + 8);
        painter.fillRect(box, QColor(0, 0, 0, 150));
        painter.setPen(Qt::white);
        painter.drawText(box, Qt::AlignCenter, text);
    };
    switch (compareMode_) {
    case CompareMode::StylizedOnly:
        painter.drawImage(fitRect(imageSize, rect()), frame_.stylized);
        break;
    case CompareMode::SideBySide: {
        QRect left(0, 0, width() / 2 - 1, height()), right(width() / 2 + 1, 0, width() - width() / 2 - 1, height());
        QRect l = fitRect(imageSize, left), r = fitRect(imageSize, right);
        painter.drawImage(l, frame_.original);
        painter.drawImage(r, frame_.stylized);
        label(l, tr("Before"), Qt::AlignLeft);
        label(r, tr("After"), Qt::AlignRight);
        break;
    }
    case CompareMode::Split: {
        const QRect target = fitRect(imageSize, rect());
        painter.drawImage(target, frame_.stylized);
        const int splitX = target.left() + int(target.width() * split_);
        painter.save();
        painter.setClipRect(QRect(target.left(), target.top(), splitX - target.left(), target.height()));
        painter.drawImage(target, frame_.original);
        painter.restore();
        painter.setPen(QPen(Qt::white, 2));
        painter.drawLine(splitX, target.top(), splitX, target.bottom());
        label(target, tr("Before"), Qt::AlignLeft);
        label(target, tr("After"), Qt::AlignRight);
        break;
    }
    }
    paintOverlay(painter);
    paintRecording(painter);
}

void VideoView::paintOverlay(QPainter& painter) {
    const QRect box = overlayRect();
    if (box.isEmpty()) return;
    const QFont mono = overlayFont();
    painter.setFont(mono);
    const QFontMetrics fm(mono);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0, 0, 0, 170));
    painter.drawRoundedRect(box, 6, 6);
    painter.setPen(QColor(120, 255, 140));
    int y = box.top() + 5 + fm.ascent();
    for (const QString& line : overlayLines()) {
        // The box has 8 px of slack beyond the longest line: elide only what really does not fit.
        painter.drawText(box.left() + 8, y, fm.elidedText(line, Qt::ElideRight, box.width() - 12));
        y += fm.lineSpacing();
    }
}

void VideoView::paintRecording(QPainter& painter) {
    if (recording_ != RecordingState::Recording) return;
    const qint64 seconds = recordingClock_.elapsed() / 1000;
    const QString text = tr("REC %1:%2").arg(seconds / 60, 2, 10, QChar('0')).arg(seconds % 60, 2, 10, QChar('0'));
    QFont f = font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.2);
    painter.setFont(f);
    const QFontMetrics fm(f);
    const int dot = fm.height() - 4;
    QRect box(0, 10, fm.horizontalAdvance(text) + dot + 24, fm.height() + 10);
    box.moveRight(width() - 10);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0, 0, 0, 170));
    painter.drawRoundedRect(box, 6, 6);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(QColor(230, 30, 30));
    painter.drawEllipse(QRect(box.left() + 8, box.top() + (box.height() - dot) / 2, dot, dot));
    painter.setPen(QColor(255, 90, 90));
    painter.drawText(box.adjusted(dot + 14, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
}

void VideoView::setSplitFromX(int x) {
    const QRect target = fitRect(frame_.stylized.size(), rect());
    if (target.width() <= 0) return;
    split_ = std::clamp(double(x - target.left()) / target.width(), 0.0, 1.0);
    update();
}

void VideoView::mousePressEvent(QMouseEvent* event) {
    if (compareMode_ == CompareMode::Split) setSplitFromX(int(event->position().x()));
}

void VideoView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton) emit fullScreenToggleRequested();
}

void VideoView::mouseMoveEvent(QMouseEvent* event) {
    if (compareMode_ == CompareMode::Split && (event->buttons() & Qt::LeftButton)) setSplitFromX(int(event->position().x()));
}

}  // namespace pastiche::ui
