// Before QApplication exists: is there a display to open a window on? Without one Qt aborts
// with its own fatal message (rc 134); Pastiche says what to do instead and exits with 1.
#pragma once

#include <QString>

namespace pastiche::ui {

// Empty when a window can be opened (DISPLAY, WAYLAND_DISPLAY or a QT_QPA_PLATFORM that needs
// no display, such as offscreen); else the message for the user.
QString missingDisplayMessage();

}  // namespace pastiche::ui
