// What a new user sees first (no remembered source or style): the camera when there is one,
// else the sample photo fetched with the models (a manifest entry of role "sample-image"), else
// the moving test pattern; and a colourful style, not the first one alphabetically (a black and
// white sketch, which looks like noise on the test pattern).
#pragma once

#include <QString>

namespace pastiche::controllers {
class StyleLibrary;
}

namespace pastiche::ui {

// Camera probing is injected: tests (and machines without cameras) decide without V4L2.
enum class CameraPresence { Present, Absent };

QString firstRunSource(const QString& modelsDir, CameraPresence cameras);
int firstRunStyle(const controllers::StyleLibrary& library);  // -1 when the gallery is empty

}  // namespace pastiche::ui
