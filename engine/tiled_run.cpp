#include "engine/tiled_run.h"

#include <algorithm>
#include <cstring>

namespace pastiche {
namespace {

constexpr int kM = TransferNetwork::kSizeMultiple;

int roundUp(int v, int m) { return (v + m - 1) / m * m; }
int reflectIndex(int i, int n) { return i < n ? i : 2 * (n - 1) - i; }  // the size rule's right/bottom padding

// One axis of the tile grid over the padded side n: own ranges of `core`, windows of `window`.
struct Span {
    int own0, own1;  // own range, frame pixels
    int win0;        // window start; the window is `window` long
};

std::vector<Span> spans(int n, int core, int halo, int& window) {
    window = std::min(n, core + 2 * halo);
    std::vector<Span> out;
    for (int o = 0; o < n; o += core) {
        const int o1 = std::min(n, o + core);
        const int w0 = std::clamp(o - halo, 0, n - window);
        out.push_back({o, o1, w0});
    }
    return out;
}

}  // namespace

int tileHalo(const TransferNetwork& net) {
    int scale = 1, reach = 0;
    for (const TransferLayer& l : net.layers) {
        if (l.upsampleBefore) scale /= 2;
        reach += l.pad * scale;
        if (l.stride == 2) {
            scale *= 2;
            reach += scale;  // a stride-2 output cell covers `scale` pixels: round to it
        }
    }
    return roundUp(reach + 1, kM);
}

Status runTiled(TransferBackend& backend, const TransferNetwork& net, const ConstImageView& input,
                const ImageView& output, const TileOptions& options, const std::function<void(double)>& progress) {
    if (!backend.supportsTiles()) return Status::unsupported(backend.name() + " backend: tiled runs are not supported");
    if (input.format != PixelFormat::Rgb8 || output.format != PixelFormat::Rgb8)
        return Status::invalidArgument("tiled stylize: 8-bit RGB input and output only");
    if (input.width != output.width || input.height != output.height)
        return Status::invalidArgument("tiled stylize: input and output sizes differ");
    const int W = input.width, H = input.height;
    const int W4 = TransferNetwork::paddedSide(W), H4 = TransferNetwork::paddedSide(H);
    const int halo = tileHalo(net);
    const int core = std::max(roundUp(std::max(options.core, kM), kM), halo);
    int tw = 0, th = 0;
    const std::vector<Span> xs = spans(W4, core, halo, tw), ys = spans(H4, core, halo, th);
    PASTICHE_RETURN_IF_ERROR(backend.reshape(tw, th));

    std::vector<size_t> normLayers;
    for (size_t l = 0; l < net.layers.size(); ++l)
        if (net.layers[l].hasNorm) normLayers.push_back(l);
    const double totalRuns = double(xs.size() * ys.size() * (normLayers.size() + 1));
    double runs = 0;

    Image8 tileIn(tw, th), tileOut(tw, th);
    auto loadTile = [&](const Span& sx, const Span& sy) {
        for (int y = 0; y < th; ++y) {
            const auto* src = static_cast<const uint8_t*>(input.data) + size_t(reflectIndex(sy.win0 + y, H)) * input.stride();
            uint8_t* dst = tileIn.pixels.data() + size_t(y) * tw * 3;
            for (int x = 0; x < tw; ++x) std::memcpy(dst + size_t(x) * 3, src + size_t(reflectIndex(sx.win0 + x, W)) * 3, 3);
        }
    };
    auto ownRun = [](const Span& sx, const Span& sy) {
        TileRun r;
        r.ownX0 = sx.own0 - sx.win0, r.ownX1 = sx.own1 - sx.win0;
        r.ownY0 = sy.own0 - sy.win0, r.ownY1 = sy.own1 - sy.win0;
        return r;
    };

    std::vector<std::vector<double>> mean(net.layers.size()), variance(net.layers.size());
    std::vector<double> sum, sumSq;
    for (size_t l : normLayers) {
        const size_t C = size_t(net.layers[l].outChannels);
        std::vector<double> total(C, 0.0), totalSq(C, 0.0);
        double n = 0;
        for (const Span& sy : ys)
            for (const Span& sx : xs) {
                loadTile(sx, sy);
                TileRun r = ownRun(sx, sy);
                r.mean = &mean, r.variance = &variance;
                r.collectLayer = int(l);
                double count = 0;
                r.sum = &sum, r.sumSq = &sumSq, r.count = &count;
                PASTICHE_RETURN_IF_ERROR(backend.runTile(tileIn.view(), nullptr, r).withContext("tiled stylize"));
                for (size_t c = 0; c < C; ++c) total[c] += sum[c], totalSq[c] += sumSq[c];
                n += count;
                if (progress) progress(++runs / totalRuns);
            }
        mean[l].resize(C);
        variance[l].resize(C);
        for (size_t c = 0; c < C; ++c) {
            const NormMoments m = normMoments(total[c], totalSq[c], n);
            mean[l][c] = m.mean;
            variance[l][c] = m.variance;
        }
    }
    for (const Span& sy : ys)
        for (const Span& sx : xs) {
            loadTile(sx, sy);
            TileRun r = ownRun(sx, sy);
            r.mean = &mean, r.variance = &variance;
            ImageView outView = tileOut.view();
            PASTICHE_RETURN_IF_ERROR(backend.runTile(tileIn.view(), &outView, r).withContext("tiled stylize"));
            const int x1 = std::min(sx.own1, W), y1 = std::min(sy.own1, H);
            for (int y = sy.own0; y < y1; ++y)
                std::memcpy(static_cast<uint8_t*>(output.data) + size_t(y) * output.stride() + size_t(sx.own0) * 3,
                            tileOut.pixels.data() + (size_t(y - sy.win0) * tw + size_t(sx.own0 - sx.win0)) * 3,
                            size_t(x1 - sx.own0) * 3);
            if (progress) progress(++runs / totalRuns);
        }
    return Status::ok();
}

}  // namespace pastiche
