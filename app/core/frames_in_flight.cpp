#include "app/core/frames_in_flight.h"

#include <algorithm>

namespace pastiche {

Status runFramesInFlight(TransferBackend& backend, const Image8& input, std::vector<Image8>& outputs, int count) {
    const int inFlight = int(outputs.size());
    if (inFlight < 1 || inFlight > std::max(1, backend.framesInFlight()))
        return Status::error("runFramesInFlight: one output per slot, at most framesInFlight()");
    for (int i = 0; i < count; ++i) {
        const int slot = i % inFlight;
        if (i >= inFlight) PASTICHE_RETURN_IF_ERROR(backend.collect(slot, outputs[size_t(slot)].view()));
        PASTICHE_RETURN_IF_ERROR(backend.submit(input.view(), slot));
    }
    for (int i = std::max(0, count - inFlight); i < count; ++i)
        PASTICHE_RETURN_IF_ERROR(backend.collect(i % inFlight, outputs[size_t(i % inFlight)].view()));
    return Status::ok();
}

}  // namespace pastiche
