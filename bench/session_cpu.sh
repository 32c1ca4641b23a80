#!/usr/bin/env bash
# Issue 10, bar 5 (CPU): `pastiche live` at 384p on the CPU beside `pastiche bench` at the same
# processing size (682x384 for the 1280x720 test pattern), alternated in one run. Besides the
# frame rates, each side's process CPU time per frame (all threads; from the first stylized frame
# for live, over the timed frames for bench): on a machine shared with other work the rates swing
# with the load, the CPU time per frame much less, and its ratio is what live adds to the work.
# Usage: bench/session_cpu.sh BUILD_DIR STYLE_IMAGE [ROUNDS=3] [SECONDS=20]
set -euo pipefail
build=$1 style=$2 rounds=${3:-3} seconds=${4:-20}
bin=$build/app/pastiche
export PASTICHE_MODELS=${PASTICHE_MODELS:-$build/testdata/models}
for r in $(seq "$rounds"); do
  json=$("$bin" bench --backend cpu --size 682x384 --frames 60 --warmup 5 --json)
  bench=$(sed -n 's/.*"fps":\([0-9.]*\).*/\1/p' <<<"$json")
  benchCpu=$(sed -n 's/.*"cpu_ms_per_frame":\([0-9.]*\).*/\1/p' <<<"$json")
  # Stability 0 and the output at the processing size: the same work as the bench per frame.
  out=$("$bin" live --test-pattern --size 384 --output-size 384 --stability 0 --backend cpu --seconds "$seconds" \
        --style "$style" 2>/dev/null)
  same=$(sed -n 's/.*stylized [0-9]* (\([0-9.]*\) fps).*/\1/p' <<<"$out")
  sameCpu=$(sed -n 's/^cpu \([0-9.]*\) ms per stylized frame.*/\1/p' <<<"$out")
  # What `live` does by default: stability 0.8, output at the source's 1280x720 (guided upscale).
  dflt=$("$bin" live --test-pattern --size 384 --backend cpu --seconds "$seconds" \
         --style "$style" 2>/dev/null | sed -n 's/.*stylized [0-9]* (\([0-9.]*\) fps).*/\1/p')
  printf 'round %s: bench 682x384 %.2f fps, %.1f cpu-ms/frame | live 384p %s fps, %s cpu-ms/frame | ratio fps %s, cpu %s | live defaults %s fps\n' \
    "$r" "$bench" "$benchCpu" "$same" "$sameCpu" \
    "$(awk -v a="$same" -v b="$bench" 'BEGIN{printf "%.3f", a/b}')" \
    "$(awk -v a="$sameCpu" -v b="$benchCpu" 'BEGIN{printf "%.3f", b/a}')" "$dflt"
done
