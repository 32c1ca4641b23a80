// The session engine as the app's entry points run it (`live`, video `stylize`, the desktop
// app): real sources, the image writer, the style network for the content's own style vector.
// Kept apart from the engine so that frame-only binaries (the GPU bench) link no codecs.
#pragma once

#include <memory>
#include <string>

#include "app/session/session_types.h"

namespace pastiche {
class StyleVectorSource;
}

namespace pastiche::session {

// modelsDir: empty = the default models directory. vectors: shared with the caller's style
// lookups (one style network in memory); null = one is made.
SessionOptions appSessionOptions(SessionMode mode, const std::string& modelsDir,
                                 std::shared_ptr<StyleVectorSource> vectors = nullptr);

}  // namespace pastiche::session
