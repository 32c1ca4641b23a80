// Plain value types shared by the session controller and the widgets: what the stylize thread
// reports with each frame, and the enums the UI uses instead of bool parameters.
#pragma once

#include <QImage>
#include <QMetaType>
#include <QString>

namespace pastiche::controllers {

enum class CompareMode { StylizedOnly, Split, SideBySide };
enum class MirrorMode { Off, On };
enum class PlaybackState { Playing, Paused };
enum class StillResolution { Processing, FullSource };
enum class RecordingState { Idle, Recording };

// Measured by the stylize thread for the frame it hands over.
struct FrameStats {
    double stylizeMs = 0;       // backend time for this frame
    double captureFps = 0;      // frames the source delivered per second
    QString backend;            // Stylizer::description(), e.g. "cpu (2 threads)"
    int processWidth = 0, processHeight = 0;
    qint64 droppedFrames = 0;   // source frames replaced before the stylize thread took them
    qint64 frameIndex = 0;
    qint64 ptsMicros = 0;
    bool stylized = false;      // false while no style vector is ready yet (original shown)
};

// One frame for the view: the stylized picture and the processed input it came from.
struct DisplayFrame {
    QImage stylized;
    QImage original;
    FrameStats stats;
    bool valid() const { return !stylized.isNull(); }
};

}  // namespace pastiche::controllers

Q_DECLARE_METATYPE(pastiche::controllers::FrameStats)
