#include "app/media/audio_carry.h"
#include "app/media/timeline_continuity.h"

#include "app/media/libav_util.h"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

namespace pastiche::media {

namespace {

using av::describe;
constexpr AVRational kMicros{1, 1000000};

struct SwrDeleter {
    void operator()(SwrContext* s) const { swr_free(&s); }
};
struct FifoDeleter {
    void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

class AudioCarryImpl final : public AudioCarry {
public:
    Status open(const std::string& path, AVFormatContext* output, int64_t fromMicros, bool& found) {
        path_ = path;
        out_ = output;
        AVFormatContext* raw = nullptr;
        int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
        if (rc < 0) return Status::error(describe("audio source " + path, rc));
        in_.reset(raw);
        rc = avformat_find_stream_info(in_.get(), nullptr);
        if (rc < 0) return Status::error(describe("audio source " + path, rc));
        index_ = av_find_best_stream(in_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
        found = index_ >= 0;
        if (!found) return Status::ok();
        continuity_.attach(in_.get());
        // The video stream stays when timestamps are made continuous: the video source's demuxer
        // and this one must see the same packets to shift by the same amounts.
        for (unsigned i = 0; i < in_->nb_streams; ++i)
            if (int(i) != index_ && int(i) != continuity_.videoStream()) in_->streams[i]->discard = AVDISCARD_ALL;
        inStream_ = in_->streams[index_];
        startMicros_ = (in_->start_time != AV_NOPTS_VALUE ? in_->start_time : 0) + fromMicros;
        // Packets wholly before the output's time 0 are left out while copying (copyPacket).
        if (fromMicros > 0) av_seek_frame(in_.get(), -1, startMicros_, AVSEEK_FLAG_BACKWARD);
        outStream_ = avformat_new_stream(output, nullptr);
        const AVCodecParameters* par = inStream_->codecpar;
        if (avformat_query_codec(output->oformat, par->codec_id, FF_COMPLIANCE_NORMAL) == 1) {
            rc = avcodec_parameters_copy(outStream_->codecpar, par);
            if (rc < 0) return Status::error(describe("audio stream copy", rc));
            outStream_->codecpar->codec_tag = 0;
            outStream_->time_base = inStream_->time_base;
            packet_ = av::makePacket();
            if (par->codec_id == AV_CODEC_ID_AAC && par->extradata_size == 0) PASTICHE_RETURN_IF_ERROR(prepareAdts());
        } else {
            PASTICHE_RETURN_IF_ERROR(openTranscoder(output));
            packet_ = av::makePacket();
        }
        return Status::ok();
    }

    void outputReady() override {}

    Status restartAt(int64_t outputMicros) override {
        const int64_t start = in_->start_time != AV_NOPTS_VALUE ? in_->start_time : 0;
        const int rc = av_seek_frame(in_.get(), -1, start, AVSEEK_FLAG_BACKWARD);
        if (rc < 0) return Status::error(describe("audio source " + path_ + ": rewinding for the next loop", rc));
        if (pending_) av_packet_unref(packet_.get());
        pending_ = false;
        inputDone_ = false;
        continuity_.reset();
        if (decoder_) avcodec_flush_buffers(decoder_.get());
        // micros = file time - startMicros_ (copyUntil): file time 0 lands at outputMicros. Copied
        // packets keep their timestamps (overlaps dropped by copyPacket); transcoded audio goes on
        // from the last sample written, so a pass whose audio is shorter than its video moves the
        // next pass's sound earlier by the difference.
        startMicros_ = start - outputMicros;
        return Status::ok();
    }
    bool transcoding() const override { return bool(encoder_); }

    Status copyUntil(int64_t untilMicros, bool final) override {
        while (!inputDone_) {
            if (!pending_) {
                int rc = av_read_frame(in_.get(), packet_.get());
                if (rc < 0) {
                    inputDone_ = true;  // EOF, or a truncated file: the video side reports that
                    break;
                }
                continuity_.apply(packet_.get());
                if (packet_->stream_index != index_) {
                    av_packet_unref(packet_.get());
                    continue;
                }
                pending_ = true;
            }
            int64_t ts = packet_->pts != AV_NOPTS_VALUE ? packet_->pts : packet_->dts;
            int64_t micros = ts == AV_NOPTS_VALUE ? lastMicros_ : av_rescale_q(ts, inStream_->time_base, kMicros) - startMicros_;
            if (micros >= untilMicros) break;
            lastMicros_ = micros;
            pending_ = false;
            Status st = encoder_ ? transcodePacket() : copyPacket();
            av_packet_unref(packet_.get());
            PASTICHE_RETURN_IF_ERROR(st);
        }
        if (final && encoder_ && !flushed_) {
            flushed_ = true;
            return flushTranscoder();
        }
        return Status::ok();
    }

private:
    // AAC in ADTS framing (MPEG-TS, .aac): MP4 wants raw frames plus an AudioSpecificConfig in
    // the header, which the empty moov of a fragmented file needs before the first packet. Both
    // come from the first packet's ADTS header; the headers are stripped while copying.
    Status prepareAdts() {
        while (true) {
            int rc = av_read_frame(in_.get(), packet_.get());
            if (rc < 0) return Status::ok();  // no audio packets at all: nothing to fix
            continuity_.apply(packet_.get());
            if (packet_->stream_index == index_) break;
            av_packet_unref(packet_.get());
        }
        pending_ = true;  // copied later like any other packet
        const uint8_t* d = packet_->data;
        if (packet_->size < 7 || d[0] != 0xff || (d[1] & 0xf0) != 0xf0)
            return Status::error(path_ + ": AAC audio without a decoder configuration");
        const int objectType = ((d[2] >> 6) & 3) + 1, freqIndex = (d[2] >> 2) & 15;
        const int channels = ((d[2] & 1) << 2) | (d[3] >> 6);
        const uint16_t asc = uint16_t((objectType << 11) | (freqIndex << 7) | (channels << 3));
        AVCodecParameters* par = outStream_->codecpar;
        par->extradata = static_cast<uint8_t*>(av_mallocz(2 + AV_INPUT_BUFFER_PADDING_SIZE));
        if (!par->extradata) return Status::error("out of memory");
        par->extradata[0] = uint8_t(asc >> 8);
        par->extradata[1] = uint8_t(asc & 0xff);
        par->extradata_size = 2;
        stripAdts_ = true;
        return Status::ok();
    }

    Status copyPacket() {
        if (stripAdts_ && packet_->size > 9 && packet_->data[0] == 0xff && (packet_->data[1] & 0xf0) == 0xf0) {
            const int header = (packet_->data[1] & 1) ? 7 : 9;  // 9 with a CRC
            packet_->data += header;
            packet_->size -= header;
        }
        int64_t offset = av_rescale_q(startMicros_, kMicros, inStream_->time_base);
        if (packet_->pts != AV_NOPTS_VALUE) packet_->pts -= offset;
        if (packet_->dts != AV_NOPTS_VALUE) packet_->dts -= offset;
        // Pre-roll packets wholly before zero (AAC priming) are left out: a negative first
        // timestamp makes the fragmented-MP4 muxer shift the tracks it has not started yet,
        // which moved every video frame after the first by the priming length.
        if (packet_->pts != AV_NOPTS_VALUE && packet_->pts + packet_->duration <= 0) return Status::ok();
        av_packet_rescale_ts(packet_.get(), inStream_->time_base, outStream_->time_base);
        // Audio that overlaps what was written (a splice the continuity shift does not cover)
        // is left out: the muxer refuses a dts that does not increase.
        const int64_t dts = packet_->dts != AV_NOPTS_VALUE ? packet_->dts : packet_->pts;
        if (dts != AV_NOPTS_VALUE) {
            if (lastWrittenDts_ != AV_NOPTS_VALUE && dts <= lastWrittenDts_) return Status::ok();
            lastWrittenDts_ = dts;
        }
        packet_->stream_index = outStream_->index;
        packet_->pos = -1;
        int rc = av_interleaved_write_frame(out_, packet_.get());
        if (rc < 0) return Status::error(describe("writing audio failed", rc));
        return Status::ok();
    }

    Status openTranscoder(AVFormatContext* output) {
        const AVCodec* dec = avcodec_find_decoder(inStream_->codecpar->codec_id);
        if (!dec) return Status::error(path_ + ": no decoder for its audio codec");
        decoder_.reset(avcodec_alloc_context3(dec));
        avcodec_parameters_to_context(decoder_.get(), inStream_->codecpar);
        decoder_->pkt_timebase = inStream_->time_base;
        int rc = avcodec_open2(decoder_.get(), dec, nullptr);
        if (rc < 0) return Status::error(describe(path_ + ": audio decoder", rc));
        const AVCodec* aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
        if (!aac) return Status::error("libavcodec has no AAC encoder");
        encoder_.reset(avcodec_alloc_context3(aac));
        AVCodecContext* enc = encoder_.get();
        enc->sample_rate = decoder_->sample_rate;
        av_channel_layout_default(&enc->ch_layout, std::min(decoder_->ch_layout.nb_channels, 2));
        enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
        enc->bit_rate = 160000;
        enc->time_base = {1, enc->sample_rate};
        if (output->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        rc = avcodec_open2(enc, aac, nullptr);
        if (rc < 0) return Status::error(describe("AAC encoder", rc));
        SwrContext* swr = nullptr;
        rc = swr_alloc_set_opts2(&swr, &enc->ch_layout, enc->sample_fmt, enc->sample_rate, &decoder_->ch_layout,
                                 decoder_->sample_fmt, decoder_->sample_rate, 0, nullptr);
        if (rc < 0 || swr_init(swr) < 0) {
            swr_free(&swr);
            return Status::error("cannot set up audio resampling");
        }
        swr_.reset(swr);
        fifo_.reset(av_audio_fifo_alloc(enc->sample_fmt, enc->ch_layout.nb_channels, 4096));
        avcodec_parameters_from_context(outStream_->codecpar, enc);
        outStream_->time_base = enc->time_base;
        decoded_ = av::makeFrame();
        chunk_ = av::makeFrame();
        encoded_ = av::makePacket();
        return Status::ok();
    }

    Status transcodePacket() {
        int rc = avcodec_send_packet(decoder_.get(), packet_.get());
        if (rc < 0) return Status::ok();  // a damaged audio packet: skip it, keep the video going
        return receiveDecoded();
    }

    Status receiveDecoded() {
        while (avcodec_receive_frame(decoder_.get(), decoded_.get()) == 0) {
            if (nextSample_ == AV_NOPTS_VALUE) {
                int64_t ts = decoded_->best_effort_timestamp;
                int64_t micros = ts == AV_NOPTS_VALUE ? 0 : av_rescale_q(ts, inStream_->time_base, kMicros) - startMicros_;
                nextSample_ = av_rescale_q(micros, kMicros, encoder_->time_base);
            }
            Status st = resample(decoded_->extended_data, decoded_->nb_samples);
            av_frame_unref(decoded_.get());
            PASTICHE_RETURN_IF_ERROR(st);
            PASTICHE_RETURN_IF_ERROR(encodeFromFifo(false));
        }
        return Status::ok();
    }

    Status resample(uint8_t** in, int count) {
        int capacity = swr_get_out_samples(swr_.get(), count);
        if (capacity <= 0) return Status::ok();
        uint8_t** buffers = nullptr;
        int rc = av_samples_alloc_array_and_samples(&buffers, nullptr, encoder_->ch_layout.nb_channels, capacity,
                                                    encoder_->sample_fmt, 0);
        if (rc < 0) return Status::error("out of memory resampling audio");
        int produced = swr_convert(swr_.get(), buffers, capacity, const_cast<const uint8_t**>(in), count);
        if (produced > 0) av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(buffers), produced);
        av_freep(&buffers[0]);
        av_freep(&buffers);
        return produced < 0 ? Status::error("audio resampling failed") : Status::ok();
    }

    Status encodeFromFifo(bool drainAll) {
        const int frameSize = encoder_->frame_size > 0 ? encoder_->frame_size : 1024;
        while (av_audio_fifo_size(fifo_.get()) >= frameSize || (drainAll && av_audio_fifo_size(fifo_.get()) > 0)) {
            int n = std::min(frameSize, av_audio_fifo_size(fifo_.get()));
            av_frame_unref(chunk_.get());
            chunk_->nb_samples = n;
            av_channel_layout_copy(&chunk_->ch_layout, &encoder_->ch_layout);
            chunk_->format = encoder_->sample_fmt;
            chunk_->sample_rate = encoder_->sample_rate;
            if (av_frame_get_buffer(chunk_.get(), 0) < 0) return Status::error("out of memory encoding audio");
            av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(chunk_->data), n);
            chunk_->pts = nextSample_;
            nextSample_ += n;
            int rc = avcodec_send_frame(encoder_.get(), chunk_.get());
            if (rc < 0) return Status::error(describe("AAC encoding failed", rc));
            PASTICHE_RETURN_IF_ERROR(writeEncoded());
        }
        return Status::ok();
    }

    Status writeEncoded() {
        while (avcodec_receive_packet(encoder_.get(), encoded_.get()) == 0) {
            if (encoded_->pts != AV_NOPTS_VALUE && encoded_->pts + encoded_->duration <= 0) {
                av_packet_unref(encoded_.get());  // encoder priming, see copyPacket()
                continue;
            }
            av_packet_rescale_ts(encoded_.get(), encoder_->time_base, outStream_->time_base);
            encoded_->stream_index = outStream_->index;
            int rc = av_interleaved_write_frame(out_, encoded_.get());
            if (rc < 0) return Status::error(describe("writing audio failed", rc));
        }
        return Status::ok();
    }

    Status flushTranscoder() {
        avcodec_send_packet(decoder_.get(), nullptr);
        PASTICHE_RETURN_IF_ERROR(receiveDecoded());
        PASTICHE_RETURN_IF_ERROR(resample(nullptr, 0));
        if (nextSample_ == AV_NOPTS_VALUE) nextSample_ = 0;
        PASTICHE_RETURN_IF_ERROR(encodeFromFifo(true));
        avcodec_send_frame(encoder_.get(), nullptr);
        return writeEncoded();
    }

    std::string path_;
    AVFormatContext* out_ = nullptr;
    av::InputFormatPtr in_;
    AVStream* inStream_ = nullptr;
    AVStream* outStream_ = nullptr;
    int index_ = -1;
    TimelineContinuity continuity_;
    int64_t lastWrittenDts_ = AV_NOPTS_VALUE;  // output time base
    int64_t startMicros_ = 0, lastMicros_ = 0;
    av::PacketPtr packet_;
    bool pending_ = false, inputDone_ = false, flushed_ = false, stripAdts_ = false;
    // Transcoding only.
    av::CodecContextPtr decoder_, encoder_;
    std::unique_ptr<SwrContext, SwrDeleter> swr_;
    std::unique_ptr<AVAudioFifo, FifoDeleter> fifo_;
    av::FramePtr decoded_, chunk_;
    av::PacketPtr encoded_;
    int64_t nextSample_ = AV_NOPTS_VALUE;
};

}  // namespace

Result<std::unique_ptr<AudioCarry>> AudioCarry::open(const std::string& path, AVFormatContext* output,
                                                     int64_t fromMicros) {
    auto carry = std::make_unique<AudioCarryImpl>();
    bool found = false;
    Status st = carry->open(path, output, fromMicros, found);
    if (!st) return st;
    if (!found) return std::unique_ptr<AudioCarry>();
    return std::unique_ptr<AudioCarry>(std::move(carry));
}

}  // namespace pastiche::media
