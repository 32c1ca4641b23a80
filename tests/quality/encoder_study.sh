#!/bin/bash
# Encoder settings vs stylized texture (docs/QUALITY.md): encodes raw stylized frames (rgb24, from
# pastiche_stabilize_video ... OUT.rgb) with libx264 at each crf / preset / pix_fmt and prints
# RGB PSNR against the raw frames and the bitrate. Usage: encoder_study.sh RAW.rgb WxH [FPS] [OUT_DIR]
set -euo pipefail
RAW=$1; SIZE=$2; FPS=${3:-30}; OUT=${4:-/tmp/pastiche-encoder-study}
mkdir -p "$OUT"
frames=$(( $(stat -c %s "$RAW") / ($(echo "$SIZE" | tr x '*') * 3) ))
echo "pix_fmt preset crf kbps psnr_rgb"
for pix in yuv420p yuv444p; do
  for preset in veryfast medium slow; do
    for crf in 0 12 16 18 20 23; do
      [ "$preset" != veryfast ] && [ "$crf" != 18 ] && [ "$crf" != 20 ] && continue
      o="$OUT/${pix}_${preset}_${crf}.mp4"
      nice ffmpeg -v error -y -f rawvideo -pix_fmt rgb24 -s "$SIZE" -r "$FPS" -i "$RAW" -c:v libx264 -preset "$preset" \
        -crf "$crf" -bf 0 -g 60 -pix_fmt "$pix" -colorspace smpte170m -color_primaries smpte170m -color_trc smpte170m \
        -color_range tv "$o"
      psnr=$(nice ffmpeg -v info -f rawvideo -pix_fmt rgb24 -s "$SIZE" -r "$FPS" -i "$RAW" -i "$o" -lavfi \
        "[1:v]scale=in_color_matrix=bt601:in_range=tv,format=rgb24[b];[0:v][b]psnr" -f null - 2>&1 |
        sed -n 's/.*average:\([0-9.inf]*\).*/\1/p' | tail -1)
      kbps=$(( $(stat -c %s "$o") * 8 * FPS / frames / 1000 ))
      echo "$pix $preset $crf $kbps $psnr"
    done
  done
done
