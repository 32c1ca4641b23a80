#!/usr/bin/env bash
# Issue 10, bar 5 (CPU): `pastiche live` at 384p on the CPU beside `pastiche bench` at the same
# processing size (682x384 for the 1280x720 test pattern), alternated in one run.
# Usage: bench/session_cpu.sh BUILD_DIR STYLE_IMAGE [ROUNDS=3] [SECONDS=20]
set -euo pipefail
build=$1 style=$2 rounds=${3:-3} seconds=${4:-20}
bin=$build/app/pastiche
export PASTICHE_MODELS=${PASTICHE_MODELS:-$build/testdata/models}
for r in $(seq "$rounds"); do
  bench=$("$bin" bench --backend cpu --size 682x384 --frames 60 --warmup 5 --json | sed -n 's/.*"fps":\([0-9.]*\).*/\1/p')
  # Stability 0 and the output at the processing size: the same work as the bench per frame.
  same=$("$bin" live --test-pattern --size 384 --output-size 384 --stability 0 --backend cpu --seconds "$seconds" \
         --style "$style" 2>/dev/null | sed -n 's/.*stylized [0-9]* (\([0-9.]*\) fps).*/\1/p')
  # What `live` does by default: stability 0.8, output at the source's 1280x720 (guided upscale).
  dflt=$("$bin" live --test-pattern --size 384 --backend cpu --seconds "$seconds" \
         --style "$style" 2>/dev/null | sed -n 's/.*stylized [0-9]* (\([0-9.]*\) fps).*/\1/p')
  echo "round $r: bench 682x384 ${bench} fps | live 384p ${same} fps (ratio $(awk -v a="$same" -v b="$bench" 'BEGIN{printf "%.3f", a/b}')) | live defaults ${dflt} fps"
done
