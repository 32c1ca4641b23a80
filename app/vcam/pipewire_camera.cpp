// PipeWire Video/Source node. The stream is a graph driver: a timer on PipeWire's own thread loop
// fires at the output rate while a consumer is linked (state Streaming) and triggers one process
// cycle, which fills a buffer with the newest frame. With no consumer the node is paused and no
// frames are made. Consumers are counted from the registry's links whose output is our node.
#include "app/vcam/pipewire_camera.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>

#include <pipewire/pipewire.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>

#include "app/vcam/frame_formatter.h"

namespace pastiche::vcam {

namespace {

spa_video_format spaFormatOf(OutputFormat f) {
    switch (f) {
        case OutputFormat::Yuy2: return SPA_VIDEO_FORMAT_YUY2;
        case OutputFormat::Nv12: return SPA_VIDEO_FORMAT_NV12;
        case OutputFormat::I420: return SPA_VIDEO_FORMAT_I420;
        case OutputFormat::Rgbx: return SPA_VIDEO_FORMAT_RGBx;
        case OutputFormat::Bgrx: return SPA_VIDEO_FORMAT_BGRx;
    }
    return SPA_VIDEO_FORMAT_UNKNOWN;
}

bool outputFormatOf(uint32_t spa, OutputFormat& out) {
    for (OutputFormat f : {OutputFormat::Yuy2, OutputFormat::Nv12, OutputFormat::I420, OutputFormat::Rgbx, OutputFormat::Bgrx})
        if (spaFormatOf(f) == spa) return out = f, true;
    return false;
}

spa_fraction fractionOf(double fps) {
    if (std::fabs(fps - std::round(fps)) < 1e-6) return SPA_FRACTION(uint32_t(std::lround(fps)), 1);
    return SPA_FRACTION(uint32_t(std::lround(fps * 1001)), 1001);
}

std::string rateText(double fps) {
    char s[32];
    std::snprintf(s, sizeof s, std::fabs(fps - std::round(fps)) < 1e-6 ? "%.0f" : "%.2f", fps);
    return s;
}

// pw_init is process-wide; calls after the first do nothing. pw_deinit is never called: another
// camera (or library) in the process may still use PipeWire.
void initPipeWire() { pw_init(nullptr, nullptr); }

class PipeWireCamera final : public VirtualCamera {
public:
    PipeWireCamera(const VirtualCameraOptions& options, NoticeCallback notice) : VirtualCamera(options, std::move(notice)) {}
    ~PipeWireCamera() override { (void)close(); }

    Status open() {
        initPipeWire();
        loop_ = pw_thread_loop_new("pastiche-vcam", nullptr);
        if (!loop_) return Status::error(std::string("PipeWire: cannot create a thread loop: ") + std::strerror(errno));
        context_ = pw_context_new(pw_thread_loop_get_loop(loop_), nullptr, 0);
        if (!context_) return Status::error(std::string("PipeWire: cannot create a context: ") + std::strerror(errno));
        if (pw_thread_loop_start(loop_) < 0) return Status::error("PipeWire: cannot start the thread loop");
        pw_thread_loop_lock(loop_);
        Status status = connectLocked();
        pw_thread_loop_unlock(loop_);
        return status;
    }

    Status close() override {
        if (!loop_) return Status::ok();
        pw_thread_loop_lock(loop_);
        if (timer_) pw_loop_destroy_source(pw_thread_loop_get_loop(loop_), timer_);
        if (firstFrameEvent_) pw_loop_destroy_source(pw_thread_loop_get_loop(loop_), firstFrameEvent_);
        timer_ = firstFrameEvent_ = nullptr;
        if (stream_) {
            spa_hook_remove(&streamListener_);
            pw_stream_disconnect(stream_);
            pw_stream_destroy(stream_);  // the node leaves the graph here
            stream_ = nullptr;
        }
        if (registry_) {
            spa_hook_remove(&registryListener_);
            pw_proxy_destroy(reinterpret_cast<pw_proxy*>(registry_));
            registry_ = nullptr;
        }
        if (core_) {
            spa_hook_remove(&coreListener_);
            pw_core_disconnect(core_);
            core_ = nullptr;
        }
        pw_thread_loop_unlock(loop_);
        pw_thread_loop_stop(loop_);
        if (context_) pw_context_destroy(context_);
        context_ = nullptr;
        pw_thread_loop_destroy(loop_);
        loop_ = nullptr;
        return Status::ok();
    }

    int consumers() const override {
        std::lock_guard lock(stateMutex_);
        return consumersLocked();
    }

    std::string describe() const override {
        std::lock_guard lock(stateMutex_);
        std::string text = "PipeWire node '" + options_.nodeName + "' ";
        // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string here.
        if (width_ > 0) {
            text.append(std::to_string(width_)).append("x").append(std::to_string(height_));
        } else {
            text.append("(frame size)");
        }
        text.append("@").append(rateText(options_.fps));
        if (negotiated_) text.append(" ").append(formatName(formatter_.layout().format));
        const int n = consumersLocked();
        text.append(", ").append(std::to_string(n)).append(n == 1 ? " consumer" : " consumers");
        if (!daemonError_.empty()) text.append(" (").append(daemonError_).append(")");
        return text;
    }

protected:
    void firstFrameSize(int width, int height) override {
        // Called on the session's thread: hand the stream creation to the loop without waiting
        // (signalling an event source is a write to an eventfd, safe from any thread).
        if (!loop_ || !firstFrameEvent_) return;
        {
            std::lock_guard lock(stateMutex_);
            firstFrameWidth_ = width, firstFrameHeight_ = height;
        }
        pw_loop_signal_event(pw_thread_loop_get_loop(loop_), firstFrameEvent_);
    }

private:
    int consumersLocked() const {  // links whose output is our node: one per consumer (one port)
        int n = 0;
        for (const auto& [link, outputNode] : linkOutputNode_)
            if (nodeId_ != SPA_ID_INVALID && outputNode == nodeId_) ++n;
        return n;
    }

    Status connectLocked() {
        core_ = pw_context_connect(context_, nullptr, 0);
        if (!core_) {
            const char* runtime = std::getenv("XDG_RUNTIME_DIR");
            return Status::error(std::string("PipeWire: cannot connect to the daemon (") + std::strerror(errno) +
                                 "); is pipewire running for this user? (XDG_RUNTIME_DIR=" + (runtime ? runtime : "unset") + ")");
        }
        static const pw_core_events coreEvents = [] {
            pw_core_events e{};
            e.version = PW_VERSION_CORE_EVENTS;
            e.error = &PipeWireCamera::onCoreError;
            return e;
        }();
        pw_core_add_listener(core_, &coreListener_, &coreEvents, this);
        registry_ = pw_core_get_registry(core_, PW_VERSION_REGISTRY, 0);
        static const pw_registry_events registryEvents = [] {
            pw_registry_events e{};
            e.version = PW_VERSION_REGISTRY_EVENTS;
            e.global = &PipeWireCamera::onGlobal;
            e.global_remove = &PipeWireCamera::onGlobalRemove;
            return e;
        }();
        pw_registry_add_listener(registry_, &registryListener_, &registryEvents, this);

        pw_properties* props = pw_properties_new(PW_KEY_MEDIA_CLASS, "Video/Source", PW_KEY_MEDIA_TYPE, "Video",
                                                 PW_KEY_MEDIA_ROLE, "Camera",
                                                 PW_KEY_NODE_NAME, options_.nodeName.c_str(),
                                                 PW_KEY_NODE_DESCRIPTION, options_.description.c_str(), nullptr);
        stream_ = pw_stream_new(core_, options_.nodeName.c_str(), props);
        if (!stream_) return Status::error(std::string("PipeWire: cannot create the stream: ") + std::strerror(errno));
        static const pw_stream_events streamEvents = [] {
            pw_stream_events e{};
            e.version = PW_VERSION_STREAM_EVENTS;
            e.state_changed = &PipeWireCamera::onStateChanged;
            e.param_changed = &PipeWireCamera::onParamChanged;
            e.process = &PipeWireCamera::onProcess;
            return e;
        }();
        pw_stream_add_listener(stream_, &streamListener_, &streamEvents, this);
        timer_ = pw_loop_add_timer(pw_thread_loop_get_loop(loop_), &PipeWireCamera::onTimer, this);
        firstFrameEvent_ = pw_loop_add_event(pw_thread_loop_get_loop(loop_), &PipeWireCamera::onFirstFrameSize, this);
        if (options_.width > 0 && options_.height > 0) {
            int w = 0, h = 0;
            outputSize(options_, 0, 0, w, h);
            return connectStreamLocked(w, h);
        }
        return Status::ok();
    }

    Status connectStreamLocked(int width, int height) {
        {
            std::lock_guard lock(stateMutex_);
            width_ = width, height_ = height;
        }
        uint8_t buffer[1024];
        spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
        spa_rectangle size = SPA_RECTANGLE(uint32_t(width), uint32_t(height));
        spa_fraction rate = fractionOf(options_.fps);
        const spa_pod* params[1];
        params[0] = static_cast<const spa_pod*>(spa_pod_builder_add_object(
            &b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
            SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), SPA_FORMAT_VIDEO_format,
            SPA_POD_CHOICE_ENUM_Id(6, SPA_VIDEO_FORMAT_YUY2, SPA_VIDEO_FORMAT_YUY2, SPA_VIDEO_FORMAT_NV12,
                                   SPA_VIDEO_FORMAT_I420, SPA_VIDEO_FORMAT_RGBx, SPA_VIDEO_FORMAT_BGRx),
            SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size), SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&rate)));
        int res = pw_stream_connect(stream_, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                                    pw_stream_flags(PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS), params, 1);
        if (res < 0) return Status::error(std::string("PipeWire: cannot connect the stream: ") + std::strerror(-res));
        return Status::ok();
    }

    static void onFirstFrameSize(void* user, uint64_t) {
        auto* self = static_cast<PipeWireCamera*>(user);
        int w = 0, h = 0;
        {
            std::lock_guard lock(self->stateMutex_);
            if (self->width_ > 0 || self->firstFrameWidth_ <= 0) return;  // connected already
            outputSize(self->options_, self->firstFrameWidth_, self->firstFrameHeight_, w, h);
        }
        if (!self->stream_) return;
        Status status = self->connectStreamLocked(w, h);
        if (!status) self->notice("virtual camera: " + status.message());
    }

    static void onCoreError(void* user, uint32_t id, int seq, int res, const char* message) {
        auto* self = static_cast<PipeWireCamera*>(user);
        if (id != PW_ID_CORE) return;
        std::string why = res == -EPIPE ? "the PipeWire daemon went away" : std::string("PipeWire error: ") + message;
        {
            std::lock_guard lock(self->stateMutex_);
            self->daemonError_ = why;
        }
        self->notice("virtual camera: " + why + "; the camera is gone until Pastiche restarts it");
    }

    static void onGlobal(void* user, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
        auto* self = static_cast<PipeWireCamera*>(user);
        if (std::strcmp(type, PW_TYPE_INTERFACE_Link) != 0 || !props) return;
        const char* output = spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE);
        if (!output) return;
        std::lock_guard lock(self->stateMutex_);
        self->linkOutputNode_[id] = uint32_t(std::strtoul(output, nullptr, 10));
    }

    static void onGlobalRemove(void* user, uint32_t id) {
        auto* self = static_cast<PipeWireCamera*>(user);
        std::lock_guard lock(self->stateMutex_);
        self->linkOutputNode_.erase(id);
    }

    static void onStateChanged(void* user, pw_stream_state old, pw_stream_state state, const char* error) {
        auto* self = static_cast<PipeWireCamera*>(user);
        {
            std::lock_guard lock(self->stateMutex_);
            self->nodeId_ = pw_stream_get_node_id(self->stream_);
        }
        pw_loop* loop = pw_thread_loop_get_loop(self->loop_);
        if (state == PW_STREAM_STATE_STREAMING) {
            // First cycle at once, then one every 1/fps on the loop's monotonic timer.
            timespec start{0, 1};
            auto period = int64_t(std::llround(1e9 / self->options_.fps));
            timespec interval{time_t(period / 1000000000), long(period % 1000000000)};
            pw_loop_update_timer(loop, self->timer_, &start, &interval, false);
        } else {
            pw_loop_update_timer(loop, self->timer_, nullptr, nullptr, false);
        }
        if (state == PW_STREAM_STATE_ERROR) self->notice(std::string("virtual camera: PipeWire stream error: ") + (error ? error : "?"));
    }

    static void onParamChanged(void* user, uint32_t id, const spa_pod* param) {
        auto* self = static_cast<PipeWireCamera*>(user);
        if (id != SPA_PARAM_Format || !param) return;
        spa_video_info_raw info{};
        OutputFormat format;
        if (spa_format_video_raw_parse(param, &info) < 0 || !outputFormatOf(info.format, format)) {
            pw_stream_set_error(self->stream_, -EINVAL, "unsupported video format");
            return;
        }
        FrameLayout layout = defaultLayout(format, int(info.size.width), int(info.size.height));
        {
            std::lock_guard lock(self->stateMutex_);
            self->formatter_.setLayout(layout);
            self->negotiated_ = true;
        }
        uint8_t buffer[1024];
        spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
        const spa_pod* params[2];
        params[0] = static_cast<const spa_pod*>(spa_pod_builder_add_object(
            &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(4, 2, 8),
            SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1), SPA_PARAM_BUFFERS_size, SPA_POD_Int(int(layout.size)),
            SPA_PARAM_BUFFERS_stride, SPA_POD_Int(int(layout.stride[0]))));
        params[1] = static_cast<const spa_pod*>(spa_pod_builder_add_object(
            &b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
            SPA_PARAM_META_size, SPA_POD_Int(int(sizeof(spa_meta_header)))));
        pw_stream_update_params(self->stream_, params, 2);
    }

    static void onTimer(void* user, uint64_t expirations) {
        auto* self = static_cast<PipeWireCamera*>(user);
        if (expirations > 1) self->ticksMissed_.fetch_add(int64_t(expirations - 1));
        pw_stream_trigger_process(self->stream_);
    }

    static void onProcess(void* user) {
        auto* self = static_cast<PipeWireCamera*>(user);
        pw_buffer* b = pw_stream_dequeue_buffer(self->stream_);
        if (!b) {  // the consumer still holds them all: skip this tick
            self->ticksMissed_.fetch_add(1);
            return;
        }
        spa_buffer* buf = b->buffer;
        spa_data& d = buf->datas[0];
        if (d.data && self->negotiated_) {
            std::shared_ptr<const Image8> frame = self->newestFrame();
            std::lock_guard lock(self->stateMutex_);
            const std::vector<uint8_t>& bytes = self->formatter_.bytesFor(frame);
            size_t n = std::min<size_t>(bytes.size(), d.maxsize);
            std::memcpy(d.data, bytes.data(), n);
            d.chunk->offset = 0;
            d.chunk->size = uint32_t(n);
            d.chunk->stride = int32_t(self->formatter_.layout().stride[0]);
            d.chunk->flags = 0;
            if (auto* h = static_cast<spa_meta_header*>(spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(spa_meta_header)))) {
                timespec now{};
                clock_gettime(CLOCK_MONOTONIC, &now);
                h->pts = SPA_TIMESPEC_TO_NSEC(&now);
                h->flags = 0;
                h->seq = uint64_t(self->framesSent_.load());
                h->dts_offset = 0;
            }
            self->framesSent_.fetch_add(1);
        }
        pw_stream_queue_buffer(self->stream_, b);
    }

    pw_thread_loop* loop_ = nullptr;
    pw_context* context_ = nullptr;
    pw_core* core_ = nullptr;
    pw_registry* registry_ = nullptr;
    pw_stream* stream_ = nullptr;
    spa_source* timer_ = nullptr;
    spa_source* firstFrameEvent_ = nullptr;
    spa_hook coreListener_{}, registryListener_{}, streamListener_{};

    mutable std::mutex stateMutex_;  // what describe()/consumers() read from other threads
    std::map<uint32_t, uint32_t> linkOutputNode_;  // link id -> its output node id
    uint32_t nodeId_ = SPA_ID_INVALID;
    int width_ = 0, height_ = 0;                        // the offered size, once known
    int firstFrameWidth_ = 0, firstFrameHeight_ = 0;    // size 0 in the options: from the first frame
    FrameFormatter formatter_;
    std::atomic<bool> negotiated_{false};
    std::string daemonError_;
};

}  // namespace

Result<std::unique_ptr<VirtualCamera>> openPipeWireCamera(const VirtualCameraOptions& options, NoticeCallback notice) {
    auto camera = std::make_unique<PipeWireCamera>(options, std::move(notice));
    Status status = camera->open();
    if (!status) return status.withContext("virtual camera");
    return std::unique_ptr<VirtualCamera>(std::move(camera));
}

}  // namespace pastiche::vcam
