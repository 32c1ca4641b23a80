// Video files through libavformat/libavcodec: decode, convert to RGB (scaling to the requested
// size in the same sws pass), rotate by the display matrix, and keep timestamps in microseconds
// from the container's start so variable frame rate and audio sync survive.
#include <cmath>
#include <cstdlib>

#include <opencv2/core.hpp>

#include "app/media/container_truncation.h"
#include "app/media/libav_util.h"
#include "app/media/timeline_continuity.h"
#include "app/media/sources_internal.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
}

namespace pastiche::media {

namespace {

using av::describe;
using av::makeFrame;
using av::makePacket;
using av::configureLogging;

constexpr AVRational kMicros{1, 1000000};

// Clockwise quarter turns needed to display the stream upright (0..3).
int quarterTurnsFromDisplayMatrix(const AVStream* stream) {
    size_t size = 0;
    const uint8_t* data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!data || size < 9 * sizeof(int32_t)) return 0;
    double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(data));
    if (std::isnan(ccw)) return 0;
    double cw = std::fmod(-ccw + 360.0 * 4, 360.0);
    int turns = int(std::lround(cw / 90.0)) % 4;
    return turns;
}

class VideoFileSource final : public FrameSource {
public:
    static Result<std::unique_ptr<FrameSource>> open(const SourceSpec& spec) {
        configureLogging();
        auto source = std::unique_ptr<VideoFileSource>(new VideoFileSource(spec));
        Status st = source->openFile();
        if (!st) return st.withContext(spec.path);
        return std::unique_ptr<FrameSource>(std::move(source));
    }

    const SourceInfo& info() const override { return info_; }
    Status lastError() const override { return error_; }

    ReadStatus read(Frame& frame) override {
        if (failed_) return ReadStatus::Error;
        while (true) {
            ReadStatus rs = decodeNext(frame);
            if (rs != ReadStatus::EndOfStream || !spec_.loop || delivered_ == 0) return rs;
            // Looping (GUI playback): rewind and keep pts increasing.
            loopOffsetMicros_ = lastPtsMicros_ + lastDurationMicros_;
            Status st = rewind(0);
            if (!st) return fail(st);
        }
    }

    Status seek(int64_t ptsMicros) override {
        Status st = rewind(ptsMicros);
        if (!st) return st;
        // The target is a point of the clip: after a loop, timestamps start again from it (with
        // the loop's offset kept, every frame looked later than the target and the seek landed
        // on the keyframe before it, 0:00 for most clips).
        loopOffsetMicros_ = 0;
        failed_ = false;  // a damaged tail need not stop the GUI from playing the rest again
        error_ = Status::ok();
        dataError_.clear();
        skipUntilMicros_ = ptsMicros;
        havePrevDecoded_ = false;
        seeked_ = true;
        return Status::ok();
    }

private:
    explicit VideoFileSource(const SourceSpec& spec) : spec_(spec) {}

    Status openFile() {
        AVFormatContext* raw = nullptr;
        int rc = avformat_open_input(&raw, spec_.path.c_str(), nullptr, nullptr);
        if (rc == AVERROR_INVALIDDATA)
            return Status::corrupt(describe("cannot open video file", rc) +
                                 " (not a video, or damaged; an MP4 cut short before its index cannot be read)");
        if (rc < 0) return Status::io(describe("cannot open video file", rc));
        format_.reset(raw);
        rc = avformat_find_stream_info(format_.get(), nullptr);
        if (rc < 0) return Status::corrupt(describe("cannot read stream information", rc));
        const AVCodec* codec = nullptr;
        streamIndex_ = av_find_best_stream(format_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
        if (streamIndex_ < 0) return Status::unsupported("no video stream (is this a video file?)");
        if (!codec) return Status::unsupported("no decoder for its video codec");
        stream_ = format_->streams[streamIndex_];
        decoder_.reset(avcodec_alloc_context3(codec));
        rc = avcodec_parameters_to_context(decoder_.get(), stream_->codecpar);
        if (rc < 0) return Status::error(describe("decoder parameters", rc));
        decoder_->pkt_timebase = stream_->time_base;
        decoder_->thread_count = 0;  // libavcodec picks; the pipeline overlaps decode with stylize
        rc = avcodec_open2(decoder_.get(), codec, nullptr);
        if (rc < 0) return Status::unsupported(describe(std::string("cannot open the ") + codec->name + " decoder", rc));
        continuity_.attach(format_.get());
        // We only read video here; the audio stream stays when timestamps are made continuous,
        // so this demuxer sees the same packets as the audio carry's (timeline_continuity.h).
        for (unsigned i = 0; i < format_->nb_streams; ++i)
            if (int(i) != streamIndex_ && int(i) != continuity_.audioStream())
                format_->streams[i]->discard = AVDISCARD_ALL;
        truncation_ = containerTruncation(spec_.path, format_->iformat->name);

        startMicros_ = format_->start_time != AV_NOPTS_VALUE ? format_->start_time : 0;
        quarterTurns_ = quarterTurnsFromDisplayMatrix(stream_);
        int w = stream_->codecpar->width, h = stream_->codecpar->height;
        if (quarterTurns_ % 2) std::swap(w, h);
        if (spec_.width > 0 && spec_.height > 0) w = spec_.width, h = spec_.height;
        info_.kind = SourceKind::VideoFile;
        info_.description = "file " + spec_.path;
        info_.path = spec_.path;
        info_.width = w;
        info_.height = h;
        AVRational rate = av_guess_frame_rate(format_.get(), stream_, nullptr);
        info_.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
        if (stream_->duration != AV_NOPTS_VALUE)
            info_.durationMicros = av_rescale_q(stream_->duration, stream_->time_base, kMicros);
        else if (format_->duration != AV_NOPTS_VALUE)
            info_.durationMicros = format_->duration;
        if (stream_->nb_frames > 0) info_.frameCount = stream_->nb_frames;
        else if (info_.durationMicros > 0 && info_.fps > 0)
            info_.frameCount = int64_t(std::llround(info_.durationMicros * 1e-6 * info_.fps));
        info_.live = false;
        for (unsigned i = 0; i < format_->nb_streams; ++i)
            if (format_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info_.hasAudio = true;
        packet_ = makePacket();
        decoded_ = makeFrame();
        return Status::ok();
    }

    Status rewind(int64_t ptsMicros) {
        int64_t target = av_rescale_q(ptsMicros + startMicros_, kMicros, stream_->time_base);
        int rc = av_seek_frame(format_.get(), streamIndex_, target, AVSEEK_FLAG_BACKWARD);
        if (rc < 0) return Status::io(describe("seek in " + spec_.path, rc));
        avcodec_flush_buffers(decoder_.get());
        continuity_.reset();
        packetsSinceCorrupt_ = 0;
        packetsRead_ = 0;
        inputDone_ = false;
        decoderDrained_ = false;
        return Status::ok();
    }

    ReadStatus fail(const Status& st) {
        failed_ = true;
        error_ = st;
        return ReadStatus::Error;
    }

    // Remembers the first problem with the data; decoding carries on so every frame that can be
    // decoded is delivered, and the error is reported at the end.
    void noteDataError(const std::string& message) {
        if (dataError_.empty()) dataError_ = message;
    }

    ReadStatus endOfData() {
        // A cut-off file is told by its container's own sizes; frame counts in headers are only
        // hints (an AVI's may count a frame the stream does not carry) and are not compared.
        std::string problem = dataError_.empty() && !spec_.loop ? truncation_ : dataError_;
        if (problem.empty()) return ReadStatus::EndOfStream;
        return fail(Status::corrupt(spec_.path + ": " + problem + "; decoded " + std::to_string(delivered_) +
                                    " frames (the output so far is kept)"));
    }

    ReadStatus decodeNext(Frame& frame) {
        while (true) {
            int rc = avcodec_receive_frame(decoder_.get(), decoded_.get());
            if (rc == 0) {
                bool keep = convert(frame);
                av_frame_unref(decoded_.get());
                if (failed_) return ReadStatus::Error;
                if (keep) return ReadStatus::Frame;
                continue;
            }
            if (rc == AVERROR_EOF) return endOfData();
            if (rc != AVERROR(EAGAIN)) {
                // A decode error on one frame: remember it and keep going with the next packets.
                noteDataError(describe("corrupt video data", rc));
                if (inputDone_ && ++drainErrors_ > 64) return endOfData();
            }
            if (inputDone_) {
                if (!decoderDrained_) {
                    avcodec_send_packet(decoder_.get(), nullptr);  // explicit flush
                    decoderDrained_ = true;
                }
                continue;
            }
            feedPacket();
        }
    }

    void feedPacket() {
        while (true) {
            int rc = av_read_frame(format_.get(), packet_.get());
            if (rc == AVERROR_EOF || (rc < 0 && avio_feof(format_->pb))) {
                if (packetsSinceCorrupt_ > 0) noteDataError("a video packet at the end is cut short or damaged (truncated file?)");
                packetsSinceCorrupt_ = 0;
                inputDone_ = true;
                return;
            }
            if (rc < 0) {
                noteDataError(describe("reading failed", rc));
                inputDone_ = true;
                return;
            }
            const bool join = continuity_.apply(packet_.get());
            if (packet_->stream_index != streamIndex_) {
                av_packet_unref(packet_.get());
                continue;
            }
            ++packetsRead_;
            // MPEG-TS flags a packet just before a join corrupt (the continuity counter restarts
            // there; the parser may hold one or two packets back): a flag counts only when no join
            // follows within a few packets.
            if (join) packetsSinceCorrupt_ = 0;
            else if (packetsSinceCorrupt_ > 0 && ++packetsSinceCorrupt_ > kJoinWindowPackets) {
                noteDataError("a video packet is cut short or damaged (truncated file?)");
                packetsSinceCorrupt_ = 0;
            }
            if ((packet_->flags & AV_PKT_FLAG_CORRUPT) && packetsSinceCorrupt_ == 0) packetsSinceCorrupt_ = 1;
            rc = avcodec_send_packet(decoder_.get(), packet_.get());
            av_packet_unref(packet_.get());
            if (rc < 0 && rc != AVERROR(EAGAIN)) noteDataError(describe("corrupt video data", rc));
            return;
        }
    }

    // RGB conversion (+ scaling) and rotation. Returns false for frames skipped after a seek.
    bool convert(Frame& frame) {
        AVFrame* f = decoded_.get();
        // The decoder conceals damage and still outputs the frame: deliver it, report at the end.
        if ((f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags)
            noteDataError("damaged video data (frame " + std::to_string(delivered_) + " decoded with errors)");
        int64_t ts = f->best_effort_timestamp;
        int64_t ptsMicros;
        if (ts != AV_NOPTS_VALUE) ptsMicros = av_rescale_q(ts, stream_->time_base, kMicros) - startMicros_;
        else ptsMicros = lastPtsMicros_ + lastDurationMicros_;  // no timestamp: continue the last rate
        ptsMicros += loopOffsetMicros_;
        // Frame spacing from consecutive decoded frames, skipped ones included: after a seek the
        // jump from the old position is not one frame's duration.
        if (havePrevDecoded_ && ptsMicros > prevDecodedMicros_) lastDurationMicros_ = ptsMicros - prevDecodedMicros_;
        else if (info_.fps > 0) lastDurationMicros_ = int64_t(1e6 / info_.fps);
        prevDecodedMicros_ = ptsMicros;
        havePrevDecoded_ = true;
        if (skipUntilMicros_ >= 0) {
            if (ptsMicros + lastDurationMicros_ / 2 < skipUntilMicros_) {
                ++skipped_;
                return false;
            }
            skipUntilMicros_ = -1;
        }
        lastPtsMicros_ = ptsMicros;

        // Scale in sws before rotating: the target size is given in display orientation.
        int outW = info_.width, outH = info_.height;
        int preW = quarterTurns_ % 2 ? outH : outW, preH = quarterTurns_ % 2 ? outW : outH;
        sws_.reset(sws_getCachedContext(sws_.release(), f->width, f->height, AVPixelFormat(f->format), preW,
                                        preH, AV_PIX_FMT_RGB24, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
        if (!sws_) {
            fail(Status::unsupported(spec_.path + ": cannot convert pixel format " +
                               std::string(av_get_pix_fmt_name(AVPixelFormat(f->format)) ?: "?") + " to RGB"));
            return false;
        }
        const int* coeffs = sws_getCoefficients(f->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT);
        int srcFull = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P ||
                      f->format == AV_PIX_FMT_YUVJ422P || f->format == AV_PIX_FMT_YUVJ444P;
        sws_setColorspaceDetails(sws_.get(), coeffs, srcFull, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16,
                                 1 << 16);
        Image8& target = quarterTurns_ ? scratch_ : frame.image;
        if (target.width != preW || target.height != preH) target = Image8(preW, preH);
        uint8_t* dst[4] = {target.pixels.data(), nullptr, nullptr, nullptr};
        int dstStride[4] = {preW * 3, 0, 0, 0};
        sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, dst, dstStride);
        if (quarterTurns_) {
            if (frame.image.width != outW || frame.image.height != outH) frame.image = Image8(outW, outH);
            cv::Mat src(preH, preW, CV_8UC3, scratch_.pixels.data());
            cv::Mat dstMat(outH, outW, CV_8UC3, frame.image.pixels.data());
            static const int codes[4] = {0, cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180, cv::ROTATE_90_COUNTERCLOCKWISE};
            cv::rotate(src, dstMat, codes[quarterTurns_]);
        }
        frame.ptsMicros = ptsMicros;
        frame.loopOffsetMicros = loopOffsetMicros_;
        frame.painter = 0;
        frame.index = delivered_++;
        frame.captureNanos = steadyNanos();
        return true;
    }

    SourceSpec spec_;
    SourceInfo info_;
    Status error_;
    bool failed_ = false;
    std::string dataError_;
    av::InputFormatPtr format_;
    av::CodecContextPtr decoder_;
    av::PacketPtr packet_;
    av::FramePtr decoded_;
    av::SwsPtr sws_;
    AVStream* stream_ = nullptr;
    int streamIndex_ = -1;
    int quarterTurns_ = 0;
    int64_t startMicros_ = 0;
    int64_t lastPtsMicros_ = 0, lastDurationMicros_ = 0, loopOffsetMicros_ = 0;
    int64_t skipUntilMicros_ = -1;
    int64_t prevDecodedMicros_ = 0;
    bool havePrevDecoded_ = false;
    int64_t delivered_ = 0, skipped_ = 0, packetsRead_ = 0;
    int drainErrors_ = 0;
    bool inputDone_ = false, decoderDrained_ = false, seeked_ = false;
    TimelineContinuity continuity_;
    static constexpr int kJoinWindowPackets = 4;
    int packetsSinceCorrupt_ = 0;  // 0: no corrupt flag waiting to be judged
    std::string truncation_;  // containerTruncation() at open; reported at the end
    Image8 scratch_;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> openVideoFileSource(const SourceSpec& spec) {
    return VideoFileSource::open(spec);
}

}  // namespace pastiche::media
