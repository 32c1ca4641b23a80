// Measurement driver for temporal stability, output size and colour preservation (docs/QUALITY.md):
// decodes a video with ffmpeg, runs the processing chain the session engine runs
//     input -> resampleImage (processing size) -> TemporalStabilizer -> upsampleGuided (output size)
//           -> preserveColors
// and encodes the result as `pastiche stylize` does (libx264 veryfast, crf 20, no B-frames, yuv420p,
// BT.601 limited range). With --bench it also times, in the same run and on the same frames, a
// second Stylizer without stability, and prints both (the stability cost, bar 2 of issue 11).
//
//   pastiche_stabilize_video IN.mp4 OUT.mp4 --style S.jpg [--stability 0.8] [--size WxH]
//       [--output-size WxH] [--preserve-colors] [--frames N] [--bench] [--threads N]
//       [--measures both|gridlock|trunk]          (OUT.rgb: raw rgb24 frames instead of H.264)
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "app/core/color_preserve.h"
#include "app/core/guided_upsample.h"
#include "app/core/model_loader.h"
#include "app/core/model_store.h"
#include "app/core/resample.h"
#include "app/core/style_source.h"
#include "app/core/stylizer.h"
#include "app/core/temporal_stabilizer.h"

using namespace pastiche;

namespace {

struct Args {
    std::string input, output, style, size, outputSize, measures = "both", backend = "cpu";
    double stability = StabilityOptions{}.strength;
    bool preserve = false, bench = false;
    int frames = -1, threads = 0;
};

bool parseSize(const std::string& s, int& w, int& h) { return std::sscanf(s.c_str(), "%dx%d", &w, &h) == 2 && w > 0 && h > 0; }

int fail(const std::string& m) {
    std::fprintf(stderr, "stabilize_video: %s\n", m.c_str());
    return 1;
}

bool probe(const std::string& path, int& w, int& h, std::string& fps) {
    const std::string cmd = "ffprobe -v error -select_streams v:0 -show_entries stream=width,height,r_frame_rate -of csv=p=0 '" + path + "'";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return false;
    char buf[256] = {};
    const bool ok = std::fgets(buf, sizeof buf, p) != nullptr;
    pclose(p);
    char rate[64] = {};
    if (!ok || std::sscanf(buf, "%d,%d,%63s", &w, &h, rate) != 3) return false;
    fps = rate;
    return true;
}

// Process CPU time, ms: steadier than wall time on a loaded machine (all threads counted).
double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string s = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (s == "--style") a.style = next();
        else if (s == "--stability") a.stability = std::atof(next().c_str());
        else if (s == "--size") a.size = next();
        else if (s == "--output-size") a.outputSize = next();
        else if (s == "--preserve-colors") a.preserve = true;
        else if (s == "--measures") a.measures = next();
        else if (s == "--bench") a.bench = true;
        else if (s == "--backend")
            a.backend = next();
        else if (s == "--frames") a.frames = std::atoi(next().c_str());
        else if (s == "--threads") a.threads = std::atoi(next().c_str());
        else if (a.input.empty()) a.input = s;
        else if (a.output.empty()) a.output = s;
        else return fail("unexpected argument " + s);
    }
    if (a.input.empty() || a.output.empty() || a.style.empty()) return fail("usage: IN OUT --style IMG [options]");
    int inW = 0, inH = 0;
    std::string fps;
    if (!probe(a.input, inW, inH, fps)) return fail("cannot probe " + a.input);
    int procW = inW, procH = inH, outW = inW, outH = inH;
    if (!a.size.empty() && !parseSize(a.size, procW, procH)) return fail("bad --size " + a.size);
    if (!a.outputSize.empty() && !parseSize(a.outputSize, outW, outH)) return fail("bad --output-size " + a.outputSize);

    auto net = loadTransferModel("", "fast");
    if (!net) return fail(net.status().message());
    StyleVectorSource styles(resolveModelsDir(""));
    auto style = styles.fromImageFile(a.style);
    if (!style) return fail(style.status().message());
    StylizerOptions options;
    auto backend = BackendSpec::parse(a.backend);
    if (!backend) return fail(backend.status().message());
    options.backend = backend.value();
    options.threads = a.threads;
    auto stylizer = Stylizer::create(net.value(), options);
    if (!stylizer) return fail(stylizer.status().message());
    Status st = stylizer.value()->setStyle(style.value());
    std::unique_ptr<Stylizer> plain;
    if (a.bench) {
        auto p = Stylizer::create(net.value(), options);
        if (!p) return fail(p.status().message());
        plain = std::move(p).value();
        if (st) st = plain->setStyle(style.value());
    }
    if (!st) return fail(st.message());
    StabilityOptions so;
    so.strength = a.stability;
    if (a.measures == "gridlock") so.measures = StabilityMeasures::GridLockOnly;
    else if (a.measures == "trunk") so.measures = StabilityMeasures::TrunkBlendOnly;
    else if (a.measures != "both") return fail("--measures both|gridlock|trunk");
    TemporalStabilizer stabilizer(so);

    const std::string dec = "ffmpeg -v error -nostdin -i '" + a.input + "' -map 0:v:0 -vsync passthrough -f rawvideo -pix_fmt rgb24 -";
    const std::string enc = "ffmpeg -v error -y -f rawvideo -pix_fmt rgb24 -s " + std::to_string(outW) + "x" +
                            std::to_string(outH) + " -r " + fps + " -i - -c:v libx264 -preset veryfast -crf 20 -bf 0 -g 60 "
                            "-pix_fmt yuv420p -colorspace smpte170m -color_range tv '" + a.output + "'";
    FILE* in = popen(dec.c_str(), "r");
    // OUT ending in .rgb: raw rgb24 frames, lossless (the encoder study in docs/QUALITY.md).
    const bool raw = a.output.size() > 4 && a.output.compare(a.output.size() - 4, 4, ".rgb") == 0;
    FILE* out = raw ? std::fopen(a.output.c_str(), "wb") : popen(enc.c_str(), "w");
    if (!in || !out) return fail("cannot start ffmpeg");
    Image8 frame(inW, inH), stylized, result;
    double msStable = 0, msPlain = 0, msGrid = 0, msFlow = 0, msNet = 0, cpuStable = 0, cpuPlain = 0;
    int n = 0, cuts = 0, blended = 0;
    double spread = 0;
    while ((a.frames < 0 || n < a.frames) && std::fread(frame.pixels.data(), 1, frame.pixels.size(), in) == frame.pixels.size()) {
        const Image8 proc = resampleImage(frame, procW, procH);
        if (plain) {
            Image8 ref(procW, procH);
            const auto t0 = std::chrono::steady_clock::now();
            const double c0 = cpuMs();
            st = plain->stylize(proc.view(), ref.view());
            if (n > 0) msPlain += msSince(t0), cpuPlain += cpuMs() - c0;  // the first frame reshapes: not timed
            if (!st) return fail(st.message());
        }
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpuMs();
        st = stabilizer.stylize(*stylizer.value(), proc, stylized);
        if (n > 0) msStable += msSince(t0), cpuStable += cpuMs() - c0;
        if (!st) return fail(st.message());
        if (std::getenv("PASTICHE_STAB_TRACE")) {
            const StabilizerFrameReport& r = stabilizer.lastFrame();
            std::fprintf(stderr,
                         "frame %d: cut %d similarity %d reanchored %d offset %.2f,%.2f spread %.2f kept %.2f trunk %d "
                         "scale %.6f\n",
                         n, r.sceneCut, r.similarity, r.reanchored, r.offsetX, r.offsetY, r.flowSpread, r.keptFraction,
                         r.trunkBlended, r.scaleStep);
        }
        cuts += stabilizer.lastFrame().sceneCut;
        spread += stabilizer.lastFrame().flowSpread;
        blended += stabilizer.lastFrame().trunkBlended;
        if (n > 0) {
            msGrid += stabilizer.lastFrame().msGridLock;
            msFlow += stabilizer.lastFrame().msTrunkMotion;
            msNet += stabilizer.lastFrame().msNetwork;
        }
        st = upsampleGuided(stylized, frame, outW, outH, result);
        if (!st) return fail(st.message());
        if (a.preserve) {
            const Image8 content = resampleImage(frame, outW, outH);
            preserveColors(content, result);
        }
        if (std::fwrite(result.pixels.data(), 1, result.pixels.size(), out) != result.pixels.size()) return fail("encoder pipe");
        ++n;
    }
    pclose(in);
    if (raw ? std::fclose(out) != 0 : pclose(out) != 0) return fail("writing " + a.output + " failed");
    std::fprintf(stderr, "%s: %d frames %dx%d -> %dx%d, stability %.2f, %d scene cuts, %d trunk-blended, mean flow spread %.2f px\n",
                 a.output.c_str(), n, procW, procH, outW, outH, a.stability, cuts, blended, spread / std::max(1, n - 1));
    if (a.bench && n > 1)
        std::printf("{\"frames\": %d, \"width\": %d, \"height\": %d, \"stability\": %.2f, \"ms_stable\": %.2f, \"ms_plain\": %.2f, "
                    "\"cost\": %.3f, \"ms_grid_lock\": %.2f, \"ms_trunk_motion\": %.2f, \"ms_network\": %.2f, "
                    "\"cpu_ms_stable\": %.2f, \"cpu_ms_plain\": %.2f, \"cpu_cost\": %.3f}\n",
                    n - 1, procW, procH, a.stability, msStable / (n - 1), msPlain / (n - 1), msStable / msPlain - 1.0,
                    msGrid / (n - 1), msFlow / (n - 1), msNet / (n - 1), cpuStable / (n - 1), cpuPlain / (n - 1),
                    cpuStable / cpuPlain - 1.0);
    return 0;
}
