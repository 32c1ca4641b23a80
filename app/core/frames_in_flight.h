// The backend's own pipelined rate: frames go round the slots, frame i submitted into slot
// i % inFlight after collecting the frame that occupied it, so upload, compute and download of
// neighbouring frames overlap. `pastiche bench` and the session bench time exactly this.
#pragma once

#include <vector>

#include "engine/backend.h"
#include "engine/image.h"

namespace pastiche {

// outputs: one image per slot (backend.framesInFlight() of them), at the reshaped size.
Status runFramesInFlight(TransferBackend& backend, const Image8& input, std::vector<Image8>& outputs, int count);

}  // namespace pastiche
