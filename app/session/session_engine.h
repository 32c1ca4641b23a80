// The part of Session that only the stylize thread touches (session.cpp, stylize_stage.cpp).
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/core/temporal_stabilizer.h"
#include "app/session/recycler.h"
#include "app/session/session.h"

namespace pastiche::session {

using Clock = std::chrono::steady_clock;

// What only the stylize thread touches: the model, the Stylizer, the mix it runs with.
struct Session::Engine {
    std::shared_ptr<const TransferNetwork> network;
    bool failed = false;
    std::unique_ptr<Stylizer> stylizer;
    BackendSpec activeSpec;
    std::future<Result<std::unique_ptr<Stylizer>>> switching;
    BackendSpec switchingTo;

    Controls controls;                  // as applied
    uint64_t controlsSeen = 0;
    uint64_t epoch = ~uint64_t(0);      // the source the history belongs to
    std::optional<StyleVector> content; // the content's own style vector for this source
    bool contentTried = false;
    std::optional<StyleMix> appliedMix;
    bool appliedWithContent = false;
    std::string lastError;
    int nextSlot = 0;
    // Temporal stability (stability > 0): synchronous, with the history of this source segment.
    std::unique_ptr<TemporalStabilizer> stabilizer;
    uint64_t historyEpoch = ~uint64_t(0), historySegment = ~uint64_t(0);
    // Stylized frames are recycled once every consumer let go of them: no allocation per frame.
    std::vector<std::shared_ptr<Image8>> outputPool;
    // Inputs at the processing size (scaled and/or mirrored source frames), recycled likewise.
    Recycler<Image8> inputPool{8};

    // Stats.
    double stylizeMsTotal = 0, latencyMsTotal = 0;
    int64_t finished = 0;
    Clock::time_point start = Clock::now(), windowStart = Clock::now();
    int64_t windowFrames = 0;
};

}  // namespace pastiche::session
