// Whether an image file is whole: Qt's decoders turn a truncated JPEG into a picture whose
// missing part is grey (with only a warning), which would make a washed-out style. A file is
// accepted when it decodes and its format's end marker is present (JPEG EOI, PNG IEND).
#pragma once

#include <QString>

namespace pastiche::controllers {

// Empty when the file is a complete, decodable image; else the reason, for the user.
QString checkImageFile(const QString& path);

}  // namespace pastiche::controllers
