#!/bin/bash
# Issue 11 bar 1: warp error (../shared/tools/temporal/flicker.py) and sharpness of stabilized
# video against per-frame video (--stability 0), per clip and style. One JSON line per result in
# OUT/results.jsonl. Usage: measure_stability.sh CLIPS_DIR OUT_DIR [STABILITY] [FRAMES]
#   env DRIVER (default build/tests/pastiche_stabilize_video), STYLES, CLIPS, BACKEND (default cpu)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLIPDIR=$1; OUT=$2; S=${3:-0.8}; N=${4:-60}
DRIVER=${DRIVER:-build/tests/pastiche_stabilize_video}
SH=$HERE/../../../shared
STYLES=${STYLES:-"$SH/media/styles/La_forma.jpg $SH/media/styles/black_zigzag.jpg"}
CLIPS=${CLIPS:-"pan_stata zoom_chicago static_n5 shared_pan"}
mkdir -p "$OUT"
for c in $CLIPS; do
  for style in $STYLES; do
    s=$(basename "$style" .jpg)
    for stab in 0 "$S"; do
      o="$OUT/${c}__${s}__s${stab}.mp4"
      [ -s "$o" ] || nice "$DRIVER" "$CLIPDIR/$c.mp4" "$o" --style "$style" --stability "$stab" --frames "$N" --backend "${BACKEND:-cpu}" 2>>"$OUT/log.txt"
    done
    res=$(nice /usr/bin/python3 "$SH/tools/temporal/flicker.py" "$CLIPDIR/$c.mp4" "$OUT/${c}__${s}__s0.mp4" "$OUT/${c}__${s}__s${S}.mp4" --json)
    sharp=$(/usr/bin/python3 "$HERE/sharpness.py" "$OUT/${c}__${s}__s0.mp4" "$OUT/${c}__${s}__s${S}.mp4")
    echo "{\"clip\": \"$c\", \"style\": \"$s\", \"stability\": $S, \"flicker\": [$(echo "$res" | paste -sd,)], \"sharpness\": [$(echo "$sharp" | paste -sd,)]}" >>"$OUT/results.jsonl"
    echo "$c $s done"
  done
done
