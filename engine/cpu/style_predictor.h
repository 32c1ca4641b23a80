// Runs the int8 style network (MobileNetV2 predictor) with TFLite's integer semantics and returns
// the 100-number style vector.
#pragma once

#include "engine/cpu/quantized_ops.h"
#include "engine/image.h"
#include "engine/status.h"
#include "engine/style_network.h"
#include "engine/transfer_network.h"

namespace pastiche {

// image: 256x256 RGB float 0..1 (already center-cropped and resized by the caller).
Result<StyleVector> predictStyle(const StyleNetwork& net, const ImageF& image);

// The same with a chosen requantization semantics (TFLite's own kernels or its XNNPACK delegate,
// which the reference build uses); threads = 0: all cores. For tests and triage.
Result<StyleVector> predictStyleWith(const StyleNetwork& net, const ImageF& image, quant::Requant mode, int threads = 0);

}  // namespace pastiche
