#!/usr/bin/env bash
# Sets everything up and runs the main job: stylizes the sample clip (../shared's 720p clip with
# sound, or the built-in test pattern where there is none) with a default style, printing FPS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
bash scripts/build.sh "$root/build"
bin="$root/build/app/pastiche"
# ../shared, when present, is the local model source (the installed program never looks there itself).
[ -d "$root/../shared/models" ] && export PASTICHE_MODEL_SOURCE=${PASTICHE_MODEL_SOURCE:-$root/../shared}
"$bin" models fetch
style="${PASTICHE_STYLE:-$("$bin" models list | awk '$1=="style:udnie"{print $5}')}"
mkdir -p "$root/out"
clip="$root/../shared/media/content/stata_pan_720p.mp4"
if [ -f "$clip" ]; then
  "$bin" stylize "$clip" -o "$root/out/stata_pan_stylized.mp4" --style "$style" --size 384
  echo "output: $root/out/stata_pan_stylized.mp4"
else
  "$bin" live --test-pattern --style "$style" --frames 240 --record "$root/out/test_pattern_stylized.mp4"
  echo "output: $root/out/test_pattern_stylized.mp4"
fi
