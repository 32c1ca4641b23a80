#!/usr/bin/env bash
# Makes the data that tests read, in two steps (two CTest fixtures, see tests/CMakeLists.txt):
#   inputs  models fetched through `pastiche models fetch` from ../shared, test images made with
#           ffmpeg (so the PNGs the CLI reads and the raw floats TFLite reads hold exactly the same
#           pixels), and our own style vector of the test style. Needs ../shared, no network.
#   tflite  reference outputs from TensorFlow Lite itself (../shared/tools/reference, whose
#           packages npm installs). Only the comparisons with TFLite need these.
# Usage: make_goldens.sh inputs|tflite OUTDIR   (env: PASTICHE_BIN, PASTICHE_SHARED)
set -euo pipefail
step=${1:?usage: make_goldens.sh inputs|tflite OUTDIR}
out=${2:?usage: make_goldens.sh inputs|tflite OUTDIR}
bin=${PASTICHE_BIN:?PASTICHE_BIN must point at the pastiche binary}
here=$(cd "$(dirname "$0")" && pwd)
shared=${PASTICHE_SHARED:-$here/../../../shared}
mkdir -p "$out/goldens" "$out/models"
g="$out/goldens"
fail() { echo "make_goldens ($step): $*" >&2; exit 1; }
[ -d "$shared/models" ] || fail "no shared data folder at $shared (set PASTICHE_SHARED)"

# name source_image size -> name.png and name.bin (float32 NHWC, RGB/255), center-cropped square
square() {
  ffmpeg -v error -y -i "$2" -vf "crop='min(iw,ih)':'min(iw,ih)',scale=$3:$3:flags=area" -frames:v 1 "$g/$1.png"
  ffmpeg -v error -y -i "$g/$1.png" -f rawvideo -pix_fmt rgb24 "$g/$1.rgb"
  python3 "$here/raw_float.py" rgb "$g/$1.rgb" "$g/$1.bin"
}

case "$step" in
inputs)
  PASTICHE_MODEL_SOURCE="$shared" "$bin" --models-dir "$out/models" models fetch \
    || fail "models fetch from $shared failed"
  stamp=$(cat "$0" "$here/raw_float.py" | sha256sum | cut -c1-16)
  if [ -f "$g/complete" ] && [ "$(cat "$g/complete")" = "$stamp" ]; then
    echo "test inputs up to date in $g"; exit 0
  fi
  rm -f "$g/complete"
  square style256 "$shared/media/styles/udnie.jpg" 256
  square style256_b "$shared/media/styles/towers_1916_sq.jpg" 256
  square content384 "$shared/media/content/chicago.jpg" 384
  square content256 "$shared/media/content/chicago.jpg" 256
  # A style vector for the tests that need any real one without comparing with TFLite.
  "$bin" --models-dir "$out/models" style-vector "$g/style256.png" -o "$g/vec_ours.txt" >/dev/null
  python3 "$here/raw_float.py" text "$g/vec_ours.txt" "$g/vec_ours.bin"
  echo "$stamp" > "$g/complete"
  echo "test inputs written to $g"
  ;;
tflite)
  [ -f "$g/complete" ] || fail "test inputs missing in $g (the make_testdata fixture runs first)"
  stamp=$(cat "$0" "$here/raw_float.py" | sha256sum | cut -c1-16)
  if [ -f "$g/tflite-complete" ] && [ "$(cat "$g/tflite-complete")" = "$stamp" ]; then
    echo "TFLite references up to date in $g"; exit 0
  fi
  rm -f "$g/tflite-complete"
  ref="$out/reference"
  if [ ! -d "$ref/node_modules/@tensorflow/tfjs-tflite" ]; then
    rm -rf "$ref"; mkdir -p "$ref"
    cp "$shared/tools/reference/"{package.json,package-lock.json,tflite_run.js} "$ref/"
    (cd "$ref" && npm ci --no-audit --no-fund --loglevel=error) \
      || fail "npm ci of the TFLite reference tool failed (registry ${npm_config_registry:-default} unreachable?); only the tests labelled 'tflite' need it"
  fi
  run() { node "$ref/tflite_run.js" "$@" > "$g/$(basename "$2" .bin).log" || fail "TFLite run for $2 failed"; }
  run "$out/models/style_predict_quantized_256.tflite" "$g/vec_tflite.bin" "$g/style256.bin"
  run "$out/models/style_predict_quantized_256.tflite" "$g/vec_b_tflite.bin" "$g/style256_b.bin"
  run "$out/models/style_transfer_f16_384.tflite" "$g/out384_tflite.bin" "$g/content384.bin" "$g/vec_tflite.bin"
  run "$out/models/style_transfer_f16_384.tflite" "$g/out384_b_tflite.bin" "$g/content384.bin" "$g/vec_b_tflite.bin"
  echo "$stamp" > "$g/tflite-complete"
  echo "TFLite references written to $g"
  ;;
*) fail "unknown step '$step' (inputs or tflite)" ;;
esac
