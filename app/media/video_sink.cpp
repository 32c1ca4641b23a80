// MP4/H.264 sink: libx264 through libavcodec, fragmented MP4 so that a failure part-way (disk
// full) leaves every finished fragment playable, and the source file's audio carried over
// (stream copy when MP4 allows the codec, else re-encoded to AAC by audio_transcoder).
//
// Odd sizes: 4:2:0 H.264 can only crop by 2 pixels, so an odd width/height is padded by one
// pixel that repeats the edge (641x361 -> 642x362). The result is within one pixel of the input
// in size and aspect. (A sample aspect ratio was considered and rejected: it would make players
// stretch 642 to 643 display pixels, further from the input than the padding itself.)
#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <unistd.h>

#include <filesystem>
#include <optional>

#include "app/core/atomic_output.h"
#include "app/core/output_checks.h"
#include "app/media/audio_carry.h"
#include "app/media/frame_sink.h"
#include "app/media/libav_util.h"

extern "C" {
#include <libavutil/opt.h>
}

namespace pastiche {

namespace {

using av::describe;
constexpr AVRational kMicros{1, 1000000};
constexpr AVRational kVideoTimeBase{1, 90000};  // exact for 24, 25, 30000/1001, 50, 60 fps

// Output through our own AVIOContext: a plain file, optionally "full" after a byte budget so
// tests can exercise the disk-full path without mounting anything.
struct FileOutput {
    FILE* file = nullptr;
    int64_t budget = -1;  // bytes that still fit; -1 = unlimited
    static int write(void* opaque, uint8_t* data, int size) {  // FFmpeg 5 signature (non-const)
        auto* self = static_cast<FileOutput*>(opaque);
        if (!self->file) return AVERROR(EIO);
        errno = 0;
        int allowed = size;
        if (self->budget >= 0 && self->budget < size) allowed = int(self->budget);
        size_t written = allowed > 0 ? std::fwrite(data, 1, size_t(allowed), self->file) : 0;
        if (self->budget >= 0) self->budget -= int64_t(written);
        if (int(written) < size) return AVERROR(self->budget == 0 ? ENOSPC : errno ? errno : EIO);
        return size;
    }
    static int64_t seek(void* opaque, int64_t offset, int whence) {
        auto* self = static_cast<FileOutput*>(opaque);
        if (whence == AVSEEK_SIZE) return -1;
        if (std::fflush(self->file) != 0) return AVERROR(errno);
        if (fseeko(self->file, offset, whence & ~AVSEEK_FORCE) != 0) return AVERROR(errno);
        return ftello(self->file);
    }
};

struct OutputFormatDeleter {
    void operator()(AVFormatContext* c) const {
        if (c->pb) {
            avio_flush(c->pb);
            av_freep(&c->pb->buffer);
            avio_context_free(&c->pb);
        }
        avformat_free_context(c);
    }
};

class Mp4Sink final : public VideoSink {
public:
    explicit Mp4Sink(const VideoSinkOptions& options) : options_(options) {}
    ~Mp4Sink() override {
        if (headerWritten_ && !finished_) finish().ignore();  // errors were reported by write()
        if (out_ && out_->pb) {  // before output_ goes: the AVIOContext writes through it
            avio_flush(out_->pb);
            av_freep(&out_->pb->buffer);
            avio_context_free(&out_->pb);
        }
        closeFile();
    }

    Status open() {
        av::configureLogging();
        const int w = options_.width, h = options_.height;
        if (w <= 0 || h <= 0) return Status::invalidArgument("invalid output size");
        PASTICHE_RETURN_IF_ERROR(checkVideoOutputExtension(options_.path));
        PASTICHE_RETURN_IF_ERROR(checkOutputIsNotAnInput(options_.path, {options_.audioFrom}));
        encW_ = w + (w & 1);
        encH_ = h + (h & 1);
        AVFormatContext* raw = nullptr;
        int rc = avformat_alloc_output_context2(&raw, nullptr, "mp4", options_.path.c_str());
        if (rc < 0 || !raw) return Status::error(describe("cannot create an MP4 muxer", rc));
        out_.reset(raw);

        const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
        if (!codec) return Status::unsupported("libavcodec was built without libx264");
        encoder_.reset(avcodec_alloc_context3(codec));
        AVCodecContext* enc = encoder_.get();
        enc->width = encW_;
        enc->height = encH_;
        if (options_.pixFmt != "yuv420p" && options_.pixFmt != "yuv444p")
            return Status::error("pixel format '" + options_.pixFmt + "': use yuv420p or yuv444p");
        pixFmt_ = options_.pixFmt == "yuv444p" ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
        enc->pix_fmt = pixFmt_;
        double fps = options_.fps > 0 ? options_.fps : 30.0;
        enc->framerate = av_d2q(fps, 1 << 20);
        timeBase_ = options_.timing == FrameTiming::Constant ? av_inv_q(enc->framerate) : kVideoTimeBase;
        enc->time_base = timeBase_;
        enc->gop_size = std::max(1, int(std::lround(fps * 2)));  // a fragment every ~2 s
        enc->colorspace = AVCOL_SPC_SMPTE170M;                     // sws's default RGB->YUV matrix
        enc->color_range = AVCOL_RANGE_MPEG;
        // No B-frames: with them the first packet's dts is negative, and fragmented MP4 (no edit
        // list) then shifts every track by the reorder delay, moving the video off the input's
        // timestamps. Costs some bitrate at equal quality; also lowers recording latency.
        enc->max_b_frames = 0;
        if (out_->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        av_opt_set(enc->priv_data, "preset", options_.preset.c_str(), 0);
        av_opt_set(enc->priv_data, "crf", std::to_string(options_.crf).c_str(), 0);
        if (!options_.tune.empty()) av_opt_set(enc->priv_data, "tune", options_.tune.c_str(), 0);
        rc = avcodec_open2(enc, codec, nullptr);
        if (rc < 0)
            return Status::invalidArgument(describe("cannot open libx264 (preset '" + options_.preset + "', crf " +
                                              std::to_string(options_.crf) + ")",
                                          rc));
        videoStream_ = avformat_new_stream(out_.get(), nullptr);
        avcodec_parameters_from_context(videoStream_->codecpar, enc);
        videoStream_->time_base = enc->time_base;
        videoStream_->avg_frame_rate = enc->framerate;
        if (options_.timing == FrameTiming::Constant) videoStream_->r_frame_rate = enc->framerate;

        if (!options_.audioFrom.empty()) {
            auto carry = media::AudioCarry::open(options_.audioFrom, out_.get(), options_.audioFromMicros);
            if (!carry) return carry.status();
            audio_ = std::move(carry.value());  // null when the file has no audio
        }

        // NAME.part, locked, renamed over NAME by finish(): an existing NAME survives a failure.
        auto part = AtomicOutput::create(options_.path, [](const std::string& m) {
            std::fprintf(stderr, "pastiche: note: %s\n", m.c_str());  // a leftover of a killed run
        });
        if (!part) return part.status();
        part_.emplace(std::move(part).value());
        const int fd = ::dup(part_->fd());  // the FILE closes its own descriptor; the lock stays
        output_.file = fd >= 0 ? ::fdopen(fd, "wb") : nullptr;
        if (!output_.file) {
            if (fd >= 0) ::close(fd);
            return Status::io(describe("cannot create " + part_->partPath(), AVERROR(errno)));
        }
        std::setvbuf(output_.file, nullptr, _IONBF, 0);  // AVIO buffers; errors show at once
        output_.budget = options_.simulateDiskFullAfterBytes;
        constexpr int kBufferSize = 1 << 16;
        auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
        out_->pb = buffer ? avio_alloc_context(buffer, kBufferSize, 1, &output_, nullptr, &FileOutput::write,
                                               &FileOutput::seek)
                          : nullptr;
        if (!out_->pb) {
            av_free(buffer);
            return Status::outOfMemory("out of memory for the output buffer");
        }
        AVDictionary* opts = nullptr;
        // A fragment about every second of media whatever the keyframes or the speed, so a crash
        // (SIGKILL, power loss) loses at most the last ~2 s: frames inside the encoder plus the
        // fragment being filled.
        av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
        av_dict_set(&opts, "frag_duration", "1000000", 0);
        rc = avformat_write_header(out_.get(), &opts);
        av_dict_free(&opts);
        if (rc < 0) return Status::error(describe("cannot write the MP4 header to " + options_.path, rc));
        headerWritten_ = true;
        if (audio_) audio_->outputReady();

        yuv_ = av::makeFrame();
        yuv_->format = pixFmt_;
        yuv_->width = encW_;
        yuv_->height = encH_;
        rc = av_frame_get_buffer(yuv_.get(), 0);
        if (rc < 0) return Status::outOfMemory(describe("out of memory for a video frame", rc));
        sws_.reset(sws_getContext(encW_, encH_, AV_PIX_FMT_RGB24, encW_, encH_, pixFmt_, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP,
                                  nullptr, nullptr, nullptr));
        if (!sws_) return Status::error("cannot create the RGB to YUV converter");
        packet_ = av::makePacket();
        return Status::ok();
    }

    Status write(const Frame& frame) override {
        if (!error_.isOk()) return error_;
        if (finished_) return Status::error("write after finish");
        const Image8& img = frame.image;
        if (img.width != options_.width || img.height != options_.height)
            return Status::invalidArgument("frame size " + std::to_string(img.width) + "x" + std::to_string(img.height) +
                                 " differs from the video's " + std::to_string(options_.width) + "x" +
                                 std::to_string(options_.height));
        // Always through our own buffer: swscale's SIMD reads up to 32 bytes past the last pixel,
        // and the frame's vector has no slack (valgrind caught it).
        const uint8_t* rgb = padToEven(img);
        int rc = av_frame_make_writable(yuv_.get());
        if (rc < 0) return fail(describe("video frame buffer", rc));
        const uint8_t* src[4] = {rgb, nullptr, nullptr, nullptr};
        int srcStride[4] = {encW_ * 3, 0, 0, 0};
        sws_scale(sws_.get(), src, srcStride, 0, encH_, yuv_->data, yuv_->linesize);
        int64_t pts = av_rescale_q(frame.ptsMicros, kMicros, timeBase_);
        if (framesSent_ > 0 && pts <= lastPts_) pts = lastPts_ + 1;  // must increase strictly
        lastPts_ = pts;
        if (framesSent_ > 0) lastDuration_ = std::max<int64_t>(1, pts - prevPts_);
        prevPts_ = pts;
        yuv_->pts = pts;
        ++framesSent_;
        rc = avcodec_send_frame(encoder_.get(), yuv_.get());
        if (rc < 0) return fail(describe("H.264 encoding failed", rc));
        return drainEncoder();
    }

    Status finish() override {
        if (finished_) return error_;
        finished_ = true;
        if (!headerWritten_) return error_;
        if (error_.isOk()) {
            int rc = avcodec_send_frame(encoder_.get(), nullptr);  // flush
            if (rc < 0 && rc != AVERROR_EOF) fail(describe("H.264 flush failed", rc)).ignore();
            else drainEncoder().ignore();  // a failure is kept in error_
        }
        if (error_.isOk() && audio_) {
            int64_t endMicros = framesSent_ ? av_rescale_q(lastPts_ + lastDuration(), timeBase_, kMicros) : 0;
            Status st = audio_->copyUntil(endMicros, /*final=*/true);
            if (!st) fail(st.message()).ignore();
        }
        int rc = av_write_trailer(out_.get());
        if (rc < 0 && error_.isOk()) fail(describe("cannot finish the MP4 file", rc)).ignore();
        avio_flush(out_->pb);
        if (out_->pb->error < 0 && error_.isOk()) fail(describe("writing " + options_.path + " failed", out_->pb->error)).ignore();
        closeFile();
        return settleOutput();
    }

    int64_t framesWritten() const override { return packetsWritten_; }

    Status restartAudio(int64_t outputMicros) override {
        if (!audio_ || finished_ || !error_.isOk()) return error_;
        if (headerWritten_) {
            Status st = audio_->copyUntil(outputMicros, /*final=*/false);
            if (!st) return fail(st.message());
        }
        Status st = audio_->restartAt(outputMicros);
        return st ? st : fail(st.message());
    }

private:
    // A failed job's partial output goes to NAME only where no older NAME would be replaced.
    bool partialKeepsOldFile() const {
        std::error_code ec;
        return std::filesystem::exists(options_.path, ec);
    }

    // Complete: NAME.part becomes NAME. Failed part-way: the playable fragments become NAME when
    // there was none, else stay in NAME.part beside the older NAME. No frame written: NAME.part
    // goes, NAME is untouched.
    Status settleOutput() {
        if (!part_) return error_;
        if (error_.isOk() && packetsWritten_ == 0) {
            // An MP4 without frames is no output: it must not replace a good one.
            error_ = Status::invalidArgument("no frames to write; " + options_.path + " is left as it was");
        } else if (error_.isOk()) {
            Status st = part_->commit();
            if (!st) error_ = st;
        } else if (packetsWritten_ > 0 && !partialKeepsOldFile()) {
            Status st = part_->commit();  // nothing to protect: the partial file takes the name
            if (!st) part_->keepPart();
        } else if (packetsWritten_ > 0) {
            part_->keepPart();
        }
        part_.reset();
        return error_;
    }

    void closeFile() {
        if (!output_.file) return;
        if (out_ && out_->pb) avio_flush(out_->pb);
        if (std::fclose(output_.file) != 0 && error_.isOk())
            fail(describe("writing " + options_.path + " failed", AVERROR(errno))).ignore();
        output_.file = nullptr;
    }

    int64_t lastDuration() const {
        if (lastDuration_ > 0) return lastDuration_;
        double fps = options_.fps > 0 ? options_.fps : 30.0;
        return int64_t(std::llround(90000.0 / fps));
    }

    const uint8_t* padToEven(const Image8& img) {
        padded_.resize(size_t(encW_) * encH_ * 3 + 64);
        const size_t inRow = size_t(img.width) * 3, outRow = size_t(encW_) * 3;
        for (int y = 0; y < encH_; ++y) {
            const uint8_t* s = img.pixels.data() + std::min(y, img.height - 1) * inRow;
            uint8_t* d = padded_.data() + y * outRow;
            std::memcpy(d, s, inRow);
            if (encW_ > img.width) std::memcpy(d + inRow, s + inRow - 3, 3);  // repeat the edge
        }
        return padded_.data();
    }

    Status drainEncoder() {
        while (true) {
            int rc = avcodec_receive_packet(encoder_.get(), packet_.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Status::ok();
            if (rc < 0) return fail(describe("H.264 encoding failed", rc));
            av_packet_rescale_ts(packet_.get(), timeBase_, videoStream_->time_base);
            packet_->stream_index = videoStream_->index;
            if (audio_) {
                // Interleave: audio up to this video packet's decode time goes in first.
                int64_t dtsMicros = av_rescale_q(packet_->dts, videoStream_->time_base, kMicros);
                Status st = audio_->copyUntil(dtsMicros, /*final=*/false);
                if (!st) {
                    av_packet_unref(packet_.get());
                    return fail(st.message());
                }
            }
            rc = av_interleaved_write_frame(out_.get(), packet_.get());
            if (rc < 0) return fail(describe("writing " + options_.path + " failed", rc));
            ++packetsWritten_;
        }
    }

    Status fail(const std::string& message) {
        if (error_.isOk()) {
            std::string kept = "; " + options_.path + " is left as it was";
            if (packetsWritten_ > 0 && part_)
                kept = partialKeepsOldFile() ? "; the frames so far stay playable in " + part_->partPath() + " (the existing " +
                                                   options_.path + " is kept)"
                                             : "; the file so far stays playable";
            error_ = Status::io(message + " after " + std::to_string(packetsWritten_) + " frames" + kept);
        }
        return error_;
    }

    VideoSinkOptions options_;
    std::optional<AtomicOutput> part_;  // before output_: its lock outlives the FILE
    FileOutput output_;
    std::unique_ptr<AVFormatContext, OutputFormatDeleter> out_;
    av::CodecContextPtr encoder_;
    AVStream* videoStream_ = nullptr;
    std::unique_ptr<media::AudioCarry> audio_;
    av::FramePtr yuv_;
    av::PacketPtr packet_;
    av::SwsPtr sws_;
    std::vector<uint8_t> padded_;
    int encW_ = 0, encH_ = 0;
    AVRational timeBase_ = kVideoTimeBase;
    AVPixelFormat pixFmt_ = AV_PIX_FMT_YUV420P;
    int64_t lastPts_ = 0, prevPts_ = 0, lastDuration_ = 0;
    int64_t framesSent_ = 0, packetsWritten_ = 0;
    bool headerWritten_ = false, finished_ = false;
    Status error_;
};

}  // namespace

Result<std::unique_ptr<VideoSink>> openVideoSink(const VideoSinkOptions& options) {
    auto sink = std::make_unique<Mp4Sink>(options);
    Status st = sink->open();
    if (!st) return st.withContext(options.path);
    return std::unique_ptr<VideoSink>(std::move(sink));
}

}  // namespace pastiche
