#!/usr/bin/env bash
# Renders icons/<size>x<size>/pastiche.png from the same shapes as icons/scalable/pastiche.svg
# (ImageMagick's -draw, so no SVG delegate is needed). Run after changing the icon; the PNGs are
# committed.
set -euo pipefail
cd "$(dirname "$0")"
big=$(mktemp --suffix=.png)
trap 'rm -f "$big"' EXIT
# Drawn at 1024 (4x the SVG's 256 grid), then downscaled for smooth edges.
convert -size 1024x1024 xc:none \
  \( -size 960x960 gradient:'#2b3a67'-'#0f1626' \) -geometry +32+32 \
  -compose over -composite \
  \( -size 1024x1024 xc:black -fill white -draw "roundrectangle 32,32 991,991 192,192" \) \
  -alpha off -compose copy_opacity -composite \
  -compose over \
  -draw "scale 4,4 fill '#f3e9d2' path 'M128 44c-50 0-88 34-88 78 0 40 32 66 62 66 16 0 18-10 14-20-4-10 2-20 16-20h22c32 0 58-18 58-46 0-34-38-58-84-58z'" \
  -draw "scale 4,4 fill '#e63946' circle 92,100 105,100" \
  -draw "scale 4,4 fill '#f4a261' circle 128,80 141,80" \
  -draw "scale 4,4 fill '#2a9d8f' circle 166,92 179,92" \
  -draw "scale 4,4 fill '#457b9d' circle 178,130 190,130" \
  -draw "scale 4,4 fill '#8d5fd3' circle 86,142 98,142" \
  -fill none -stroke '#ffd166' -strokewidth 56 -draw "stroke-linecap round path 'M160 856c160-104 352-120 512-72 88 28 152 24 208-16'" \
  "$big"
for s in 16 32 48 64 128 256; do
  mkdir -p "icons/${s}x${s}"
  convert "$big" -filter Lanczos -resize "${s}x${s}" -strip "icons/${s}x${s}/pastiche.png"
done
