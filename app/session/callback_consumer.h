// A consumer made of a function: a null sink for benchmarks, a frame counter for `live`, a probe
// in tests. The function runs on the stylize thread and must return quickly.
#pragma once

#include <functional>
#include <utility>

#include "app/session/frame_consumer.h"

namespace pastiche::session {

class CallbackConsumer final : public FrameConsumer {
public:
    explicit CallbackConsumer(std::function<void(const SessionFrame&)> onFrame) : onFrame_(std::move(onFrame)) {}
    void consume(const SessionFrame& frame) override {
        if (onFrame_) onFrame_(frame);
    }

private:
    std::function<void(const SessionFrame&)> onFrame_;
};

}  // namespace pastiche::session
