// The session's stylize stage (one thread): applies posted controls between frames, keeps the
// Stylizer's frames in flight, and fans finished frames out to the consumers.
#include <algorithm>
#include <chrono>

#include <pthread.h>

#include "app/core/color_preserve.h"
#include "app/core/guided_upsample.h"
#include "app/core/model_loader.h"
#include "app/core/resample.h"
#include "app/session/session.h"
#include "app/session/session_engine.h"

namespace pastiche::session {


namespace {

int64_t steadyNowNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void mirrorInPlace(Image8& image) {
    for (int y = 0; y < image.height; ++y) {
        uint8_t* row = image.pixels.data() + size_t(y) * image.width * 3;
        for (int l = 0, r = image.width - 1; l < r; ++l, --r)
            for (int c = 0; c < 3; ++c) std::swap(row[l * 3 + c], row[r * 3 + c]);
    }
}

}  // namespace

void Session::reportError(const Status& st) {
    if (options_.mode == SessionMode::File) {
        {
            std::lock_guard lock(mutex_);
            if (firstError_.isOk()) firstError_ = st;
        }
        stop();
        return;
    }
    if (st.message() != engine_->lastError) notify(st.message());  // live: say it once, keep going
    engine_->lastError = st.message();
}

void Session::ensureEngine() {
    Engine& e = *engine_;
    if (e.stylizer || e.failed) return;
    if (!e.network) {
        if (options_.network) {
            e.network = options_.network;
        } else {
            auto loaded = loadTransferModel(options_.modelsDir, options_.model);
            if (!loaded) {
                e.failed = true;
                reportError(loaded.status().withContext("cannot load the transfer network"));
                return;
            }
            e.network = loaded.value();
        }
    }
    StylizerOptions so;
    so.backend = e.controls.backend;
    so.threads = options_.threads;
    so.makeBackend = options_.makeBackend;
    auto created = Stylizer::create(e.network, so, [this](const std::string& m) { notify(m); });
    if (!created) {
        e.failed = true;
        reportError(created.status().withContext("cannot start the stylizer"));
        return;
    }
    e.stylizer = std::move(created).value();
    e.activeSpec = e.controls.backend;
    e.appliedMix.reset();
    {
        std::lock_guard lock(mutex_);
        stats_.backend = e.stylizer->description();
        stats_.framesInFlight = e.stylizer->framesInFlight();
    }
    if (callbacks_.backendChanged) callbacks_.backendChanged(e.stylizer->description());
}

// Applies new controls; returns whether the current picture should be stylized again (a paused
// video or a still image shows the change at once).
bool Session::applyControls(const Controls& c) {
    Engine& e = *engine_;
    const bool sameBackend = c.backend.toString() == e.activeSpec.toString();
    e.controls = c;
    if (!sameBackend && e.stylizer && !e.switching.valid()) startBackendSwitch(c.backend);
    return true;
}

void Session::startBackendSwitch(const BackendSpec& spec) {
    Engine& e = *engine_;
    if (!options_.warmUpBackendSwitch) {
        drain();
        Status st = e.stylizer->switchBackend(spec);
        if (st) {
            e.activeSpec = spec;
            e.appliedMix.reset();
            std::lock_guard lock(mutex_);
            stats_.backend = e.stylizer->description();
            stats_.framesInFlight = e.stylizer->framesInFlight();
        }
        if (st && callbacks_.backendChanged) callbacks_.backendChanged(e.stylizer->description());
        if (!st && callbacks_.backendSwitchFailed) callbacks_.backendSwitchFailed(e.activeSpec.toString(), st);
        return;
    }
    // The new backend is built and warmed up beside the running one, so frames keep flowing on
    // the old one until it is ready.
    e.switchingTo = spec;
    std::optional<StyleVector> vector;
    if (e.appliedMix && e.appliedMix->style) vector = mixedStyleVector(*e.appliedMix, e.content);
    Image8 warmup;
    if (lastItem_) {
        int w = 0, h = 0;
        e.controls.processingSize.apply(lastItem_->frame->image.width, lastItem_->frame->image.height, w, h);
        warmup = resampleImage(lastItem_->frame->image, w, h);
    }
    auto network = e.network;
    StylizerOptions so;
    so.backend = spec;
    so.threads = options_.threads;
    so.makeBackend = options_.makeBackend;
    auto notice = [this](const std::string& m) { notify(m); };
    e.switching = std::async(
        std::launch::async,
        [this, network, so, vector, warmup = std::move(warmup), notice]() -> Result<std::unique_ptr<Stylizer>> {
            auto created = Stylizer::create(network, so, notice);
            if (created && vector && !warmup.empty()) {
                Image8 out(warmup.width, warmup.height);
                Status st = created.value()->setStyle(*vector);
                if (st) st = created.value()->stylize(warmup.view(), out.view());
                if (!st) created = st;
            }
            channel_.interrupt();  // wake the stylize thread to take it
            return created;
        });
    std::lock_guard lock(mutex_);
    stats_.switchingTo = spec.toString();
}

void Session::pollBackendSwitch(const Controls& c) {
    Engine& e = *engine_;
    if (!e.switching.valid() || e.switching.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    auto switched = e.switching.get();
    const bool switchedOk = switched.isOk();  // `switched` is moved from below
    {
        std::lock_guard lock(mutex_);
        stats_.switchingTo.clear();
    }
    if (switched) {
        drain();
        e.stylizer = std::move(switched).value();
        e.activeSpec = e.switchingTo;
        e.appliedMix.reset();
        {
            std::lock_guard lock(mutex_);
            stats_.backend = e.stylizer->description();
            stats_.framesInFlight = e.stylizer->framesInFlight();
        }
        if (callbacks_.backendChanged) callbacks_.backendChanged(e.stylizer->description());
    } else {
        notify("cannot switch to " + e.switchingTo.toString() + ": " + switched.status().message());
        {
            std::lock_guard lock(mutex_);
            controls_.backend = e.activeSpec;  // the choice goes back to what runs
        }
        e.controls.backend = e.activeSpec;
        if (callbacks_.backendSwitchFailed) callbacks_.backendSwitchFailed(e.activeSpec.toString(), switched.status());
    }
    // Meanwhile the user may have picked yet another backend.
    if (c.backend.toString() != e.activeSpec.toString() && switchedOk) startBackendSwitch(c.backend);
}

// The content's own style vector (strength < 1) is computed once per source, from its first
// processed frame; the mix is applied when it changed (between frames: nothing in flight).
void Session::updateMix(const SourceItem& item, const Image8& input) {
    Engine& e = *engine_;
    const StyleMix& mix = e.controls.mix;
    if (e.epoch != item.epoch) {
        e.epoch = item.epoch;
        e.content.reset();
        e.contentTried = false;
    }
    if (needsContentVector(mix) && !e.content && !e.contentTried && options_.contentVector) {
        e.contentTried = true;
        auto own = options_.contentVector(input);
        if (own) e.content = own.value();
        else notify("cannot compute the content's own style: " + own.status().message());
    }
    if (!mix.style) return;
    const bool withContent = e.content.has_value();
    if (e.appliedMix && *e.appliedMix == mix && e.appliedWithContent == withContent) return;
    drain();
    Status st = e.stylizer->setMix(mix, e.content);
    if (!st) {
        reportError(st);
        return;
    }
    e.appliedMix = mix;
    e.appliedWithContent = withContent;
    if (e.stabilizer) e.stabilizer->reset();  // a new style is not the old one's future
}

void Session::prepareAndSubmit(const SourceItem& item) {
    Engine& e = *engine_;
    lastItem_ = item;
    const Image8& src = item.frame->image;
    int w = 0, h = 0;
    e.controls.processingSize.apply(src.width, src.height, w, h);
    std::shared_ptr<const Image8> input;
    if (w == src.width && h == src.height && e.controls.mirror == Mirror::Off) {
        input = std::shared_ptr<const Image8>(item.frame, &src);  // the source's own frame, no copy
    } else {
        std::shared_ptr<Image8> scaled = e.inputPool.acquire();
        if (scaled->width != w || scaled->height != h) *scaled = Image8(w, h);
        resampleInto(src, *scaled);  // a copy when only mirrored
        if (e.controls.mirror == Mirror::On) mirrorInPlace(*scaled);
        input = std::move(scaled);
    }
    {
        std::lock_guard lock(mutex_);
        ++stats_.framesIn;
        stats_.processWidth = w;
        stats_.processHeight = h;
    }
    InFlight job{item, input, 0, Clock::now()};
    ensureEngine();
    if (e.stylizer) updateMix(item, *input);
    if (!e.stylizer || !e.appliedMix || !e.controls.mix.style) {  // no style yet: the original passes
        finishFrame(job, input, false);
        return;
    }
    if (e.controls.stability > 0 && !sourceIsStillImage()) {
        stylizeStable(job);
        return;
    }
    if (!inFlight_.empty() && (inFlight_.front().input->width != w || inFlight_.front().input->height != h)) drain();
    const int depth = e.stylizer->framesInFlight();
    job.slot = e.nextSlot % depth;
    e.nextSlot = (e.nextSlot + 1) % depth;
    job.submitted = Clock::now();
    Status st = e.stylizer->submit(input->view(), job.slot);
    if (!st) {
        reportError(st.withContext("stylizing frame " + std::to_string(item.frame->index)));
        finishFrame(job, input, false);
        return;
    }
    inFlight_.push_back(std::move(job));
}

void Session::collectOldest() {
    Engine& e = *engine_;
    InFlight job = std::move(inFlight_.front());
    inFlight_.pop_front();
    auto out = acquireOutput(job.input->width, job.input->height);
    Status st = e.stylizer->collect(job.slot, job.input->view(), out->view());
    if (!st) {
        reportError(st.withContext("stylizing frame " + std::to_string(job.item.frame->index)));
        finishFrame(job, job.input, false);
        return;
    }
    finishFrame(job, std::move(out), true);
}

// A still image shown as a source has no motion to stabilize: it is stylized as the still it is
// (and so equals `stylize` of the picture).
bool Session::sourceIsStillImage() const {
    std::lock_guard lock(mutex_);
    return sourceInfo_ && sourceInfo_->kind == SourceKind::StillImage;
}

// With temporal stability each frame needs the one before it finished: no frames in flight.
void Session::stylizeStable(InFlight& job) {
    Engine& e = *engine_;
    drain();
    if (!e.stabilizer) e.stabilizer = std::make_unique<TemporalStabilizer>();
    StabilityOptions so = e.stabilizer->options();
    so.strength = std::clamp(e.controls.stability, 0.0, 1.0);
    e.stabilizer->setOptions(so);
    if (job.item.epoch != e.historyEpoch || job.item.segment != e.historySegment) {
        e.stabilizer->reset();  // a new source or a seek: the frames before are not this one's past
        e.historyEpoch = job.item.epoch;
        e.historySegment = job.item.segment;
    }
    auto out = acquireOutput(job.input->width, job.input->height);
    job.submitted = Clock::now();
    Status st = e.stabilizer->stylize(*e.stylizer, *job.input, *out);
    if (!st) {
        reportError(st.withContext("stylizing frame " + std::to_string(job.item.frame->index)));
        finishFrame(job, job.input, false);
        return;
    }
    finishFrame(job, std::move(out), true);
}

std::shared_ptr<Image8> Session::acquireOutput(int width, int height) {
    auto& pool = engine_->outputPool;
    for (auto& image : pool)
        if (image.use_count() == 1 && image->width == width && image->height == height) return image;
    auto fresh = std::make_shared<Image8>(width, height);
    constexpr size_t kPoolSize = 12;  // frames in flight + consumers' queues
    if (pool.size() < kPoolSize) {
        pool.push_back(fresh);
    } else {
        for (auto& image : pool)
            if (image.use_count() == 1) {
                image = fresh;
                break;
            }
    }
    return fresh;
}

void Session::drain() {
    while (!inFlight_.empty()) collectOldest();
    engine_->nextSlot = 0;
}

void Session::finishFrame(const InFlight& job, std::shared_ptr<const Image8> stylized, bool ok) {
    Engine& e = *engine_;
    const Frame& frame = *job.item.frame;
    const Image8& src = frame.image;
    int ow = 0, oh = 0;
    e.controls.outputSize.apply(src.width, src.height, ow, oh);
    SessionFrame f;
    f.index = frame.index;
    f.ptsMicros = frame.ptsMicros;
    f.captureNanos = frame.captureNanos;
    f.loopOffsetMicros = frame.loopOffsetMicros;
    f.isStylized = ok;
    f.stylizeMs = ok ? std::chrono::duration<double, std::milli>(Clock::now() - job.submitted).count() : 0;
    const bool atProcessingSize = ow == job.input->width && oh == job.input->height;
    f.stylized = ok ? finishOutput(job, std::move(stylized), ow, oh)
                    : (atProcessingSize ? std::move(stylized) : std::make_shared<Image8>(resampleImage(*stylized, ow, oh)));
    if (atProcessingSize) f.original = job.input;
    else if (ow == src.width && oh == src.height && e.controls.mirror == Mirror::Off)
        f.original = std::shared_ptr<const Image8>(job.item.frame, &frame.image);  // shares the source frame
    else f.original = std::make_shared<Image8>(resampleImage(*job.input, ow, oh));

    const double latencyMs = frame.captureNanos > 0 ? (steadyNowNanos() - frame.captureNanos) * 1e-6 : 0;
    std::vector<std::pair<std::string, StillSize>> stills;
    {
        std::lock_guard lock(mutex_);
        ++e.finished;
        ++e.windowFrames;
        e.stylizeMsTotal += f.stylizeMs;
        e.latencyMsTotal += latencyMs;
        stats_.framesOut = e.finished;
        stats_.stylizeMsLast = f.stylizeMs;
        stats_.stylizeMsAvg = e.stylizeMsTotal / double(e.finished);
        stats_.latencyMsLast = latencyMs;
        stats_.latencyMsAvg = e.latencyMsTotal / double(e.finished);
        stats_.outputWidth = ow;
        stats_.outputHeight = oh;
        const double window = std::chrono::duration<double>(Clock::now() - e.windowStart).count();
        if (window >= 1.0) {
            stats_.outputFps = double(e.windowFrames) / window;
            e.windowFrames = 0;
            e.windowStart = Clock::now();
        } else if (stats_.outputFps == 0 && e.finished > 1) {
            stats_.outputFps = double(e.windowFrames) / std::max(window, 1e-3);
        }
        stats_.elapsedSeconds = std::chrono::duration<double>(Clock::now() - e.start).count();
        lastFinished_ = f;
        auto keep = std::stable_partition(stillRequests_.begin(), stillRequests_.end(),
                                          [](const auto& r) { return r.second == StillSize::FullSource; });
        stills.assign(keep, stillRequests_.end());
        stillRequests_.erase(keep, stillRequests_.end());
    }
    for (const auto& [path, size] : stills) stills_.save(f.stylized, path);
    fanOut(f);
}

// Processing size -> output size, edge-aware (guided by the full-resolution input), then the
// input's colours if asked: the one output step for video frames and stills alike.
std::shared_ptr<const Image8> Session::finishOutput(const InFlight& job, std::shared_ptr<const Image8> stylized,
                                                    int ow, int oh) {
    const Engine& e = *engine_;
    const Image8& src = job.item.frame->image;
    const bool resize = ow != stylized->width || oh != stylized->height;
    if (!resize && !e.controls.preserveColors) return stylized;
    std::shared_ptr<const Image8> guideHolder;
    const Image8* guide = &src;
    if (e.controls.mirror == Mirror::On) {  // the guide must show what was stylized
        auto mirrored = std::make_shared<Image8>(src);
        mirrorInPlace(*mirrored);
        guideHolder = mirrored;
        guide = mirrored.get();
    }
    auto out = std::make_shared<Image8>();
    if (resize) {
        Status st = upsampleGuided(*stylized, *guide, ow, oh, *out);
        if (!st) *out = resampleImage(*stylized, ow, oh);
    } else {
        *out = *stylized;
    }
    if (e.controls.preserveColors) {
        if (guide->width == ow && guide->height == oh) preserveColors(*guide, *out);
        else preserveColors(resampleImage(*guide, ow, oh), *out);
    }
    return out;
}

void Session::fanOut(const SessionFrame& frame) {
    for (auto& c : consumersSnapshot()) c->consume(frame);
}

// A full-size still: the current source frame stylized at the source's own size, between frames.
void Session::handleFullSourceStills(const SourceItem& item) {
    std::vector<std::string> paths;
    {
        std::lock_guard lock(mutex_);
        auto keep = std::stable_partition(stillRequests_.begin(), stillRequests_.end(),
                                          [](const auto& r) { return r.second != StillSize::FullSource; });
        for (auto it = keep; it != stillRequests_.end(); ++it) paths.push_back(it->first);
        stillRequests_.erase(keep, stillRequests_.end());
    }
    if (paths.empty()) return;
    Engine& e = *engine_;
    drain();
    auto input = std::make_shared<Image8>(item.frame->image);
    if (e.controls.mirror == Mirror::On) mirrorInPlace(*input);
    auto out = std::make_shared<Image8>(input->width, input->height);
    Status st = e.stylizer && e.appliedMix ? e.stylizer->stylize(input->view(), out->view())
                                           : Status::error("no style is applied yet");
    for (const auto& p : paths) {
        if (st) stills_.save(out, p);
        else if (callbacks_.stillFailed) callbacks_.stillFailed(p, st);
    }
}

void Session::stylizeLoop() {
    pthread_setname_np(pthread_self(), "session-stylize");  // for perf, top and the session bench
    Engine& e = *engine_;
    {
        std::lock_guard lock(mutex_);
        e.controls = controls_;
        e.controlsSeen = controlsGeneration_;
    }
    ensureEngine();
    {
        std::lock_guard lock(mutex_);
        engineReady_ = true;
        if (stats_.backend.empty()) stats_.backend = "no stylizer";
    }
    stateCv_.notify_all();

    while (!stop_) {
        Controls c;
        uint64_t generation = 0;
        bool fullStills = false;
        {
            std::lock_guard lock(mutex_);
            c = controls_;
            generation = controlsGeneration_;
            for (const auto& r : stillRequests_) fullStills |= r.second == StillSize::FullSource;
        }
        if (generation != e.controlsSeen) {
            e.controlsSeen = generation;
            applyControls(c);
            // A paused video or a picture delivered once shows the change at once.
            if (lastItem_ && inFlight_.empty() && options_.mode == SessionMode::Live &&
                (source_->paused() || source_->ended()))
                prepareAndSubmit(*lastItem_);
        }
        pollBackendSwitch(c);
        if (fullStills && lastItem_) handleFullSourceStills(*lastItem_);

        const int depth = e.stylizer ? e.stylizer->framesInFlight() : 1;
        if (int(inFlight_.size()) < depth) {
            SourceItem item;
            bool got = false;
            if (inFlight_.empty()) {
                const auto w = channel_.pop(item, std::chrono::milliseconds(500));
                if (w == FrameChannel::Wait::Ended) {
                    if (options_.mode == SessionMode::File || stop_) break;
                    channel_.waitForActivity(std::chrono::milliseconds(500));
                    continue;
                }
                got = w == FrameChannel::Wait::Item;
            } else {
                got = channel_.tryPop(item);
            }
            if (got) {
                prepareAndSubmit(item);
                continue;
            }
        }
        if (!inFlight_.empty()) collectOldest();
    }
    if (!stop_ || options_.mode == SessionMode::File) drain();
    else inFlight_.clear();
    if (e.switching.valid()) e.switching.wait();
    {
        std::lock_guard lock(mutex_);
        ended_ = true;
        engineReady_ = true;
    }
    stateCv_.notify_all();
}

}  // namespace pastiche::session
