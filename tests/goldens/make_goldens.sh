#!/usr/bin/env bash
# Makes the test data that tests compare against: models fetched through `pastiche models fetch`
# (from ../shared when present), and reference outputs from TensorFlow Lite itself
# (../shared/tools/reference). Inputs are made with ffmpeg so the PNGs the CLI reads and the raw
# floats TFLite reads hold exactly the same pixels.
# Usage: make_goldens.sh OUTDIR   (env: PASTICHE_BIN, PASTICHE_SHARED)
set -euo pipefail
out=${1:?usage: make_goldens.sh OUTDIR}
bin=${PASTICHE_BIN:?PASTICHE_BIN must point at the pastiche binary}
shared=${PASTICHE_SHARED:-$(dirname "$0")/../../../shared}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/goldens" "$out/models"
g="$out/goldens"

PASTICHE_MODEL_SOURCE="$shared" "$bin" --models-dir "$out/models" models fetch

stamp=$(cat "$0" "$here/raw_float.py" | sha256sum | cut -c1-16)
if [ -f "$g/complete" ] && [ "$(cat "$g/complete")" = "$stamp" ]; then
  echo "goldens up to date in $g"; exit 0
fi
rm -f "$g/complete"

ref="$out/reference"
if [ ! -d "$ref/node_modules/@tensorflow/tfjs-tflite" ]; then
  rm -rf "$ref"; mkdir -p "$ref"
  cp "$shared/tools/reference/"{package.json,package-lock.json,tflite_run.js} "$ref/"
  (cd "$ref" && npm ci --no-audit --no-fund --loglevel=error)
fi

# name source_image size -> name.png and name.bin (float32 NHWC, RGB/255), center-cropped square
square() {
  ffmpeg -v error -y -i "$2" -vf "crop='min(iw,ih)':'min(iw,ih)',scale=$3:$3:flags=area" -frames:v 1 "$g/$1.png"
  ffmpeg -v error -y -i "$g/$1.png" -f rawvideo -pix_fmt rgb24 "$g/$1.rgb"
  python3 "$here/raw_float.py" "$g/$1.rgb" "$g/$1.bin"
}
square style256 "$shared/media/styles/udnie.jpg" 256
square style256_b "$shared/media/styles/towers_1916_sq.jpg" 256
square content384 "$shared/media/content/chicago.jpg" 384
square content256 "$shared/media/content/chicago.jpg" 256

run() { node "$ref/tflite_run.js" "$@" > "$g/$(basename "$2" .bin).log"; }
run "$out/models/style_predict_quantized_256.tflite" "$g/vec_tflite.bin" "$g/style256.bin"
run "$out/models/style_predict_quantized_256.tflite" "$g/vec_b_tflite.bin" "$g/style256_b.bin"
run "$out/models/style_transfer_f16_384.tflite" "$g/out384_tflite.bin" "$g/content384.bin" "$g/vec_tflite.bin"
run "$out/models/style_transfer_f16_384.tflite" "$g/out384_b_tflite.bin" "$g/content384.bin" "$g/vec_b_tflite.bin"
echo "$stamp" > "$g/complete"
echo "goldens written to $g"
