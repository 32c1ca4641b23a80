// Carries the audio stream of a media file into the MP4 being written: packet copy when MP4
// allows the codec (AAC, MP3, Opus, ...), else decode + libswresample + AAC encode. Timestamps
// are taken relative to the source container's start, the same origin the video source uses for
// Frame::ptsMicros, so audio and video stay in sync.
#pragma once

#include <memory>
#include <string>

#include "engine/status.h"

struct AVFormatContext;

namespace pastiche::media {

class AudioCarry {
public:
    // A null pointer (not an error) when the file has no audio stream. fromMicros: the source
    // time (same origin as Frame::ptsMicros) that becomes time 0 of the output, for a recording
    // that starts part-way through the file.
    static Result<std::unique_ptr<AudioCarry>> open(const std::string& path, AVFormatContext* output,
                                                    int64_t fromMicros = 0);
    virtual ~AudioCarry() = default;
    virtual void outputReady() = 0;  // call after avformat_write_header (time bases are final)
    // Writes audio whose timestamps are < untilMicros. final: also flushes the AAC encoder.
    virtual Status copyUntil(int64_t untilMicros, bool final) = 0;
    // A looping source's next pass: the file's audio from its start again, as output time
    // outputMicros on. Audio of the pass before that is not copied yet is dropped (copyUntil first).
    virtual Status restartAt(int64_t outputMicros) = 0;
    virtual bool transcoding() const = 0;
};

}  // namespace pastiche::media
