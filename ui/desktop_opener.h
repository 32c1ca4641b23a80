// Opens files and folders in the user's desktop (file manager, image viewer, video player).
// MainWindow holds one; tests replace it with one that records the requests.
#pragma once

#include <QString>

namespace pastiche::ui {

class DesktopOpener {
public:
    virtual ~DesktopOpener() = default;
    virtual bool open(const QString& path);          // a file or folder, with the default application
    virtual bool showInFolder(const QString& path);  // the file manager with the file selected
};

}  // namespace pastiche::ui
