// Whether a media file is shorter than its own container says: demuxers read a cut-off MKV, AVI
// or MPEG-TS to its end without an error, so a truncated file would otherwise pass as a short
// one. Checks the sizes the container records (Matroska segment, RIFF, MP4 top-level boxes) and
// MPEG-TS packet alignment; never decodes anything.
#pragma once

#include <string>

namespace pastiche::media {

// Empty when the file is whole (or the format has no size to check); else a phrase such as
// "the file is cut short (123456 of 150000 bytes the Matroska header gives)".
std::string containerTruncation(const std::string& path, const std::string& formatName);

}  // namespace pastiche::media
