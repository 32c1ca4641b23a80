// Huge stills in tiles that share the whole image's instance-norm statistics, so a 48-megapixel
// picture runs in a few hundred megabytes and shows no seams.
//
// Instance norm makes every output pixel depend on statistics of the whole frame, so tiles cannot
// simply be stylized apart. Here each normalised layer's statistics are gathered first, one layer
// at a time: every tile runs up to that layer's convolution (with the statistics already known
// for the layers before it) and adds the sums over its own region. With all statistics known, a
// last pass renders every tile. A tile's own region lies at least tileHalo() pixels from its cut
// sides, so it sees exactly what the untiled run sees; the result equals the untiled one up to the
// order of floating-point sums. The cost is several passes (about 8 for Magenta's network), the
// price of a working set bounded by the tile size instead of the image size.
#pragma once

#include <functional>

#include "engine/backend.h"

namespace pastiche {

struct TileOptions {
    int core = 512;  // side of a tile's own region (rounded to a multiple of 4, at least the halo)
};

// How far (full-resolution pixels) a wrong value at a tile's cut side reaches into its output:
// the sum of every layer's padding at its scale plus the stride-2 rounding, rounded up to 4.
int tileHalo(const TransferNetwork& net);

// Stylizes input (Rgb8) into output (Rgb8, same size) in tiles on a backend with supportsTiles();
// the backend is reshaped to the tile size. progress (0..1) is called after each tile run.
Status runTiled(TransferBackend& backend, const TransferNetwork& net, const ConstImageView& input,
                const ImageView& output, const TileOptions& options = {},
                const std::function<void(double)>& progress = {});

}  // namespace pastiche
