// Where stills and recordings go: <XDG Pictures|Videos>/Pastiche/pastiche-YYYYMMDD-HHMMSS.ext.
// The folders can be overridden (tests, and users who choose another place).
#pragma once

#include <QString>

namespace pastiche::controllers {

enum class CaptureKind { Still, Recording };

class CapturePaths {
public:
    CapturePaths(QString picturesDir = {}, QString videosDir = {});  // empty = the XDG folders
    QString folder(CaptureKind kind) const;
    // A new, not yet existing, timestamped path; creates the folder. Empty if it cannot.
    QString next(CaptureKind kind, const QString& suffix = {}) const;

private:
    QString picturesDir_, videosDir_;
};

}  // namespace pastiche::controllers
