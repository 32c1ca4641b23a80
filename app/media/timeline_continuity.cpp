#include "app/media/timeline_continuity.h"

#include <algorithm>

extern "C" {
#include <libavformat/avformat.h>
}

namespace pastiche::media {

namespace {
constexpr AVRational kMicros{1, 1000000};
constexpr int64_t kBackJumpMicros = 500000;
}  // namespace

void TimelineContinuity::attach(const AVFormatContext* format) {
    format_ = format;
    active_ = format && format->iformat && (format->iformat->flags & AVFMT_TS_DISCONT);
    auto* f = const_cast<AVFormatContext*>(format);
    video_ = active_ ? av_find_best_stream(f, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0) : -1;
    audio_ = active_ ? av_find_best_stream(f, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0) : -1;
    reset();
}

void TimelineContinuity::reset() {
    offsetMicros_ = 0;
    endMicros_ = INT64_MIN;
    lastMicros_[0] = lastMicros_[1] = INT64_MIN;
    joinPending_[0] = joinPending_[1] = false;
}

bool TimelineContinuity::apply(AVPacket* pkt) {
    if (!active_) return false;
    const int slot = pkt->stream_index == video_ ? 0 : pkt->stream_index == audio_ ? 1 : -1;
    if (slot < 0) return false;
    const bool join = joinPending_[slot];
    joinPending_[slot] = false;
    const int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (ts == AV_NOPTS_VALUE) return join;
    const AVRational tb = format_->streams[pkt->stream_index]->time_base;
    int64_t micros = av_rescale_q(ts, tb, kMicros) + offsetMicros_;
    // A stream's own timestamps never go back; when they do, the file continues from there.
    if (lastMicros_[slot] != INT64_MIN && micros < lastMicros_[slot] - kBackJumpMicros && endMicros_ != INT64_MIN) {
        offsetMicros_ += endMicros_ - micros;
        micros = endMicros_;
        joinPending_[1 - slot] = true;
        joinPending_[slot] = false;
        lastMicros_[slot] = micros;
        shiftPacket(pkt, tb);
        endMicros_ = std::max(endMicros_, micros + packetMicros(pkt, tb));
        return true;
    }
    shiftPacket(pkt, tb);
    lastMicros_[slot] = micros;
    endMicros_ = std::max(endMicros_, micros + packetMicros(pkt, tb));
    return join;
}

void TimelineContinuity::shiftPacket(AVPacket* pkt, AVRational tb) const {
    if (offsetMicros_ == 0) return;
    const int64_t shift = av_rescale_q(offsetMicros_, kMicros, tb);
    if (pkt->pts != AV_NOPTS_VALUE) pkt->pts += shift;
    if (pkt->dts != AV_NOPTS_VALUE) pkt->dts += shift;
}

int64_t TimelineContinuity::packetMicros(const AVPacket* pkt, AVRational tb) {
    return pkt->duration > 0 ? av_rescale_q(pkt->duration, tb, kMicros) : 0;
}

}  // namespace pastiche::media
