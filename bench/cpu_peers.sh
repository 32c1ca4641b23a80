#!/usr/bin/env bash
# CPU peers, side by side in one run at one size (issue 7): our engine (`pastiche bench --backend
# cpu`), the TensorFlow Lite reference (node tflite_run.js: 1 thread and TFL_THREADS=2) and a
# PyTorch CPU build of the same network from the same weights (bench/torch_transfer.py), then a
# table with our speed-up over each.
#
# Usage: bench/cpu_peers.sh [BUILD_DIR]     (default: build)
# Env:   SIZE (384)  THREADS (2)  FRAMES (30)  REPEAT (3: best of REPEAT runs for every peer)
#        TFL_TIMEOUT (90 s per TFLite run)
#        MODEL (the fast model, from ../shared or the models dir)  SHARED (../shared)
#        REF_DIR (a copy of ../shared/tools/reference with node_modules; made in /tmp if absent)
#        PYTHON (/usr/bin/python3: Debian's python3-torch)
# Numbers are only comparable within one run on an otherwise idle machine; the script says how
# busy the machine was (load average) next to the table.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
size=${SIZE:-384}
threads=${THREADS:-2}
frames=${FRAMES:-30}
repeat=${REPEAT:-3}
shared=${SHARED:-$src/../shared}
python=${PYTHON:-/usr/bin/python3}
pastiche=$build/app/pastiche
[ -x "$pastiche" ] || pastiche=$build/pastiche
[ -x "$pastiche" ] || { echo "cpu_peers: no pastiche binary under $build (build it first)" >&2; exit 1; }
model=${MODEL:-$shared/models/magenta/style_transfer_f16_384.tflite}
[ -f "$model" ] || { echo "cpu_peers: model $model not found (set MODEL)" >&2; exit 1; }
models_dir=$(dirname "$model")

work=$(mktemp -d /tmp/pastiche-peers.XXXXXX)
trap 'rm -rf "$work"' EXIT

# TFLite reference tool with its node_modules.
ref=${REF_DIR:-/tmp/pastiche-reference}
if [ ! -d "$ref/node_modules/@tensorflow/tfjs-tflite" ]; then
  mkdir -p "$ref"
  cp "$shared/tools/reference/"{package.json,package-lock.json,tflite_run.js} "$ref/"
  (cd "$ref" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

# Inputs: a textured content image and a style vector, raw float32.
"$python" - "$work" "$size" <<'PY'
import sys, numpy as np
d, n = sys.argv[1], int(sys.argv[2])
y, x = np.mgrid[0:n, 0:n].astype(np.float32)
img = np.stack([0.5 + 0.45 * np.sin(x * 0.05), 0.5 + 0.45 * np.sin(y * 0.07), ((x.astype(int) ^ y.astype(int)) & 255) / 255.0], -1)
img.astype("<f4").tofile(f"{d}/content.bin")
(0.5 + 0.5 * np.sin(np.arange(100, dtype=np.float32))).astype("<f4").tofile(f"{d}/vec.bin")
PY

# The same weights for PyTorch: dumped through our own reader (engine/tflite_reader.h), with
# gamma/beta computed for the style vector (engine computeStyleParams).
cat > "$work/dump.cpp" <<'CPP'
#include <cstdio>
#include <fstream>
#include "engine/tflite_reader.h"
using namespace pastiche;
int main(int argc, char** argv) {
    auto net = loadTransferNetwork(argv[1]);
    if (!net) { std::fprintf(stderr, "%s\n", net.status().message().c_str()); return 1; }
    StyleVector v;
    std::ifstream vf(argv[2], std::ios::binary);
    vf.read(reinterpret_cast<char*>(v.data()), sizeof(float) * v.size());
    if (!vf) { std::fprintf(stderr, "%s: need 100 floats\n", argv[2]); return 1; }
    const StyleParams p = computeStyleParams(net.value(), v);
    std::ofstream o(argv[3], std::ios::binary);
    auto i32 = [&](int x) { o.write(reinterpret_cast<const char*>(&x), 4); };
    auto f32 = [&](const std::vector<float>& a) { o.write(reinterpret_cast<const char*>(a.data()), std::streamsize(a.size() * 4)); };
    o.write("PSTW", 4);
    i32(int(net->layers.size()));
    for (size_t i = 0; i < net->layers.size(); ++i) {
        const TransferLayer& l = net->layers[i];
        for (int x : {l.kernel, l.stride, l.pad, l.inChannels, l.outChannels, int(l.upsampleBefore), int(l.hasNorm),
                      int(l.activation), int(l.residual)}) i32(x);
        f32(l.weights);
        f32(l.bias);
        if (l.hasNorm) {
            f32(p.gamma[i]);
            f32(p.beta[i]);
            o.write(reinterpret_cast<const char*>(&l.norm.epsilon), 4);
        }
    }
    return o ? 0 : 1;
}
CPP
libs=("$build/engine/libpastiche_engine.a" -lpthread)
[ -n "$(ls /usr/lib/*/libdnnl.so 2>/dev/null)" ] && libs+=(-ldnnl)
c++ -std=c++20 -O1 -I"$src" -I"$build/generated" "$work/dump.cpp" "${libs[@]}" -o "$work/dump"
"$work/dump" "$model" "$work/vec.bin" "$work/weights.bin"

best() { sort -g | head -1; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# Our engine.
ours_ms=$(for _ in $(seq "$repeat"); do
  "$pastiche" --models-dir "$models_dir" bench --backend cpu --size "$size" --threads "$threads" \
    --frames "$frames" --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["ms_per_frame"])'
done | best)
ours_dev=$("$pastiche" --models-dir "$models_dir" bench --backend cpu --size "$size" --threads "$threads" --frames 2 --json |
  "$python" -c 'import json,sys; j=json.load(sys.stdin); print(j["device"])')

# TFLite reference: its own median over TFL_RUNS after warm-up; best of REPEAT runs. It runs at the
# model's size (384); for other sizes only our engine and PyTorch run. A run that does not finish
# within TFL_TIMEOUT seconds counts as "n/a": with TFL_THREADS=2, tflite_run.js still loads the
# non-threaded wasm build, and XNNPACK then spins without finishing (the threaded build needs a
# browser Worker), so the reference has no two-thread figure on node.
tfl() {
  for _ in $(seq "$repeat"); do
    ms=$(TFL_THREADS=$1 TFL_RUNS=$frames timeout "${TFL_TIMEOUT:-90}" node "$ref/tflite_run.js" "$model" \
      "$work/out_tfl$1.bin" "$work/content.bin" "$work/vec.bin" 2>/dev/null |
      sed -n 's/.*infer time: median \([0-9.]*\) ms.*/\1/p' || true)
    [ -n "$ms" ] || break  # timed out: do not wait again
    echo "$ms"
  done | best
}
tfl1_ms=NA; tfl2_ms=NA
if [ "$size" = 384 ]; then
  tfl1_ms=$(tfl 1); [ -n "$tfl1_ms" ] || tfl1_ms=NA
  tfl2_ms=$(tfl 2); [ -n "$tfl2_ms" ] || tfl2_ms=NA
fi
[ -f "$work/out_tfl1.bin" ] && mv "$work/out_tfl1.bin" "$work/out_tfl.bin"

# PyTorch: median over FRAMES after warm-up, better of NCHW / channels_last; best of REPEAT runs.
cmp=(); [ -f "$work/out_tfl.bin" ] && cmp=(--compare "$work/out_tfl.bin")
torch_json=$(for _ in $(seq "$repeat"); do
  "$python" "$here/torch_transfer.py" "$work/weights.bin" --size "$size" --threads "$threads" --frames "$frames" \
    --input "$work/content.bin" "${cmp[@]}" --json 2>/dev/null
done | "$python" -c 'import json,sys; rs=[json.loads(l) for l in sys.stdin if l.strip()]; print(json.dumps(min(rs, key=lambda r: r["ms_per_frame"])))')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$python" - "$size" "$threads" "$ours_ms" "$ours_dev" "$tfl1_ms" "$tfl2_ms" "$torch_json" "$load_before" "$load_after" <<'PY'
import json, sys
size, threads, ours, dev, t1, t2, tj, lb, la = sys.argv[1:]
ours = float(ours); tj = json.loads(tj)
rows = [("pastiche cpu (" + dev + ")", threads, ours)]
if size == "384":
    for th, t in (("1", t1), ("2", t2)):
        rows.append(("TFLite reference (tflite_run.js, TFL_THREADS=" + th + ")", th, None if t == "NA" else float(t)))
rows.append((f"PyTorch {tj['version']} CPU ({tj['layout']})", str(tj["threads"]), tj["ms_per_frame"]))
print(f"Transfer network ('fast' model) at {size}x{size}, engine only; best of runs per peer")
print(f"| peer | threads | ms/frame | FPS | pastiche speed-up |")
print(f"| --- | ---: | ---: | ---: | ---: |")
for name, th, ms in rows:
    if ms is None:
        print(f"| {name} | {th} | n/a (did not finish) | | |")
    else:
        print(f"| {name} | {th} | {ms:.1f} | {1000/ms:.1f} | {ms/ours:.2f}x |")
if "max_abs_diff_vs_reference" in tj:
    print(f"(PyTorch peer vs TFLite output on the same input: max abs diff {tj['max_abs_diff_vs_reference']:.2g}: same network, same weights)")
print(f"(load average before / after: {lb} / {la})")
PY
