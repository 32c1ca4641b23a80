#include "app/core/temporal_stabilizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "app/core/global_motion.h"
#include "app/core/grid_lock.h"
#include "app/core/scene_cut.h"
#include "app/core/trunk_motion.h"
#include "engine/stability_policy.h"

namespace pastiche {
namespace {

using stability::kAngleStep, stability::kMinKeptFraction, stability::kScaleStep, stability::kSpreadOff,
    stability::kSpreadOn, stability::kStillShift;  // engine/stability_policy.h

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

cv::Mat wrap(const Image8& im) { return cv::Mat(im.height, im.width, CV_8UC3, const_cast<uint8_t*>(im.pixels.data())); }

}  // namespace

struct TemporalStabilizer::State {
    GridLock grid;
    SceneCutDetector cuts;
    TrunkMotion motion;
    cv::Size frameSize;
    bool havePrevious = false;
    bool globalMotion = true;   // grid lock on (see kSpreadOff)
    cv::Mat prevGray8;          // CV_8U, frame size: similarity motion
    cv::Mat prevCanvasQuarter;  // CV_8U, trunk-sized canvas: trunk flow
    TrunkShape trunk;
    bool haveTrunk = false;
    bool deviceTrunk = false;  // the history lives on the device (TransferBackend::setDeviceStability)
    bool deviceLock = false;   // ... and the grid lock too (DeviceStability::gridLock)
    bool noDeviceLock = false;  // the device could not take the lock at this size: the host keeps it
    std::vector<float> history, warped, weight, blended;
    Image8 canvasIn, canvasOut;

    // A scene cut on this frame's gray drops the history (the frame size kept), and the new shot's
    // first frame becomes the cut detector's reference.
    bool startOverAtCut(const cv::Mat& gray) {
        if (!cuts.isCut(gray)) return false;
        const cv::Size keep = frameSize;
        forget();
        frameSize = keep;
        cuts.isCut(gray);
        return true;
    }

    void forget() {
        grid.reset();
        cuts.reset();
        havePrevious = false;
        haveTrunk = false;
        globalMotion = true;
    }
};

TemporalStabilizer::TemporalStabilizer(StabilityOptions options)
    : options_(options), state_(std::make_unique<State>()) {}
TemporalStabilizer::~TemporalStabilizer() = default;
TemporalStabilizer::TemporalStabilizer(TemporalStabilizer&&) noexcept = default;
TemporalStabilizer& TemporalStabilizer::operator=(TemporalStabilizer&&) noexcept = default;

void TemporalStabilizer::reset() { state_->forget(); }

void TemporalStabilizer::setOptions(StabilityOptions options) { options_ = options; }

Status TemporalStabilizer::stylize(Stylizer& stylizer, const Image8& input, Image8& output) {
    if (input.empty()) return Status::error("stabilizer: empty frame");
    if (output.width != input.width || output.height != input.height) output = Image8(input.width, input.height);
    report_ = {};
    State& s = *state_;
    if (options_.strength <= 0) {
        s.forget();
        return stylizer.stylize(input.view(), output.view());
    }

    const bool gridLock = options_.measures != StabilityMeasures::TrunkBlendOnly;
    const bool trunkBlend = options_.measures != StabilityMeasures::GridLockOnly;
    if (input.width != s.frameSize.width || input.height != s.frameSize.height) s.noDeviceLock = false;
    if (gridLock && trunkBlend && stylizer.supportsDeviceStability() && !s.noDeviceLock)
        return stylizeOnDevice(stylizer, input, output);
    if (s.deviceLock) {  // the device had the lock's state (a backend switch): start again here
        s.forget();
        s.deviceLock = false;
    }

    auto t0 = std::chrono::steady_clock::now();
    const cv::Mat frame = wrap(input);
    if (frame.size() != s.frameSize) {
        s.forget();
        s.frameSize = frame.size();
    }
    cv::Mat gray8;
    cv::cvtColor(frame, gray8, cv::COLOR_RGB2GRAY);
    report_.sceneCut = s.startOverAtCut(gray8);

    // 1. Grid lock.
    const int reanchorsBefore = s.grid.reanchors();
    bool similarityStep = false;
    if (s.havePrevious && gridLock) {
        const SimilarityMotion sim = estimateSimilarity(s.prevGray8, gray8);
        if (sim.ok) report_.scaleStep = sim.scale;
        const bool zoomOrRoll = sim.ok && (std::abs(sim.scale - 1) > kScaleStep || std::abs(sim.angle) > kAngleStep);
        // A zoom or roll that most of the frame's tracked corners agree on (RANSAC) is global
        // motion, whatever the spread of the flow between canvases says (thin structures and
        // flat sky make DIS noisy).
        if (zoomOrRoll) s.globalMotion = true;
        if (s.globalMotion && zoomOrRoll) {
            s.grid.addSimilarity(sim.curToPrev, frame.size());
            similarityStep = true;
            report_.similarity = true;
        } else if (s.globalMotion) {
            // A translation: the corners' fit when it has one (the similarity's translation at
            // the frame's centre), else phase correlation + Lucas-Kanade.
            cv::Point2d d;
            if (sim.ok) {
                const cv::Point2d c(0.5 * (frame.cols - 1), 0.5 * (frame.rows - 1));
                d = c - applyAffine(sim.curToPrev, c);
            } else {  // the fallback works on floats; only it needs them
                cv::Mat prev, cur;
                s.prevGray8.convertTo(prev, CV_32F);
                gray8.convertTo(cur, CV_32F);
                d = estimateTranslation(prev, cur).shift;
            }
            // A still camera: estimation noise must not random-walk the canvas into resampling.
            if (std::abs(d.x) < kStillShift && std::abs(d.y) < kStillShift) d = {0, 0};
            s.grid.addMotion(d);
        }
    }
    const cv::Point2d g = s.grid.offset();
    report_.offsetX = g.x, report_.offsetY = g.y;
    const cv::Size canvas = GridLock::canvasSize(frame.size());
    if (s.canvasIn.width != canvas.width || s.canvasIn.height != canvas.height) {
        s.canvasIn = Image8(canvas.width, canvas.height);
        s.canvasOut = Image8(canvas.width, canvas.height);
    }
    cv::Mat canvasIn = wrap(s.canvasIn);
    s.grid.toCanvas(frame, canvasIn);

    report_.msGridLock = msSince(t0);

    // 2. Trunk blending where the backend has it: on the device when it can find the motion there
    // (neither flow nor history crosses to the host), else with the host's flow.
    t0 = std::chrono::steady_clock::now();
    Status st;
    cv::Mat canvasQuarter;
    // Grid lock only pays under a global translation (a zoom or local motion would just be
    // resampled twice): on while the scene's flow is uniform, with hysteresis. A similarity step
    // (a re-anchor included, which only a similarity step makes) moves the whole canvas: its flow
    // spread says nothing about local motion.
    auto followSpread = [&](double spread) {
        report_.reanchored = s.grid.reanchors() != reanchorsBefore;
        if (s.globalMotion && spread > kSpreadOff && !similarityStep) {
            s.globalMotion = false;
            s.grid.reset();
        } else if (!s.globalMotion && spread < kSpreadOn) {
            s.globalMotion = true;
        }
    };
    const float alpha = float(std::clamp(options_.strength, 0.0, 1.0) * StabilityOptions::kMaxTrunkWeight);
    if (trunkBlend && stylizer.supportsDeviceStability()) {
        DeviceStability device;
        device.strength = alpha;
        device.gateLevels = float(options_.gateLevels);
        device.minKeptFraction = float(kMinKeptFraction);
        device.restart = !(s.haveTrunk && s.havePrevious && s.deviceTrunk);
        DeviceStabilityReport found;
        st = stylizer.stylizeStabilized(s.canvasIn.view(), s.canvasOut.view(), device, found);
        report_.msNetwork = msSince(t0);
        if (st && found.valid && !device.restart) {
            report_.keptFraction = found.keptFraction;
            report_.flowSpread = found.spread;
            report_.trunkBlended = found.blended;
            followSpread(found.spread);
        }
        s.haveTrunk = st && found.valid;
        s.deviceTrunk = true;
    } else if (trunkBlend && stylizer.supportsTrunkBlending()) {
        if (s.deviceTrunk) s.haveTrunk = false;  // a backend switch: the history stayed on the device
        s.deviceTrunk = false;
        auto shape = stylizer.trunkShapeFor(canvas.width, canvas.height);
        if (!shape) return shape.status().withContext("stabilizer");
        const TrunkShape t = shape.value();
        if (t.width * 4 != canvas.width || t.height * 4 != canvas.height)
            return Status::error("stabilizer: trunk " + std::to_string(t.width) + "x" + std::to_string(t.height) +
                                 " is not a quarter of the canvas");
        if (t.width != s.trunk.width || t.height != s.trunk.height || t.channels != s.trunk.channels) {
            s.trunk = t;
            s.haveTrunk = false;
            s.history.assign(t.floats(), 0.f);
            s.warped.assign(t.floats(), 0.f);
            s.blended.assign(t.floats(), 0.f);
            s.weight.assign(size_t(t.width) * t.height, 0.f);
        }
        cv::Mat canvasGray;
        cv::cvtColor(canvasIn, canvasGray, cv::COLOR_RGB2GRAY);
        cv::resize(canvasGray, canvasQuarter, cv::Size(t.width, t.height), 0, 0, cv::INTER_AREA);
        TrunkBlend blend;
        blend.blendedOut = s.blended.data();
        if (s.haveTrunk && s.havePrevious) {
            TrunkMotionField field;
            try {
                field = s.motion.estimate(s.prevCanvasQuarter, canvasQuarter, options_.gateLevels);
            } catch (const cv::Exception&) {
                field = {};  // flow failed (a frame too small for DIS): this frame runs without history
            }
            report_.keptFraction = field.keptFraction;
            report_.flowSpread = field.spread;
            followSpread(field.spread);
            if (field.keptFraction >= kMinKeptFraction) {
                for (int y = 0; y < t.height; ++y) {
                    const float* c = field.confidence.ptr<float>(y);
                    for (int x = 0; x < t.width; ++x) s.weight[size_t(y) * t.width + x] = alpha * c[x];
                }
                warpFeatures(s.history.data(), field.flow, t.channels, s.warped.data());
                blend.previous = s.warped.data();
                blend.weight = s.weight.data();
                report_.trunkBlended = true;
            }
        }
        report_.msTrunkMotion = msSince(t0);
        t0 = std::chrono::steady_clock::now();
        st = stylizer.stylizeBlendingTrunk(s.canvasIn.view(), s.canvasOut.view(), blend);
        if (st) {
            s.history.swap(s.blended);
            s.haveTrunk = true;
        }
        report_.msNetwork = msSince(t0);
    } else {
        st = stylizer.stylize(s.canvasIn.view(), s.canvasOut.view());
        s.haveTrunk = false;
        report_.msNetwork = msSince(t0);
    }
    if (!st) return st.withContext("stabilizer");

    t0 = std::chrono::steady_clock::now();
    cv::Mat out = wrap(output);
    s.grid.fromCanvas(wrap(s.canvasOut), frame.size(), out);
    report_.msGridLock += msSince(t0);
    s.prevGray8 = gray8;
    s.prevCanvasQuarter = canvasQuarter;
    s.havePrevious = true;
    return Status::ok();
}

Status TemporalStabilizer::stylizeOnDevice(Stylizer& stylizer, const Image8& input, Image8& output) {
    // Everything on the device (DeviceStability::gridLock): the host only finds scene cuts, on a
    // quarter-size gray (a sixteenth of the frame's pixels), and keeps the report.
    State& s = *state_;
    auto t0 = std::chrono::steady_clock::now();
    const cv::Mat frame = wrap(input);
    if (frame.size() != s.frameSize || !s.deviceLock) {
        s.forget();
        s.frameSize = frame.size();
    }
    cv::Mat small, gray;
    cv::resize(frame, small, cv::Size(std::max(1, frame.cols / 4), std::max(1, frame.rows / 4)), 0, 0,
               cv::INTER_NEAREST);
    cv::cvtColor(small, gray, cv::COLOR_RGB2GRAY);
    report_.sceneCut = s.startOverAtCut(gray);
    report_.msGridLock = msSince(t0);

    t0 = std::chrono::steady_clock::now();
    DeviceStability device;
    device.strength = float(std::clamp(options_.strength, 0.0, 1.0) * StabilityOptions::kMaxTrunkWeight);
    device.gateLevels = float(options_.gateLevels);
    device.minKeptFraction = float(kMinKeptFraction);
    device.restart = !(s.havePrevious && s.deviceLock && s.deviceTrunk);
    device.gridLock = true;
    DeviceStabilityReport found;
    const Status st = stylizer.stylizeStabilized(input.view(), output.view(), device, found);
    report_.msNetwork = msSince(t0);
    if (!st) return st.withContext("stabilizer");
    s.deviceLock = true;
    s.deviceTrunk = true;
    s.havePrevious = found.valid && found.gridLock;  // else it ran plain (a tiny frame, a fallback)
    // The device refused the lock (its buffers at this size): the next frames take the host's
    // lock with the device's trunk blend, as before the device had a lock.
    if (!found.gridLock && stylizer.supportsDeviceStability()) s.noDeviceLock = true;
    s.haveTrunk = s.havePrevious;
    report_.trunkBlended = found.blended;
    if (!device.restart) {  // a first frame's flow is against no previous frame
        report_.keptFraction = found.keptFraction;
        report_.flowSpread = found.frameSpread;
    }
    report_.offsetX = found.offsetX;
    report_.offsetY = found.offsetY;
    report_.similarity = found.similarity;
    report_.reanchored = found.reanchored;
    report_.scaleStep = found.scaleStep;
    return Status::ok();
}

}  // namespace pastiche
