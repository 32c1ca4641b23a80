// Stylizer's huge-frame path: a frame whose whole working set would pass tileAboveBytes() runs
// in tiles on the CPU backend (the only one that tiles), with the frame's own statistics, so the
// result is the whole-frame one (engine/tiled_run.h) in a bounded amount of memory.
#include "app/core/stylizer.h"
#include "engine/cpu/memory_budget.h"
#include "engine/tiled_run.h"

namespace pastiche {

bool Stylizer::needsTiles(int width, int height) {
    TransferBackend* cpu = backend_->supportsTiles() ? backend_.get() : tileBackend_.get();
    if (!cpu) {
        BackendOptions o;
        o.threads = options_.threads;
        auto created = createCpuBackend(*network_, o);
        if (!created) return false;  // the whole-frame run then reports what is wrong
        tileBackend_ = std::move(created).value();
        cpu = tileBackend_.get();
    }
    return cpu->workingSetBytes(width, height) > tileAboveBytes();
}

Status Stylizer::runInTiles(const ConstImageView& input, const ImageView& output) {
    TransferBackend& cpu = backend_->supportsTiles() ? *backend_ : *tileBackend_;
    if (&cpu != backend_.get()) PASTICHE_RETURN_IF_ERROR(cpu.setStyle(style_));
    const std::string frame = std::to_string(input.width) + "x" + std::to_string(input.height);
    const uint64_t limit = tileAboveBytes();
    if (notice_)
        notice_("stylizing " + frame + " in tiles on the CPU (the whole frame would need " +
                formatBytes(cpu.workingSetBytes(input.width, input.height)) + ", over the " + formatBytes(limit) +
                " tiling limit)");
    if (&cpu == backend_.get()) width_ = height_ = 0;  // it is reshaped to the tile size
    // The largest tiles within a quarter of the limit (the smallest when none fits): every tile
    // pays its halo and its share of the statistics passes, so fewer, larger tiles cost less
    // (512: 1.56x the pixels, 1536: 1.17x).
    TileOptions options;
    const int halo = tileHalo(*network_);
    uint64_t tileBytes = 0;
    for (int core : {2048, 1536, 1024, 768, 512, 256, 128}) {
        options.core = core;
        tileBytes = cpu.workingSetBytes(core + 2 * halo, core + 2 * halo);
        if (tileBytes <= limit / 4) break;
    }
    // What the still needs in tiles: its input and output frames and one tile's working set.
    const uint64_t frames = 2 * uint64_t(input.width) * uint64_t(input.height) * 3;
    PASTICHE_RETURN_IF_ERROR(checkMemoryBudget(frames + tileBytes, "a " + frame + " frame in tiles"));
    return runTiled(cpu, *network_, input, output, options).withContext("stylizing " + frame + " in tiles");
}

}  // namespace pastiche
