#include "ui/first_run.h"

#include <QFileInfo>
#include <QStringList>

#include "app/controllers/style_library.h"
#include "app/core/model_store.h"

namespace pastiche::ui {

QString firstRunSource(const QString& modelsDir, CameraPresence cameras) {
    if (cameras == CameraPresence::Present) return "camera:0";
    for (const auto& entry : manifest()) {
        if (entry.role != "sample-image") continue;
        const QString path = QString::fromStdString(storedPath(modelsDir.toStdString(), entry));
        if (QFileInfo(path).isFile()) return "image:" + path;
    }
    return "test-pattern";
}

int firstRunStyle(const controllers::StyleLibrary& library) {
    // Bundled styles with strong colours and clear strokes, best first.
    for (const QString& name : QStringList{"udnie", "La forma", "zigzag colorful", "towers 1916", "seaport"})
        if (int i = library.indexOfName(name); i >= 0) return i;
    return library.count() > 0 ? 0 : -1;
}

}  // namespace pastiche::ui
