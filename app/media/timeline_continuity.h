// Continuous timestamps across discontinuities in formats that allow them (MPEG-TS/PS: two .ts
// files joined with `cat`, a broadcast splice): when a stream's own timestamps jump back by more
// than half a second, everything from that packet on is shifted to continue where the streams
// had got to. The video source and the audio carry each demux the file; both run this over the
// same packets (the best video and audio streams, in demux order), so they shift by the same
// amounts and picture and sound stay in sync.
#pragma once

#include <cstdint>

extern "C" {
#include <libavutil/rational.h>
}

struct AVFormatContext;
struct AVPacket;

namespace pastiche::media {

class TimelineContinuity {
public:
    // Chooses the streams to follow; does nothing for formats without discontinuities (MP4, MKV).
    void attach(const AVFormatContext* format);
    // The streams the caller must not discard (so both demuxers see the same packets); -1 = none.
    int videoStream() const { return video_; }
    int audioStream() const { return audio_; }
    // Shifts pkt's pts/dts in place (its stream's time base). Packets of other streams are left.
    // True for each stream's first packet after a join, which MPEG-TS flags corrupt (its
    // continuity counter restarts) though its data is whole.
    bool apply(AVPacket* pkt);
    void reset();  // after a seek: backwards is then expected

private:
    void shiftPacket(AVPacket* pkt, AVRational tb) const;
    static int64_t packetMicros(const AVPacket* pkt, AVRational tb);

    const AVFormatContext* format_ = nullptr;
    bool active_ = false;
    int video_ = -1, audio_ = -1;
    int64_t offsetMicros_ = 0;
    int64_t endMicros_ = INT64_MIN;            // latest packet end seen, shifted
    int64_t lastMicros_[2] = {INT64_MIN, INT64_MIN};  // per followed stream, shifted
    bool joinPending_[2] = {false, false};
};

}  // namespace pastiche::media
