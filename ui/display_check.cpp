#include "ui/display_check.h"

#include <QByteArray>
#include <QtGlobal>

namespace pastiche::ui {

QString missingDisplayMessage() {
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    // Platforms that draw without a display server (tests, kiosks, VNC).
    for (const char* headless : {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})
        if (platform.startsWith(headless)) return {};
    const bool x11 = !qgetenv("DISPLAY").isEmpty();
    const bool wayland = !qgetenv("WAYLAND_DISPLAY").isEmpty();
    if (platform.startsWith("xcb") && x11) return {};
    if (platform.startsWith("wayland") && wayland) return {};
    if (platform.isEmpty() && (x11 || wayland)) return {};
    QString why = platform.isEmpty() ? QStringLiteral("neither DISPLAY nor WAYLAND_DISPLAY is set")
                                     : QStringLiteral("QT_QPA_PLATFORM=%1 but %2 is not set")
                                           .arg(QString::fromLatin1(platform),
                                                platform.startsWith("wayland") ? "WAYLAND_DISPLAY" : "DISPLAY");
    return QStringLiteral(
               "cannot open the desktop app: no display (%1).\n"
               "Run it inside a desktop session, over `ssh -X`, or under `xvfb-run pastiche`; "
               "for video files without a window use `pastiche stylize IN.mp4 -o OUT.mp4 --style STYLE.jpg` "
               "(see `pastiche --help`).")
        .arg(why);
}

}  // namespace pastiche::ui
