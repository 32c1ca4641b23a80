// The grid lock's policy constants, one place for both of its implementations: the host's
// (app/core/grid_lock.h, app/core/temporal_stabilizer.cpp, OpenCV) and the device's
// (engine/vulkan/grid_lock_op.h, shaders/lock_fit.comp, which takes them as specialization
// constants). Why each value is what it is: docs/QUALITY.md and the comments at their uses.
#pragma once

namespace pastiche::stability {

// Reflected margin around the frame on the network's canvas (pixels): the shift back has real
// network output at the borders.
inline constexpr int kMargin = 4;
// How far the scale may drift, and how far the frame may roll (radians), before the similarity
// lock moves its anchor to the current frame.
inline constexpr double kScaleRange = 0.08;
inline constexpr double kMaxAngle = 0.004;
// Frame-to-frame translations below this (pixels) are estimation noise on a still camera.
inline constexpr double kStillShift = 0.02;
// A frame-to-frame scale change or roll above these is followed by the similarity lock.
inline constexpr double kScaleStep = 3e-4, kAngleStep = 3e-4;
// Flow spread (std deviation, frame pixels) above which the motion is no global translation, and
// below which it is one again (hysteresis).
inline constexpr double kSpreadOff = 0.42, kSpreadOn = 0.32;
// Below this share of trusted pixels the flow has lost the scene: nothing is blended.
inline constexpr double kMinKeptFraction = 0.2;
// Sharpening after the shift back: 3 taps [-k, 1 + 2k, -k] per axis; the translation path's
// strength is kSharpenAtHalfPixel * sin^2(pi * phase), the similarity path's is fixed.
inline constexpr double kSharpenAtHalfPixel = 0.05;
inline constexpr double kSharpenScaled = 0.065;

// The device grid lock's trunk flow (shaders/lock_canvas_flow.comp): the frame's global motion plus
// its residual soft-thresholded by this (pixels, for a quarter-size frame flow; twice it for an
// eighth), which the patch flow's noise stays under.
inline constexpr double kCanvasFlowShrink = 0.5;

// The canvas side for a frame side: frame + 2 margins, rounded up to a multiple of 4.
constexpr int canvasSide(int frame) { return (frame + 2 * kMargin + 3) / 4 * 4; }

}  // namespace pastiche::stability
