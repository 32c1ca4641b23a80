#!/usr/bin/env bash
# Bar 3 of issue 13: `pastiche live` throughput with and without the virtual camera (a consumer
# attached: GStreamer pipewiresrc ! fakesink), alternating runs so that load drifts on a shared
# machine hit both sides alike. Starts its own PipeWire under a temporary XDG_RUNTIME_DIR.
# Usage: tests/vcam/live_throughput.sh PASTICHE_BIN MODELS_DIR STYLE [SECONDS=20] [PAIRS=3] [SIZE=384]
set -euo pipefail
bin=$1 models=$2 style=$3 seconds=${4:-20} pairs=${5:-3} size=${6:-384}
dir=$(mktemp -d /tmp/pastiche-vcam-bench-XXXXXX)
mkdir -m 700 "$dir/run"
export XDG_RUNTIME_DIR=$dir/run PIPEWIRE_RUNTIME_DIR=$dir/run XDG_STATE_HOME=$dir/state XDG_CONFIG_HOME=$dir/config \
       HOME=$dir DBUS_SESSION_BUS_ADDRESS=unix:path=$dir/run/bus
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
dbus-daemon --session --nofork --nopidfile --address="$DBUS_SESSION_BUS_ADDRESS" >"$dir/dbus.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$dir/run/bus" ] && break; sleep 0.1; done
pipewire >"$dir/pipewire.log" 2>&1 & pids+=($!)
for _ in $(seq 200); do [ -S "$dir/run/pipewire-0" ] && break; sleep 0.1; done
wireplumber >"$dir/wireplumber.log" 2>&1 & pids+=($!)
for _ in $(seq 300); do timeout 5 pw-cli ls Metadata 2>/dev/null | grep -q '"default"' && break; sleep 0.1; done

run() {  # $1 = off | on
  local extra=() consumer=""
  if [ "$1" = on ]; then extra=(--virtual-camera pipewire); fi
  /usr/bin/time -f "%U %S" -o "$dir/live.time" "$bin" --models-dir "$models" live --test-pattern --size "$size" --backend cpu --seconds "$seconds" \
         --style "$style" "${extra[@]}" >"$dir/live.out" 2>"$dir/live.err" &
  local live=$!
  if [ "$1" = on ]; then
    for _ in $(seq 300); do timeout 5 pw-cli ls Node 2>/dev/null | grep -q 'node.name = "Pastiche"' && break; sleep 0.1; done
    gst-launch-1.0 -q pipewiresrc target-object=Pastiche ! video/x-raw,format=YUY2 ! fakesink >/dev/null 2>&1 &
    consumer=$!
  fi
  wait "$live"
  if [ -n "$consumer" ]; then kill "$consumer" 2>/dev/null || true; wait "$consumer" 2>/dev/null || true; fi
  # "fps, cpu-ms/frame (own)": wall throughput; CPU time (user+sys) of the whole live process per
  # stylized frame, start-up (model, PipeWire connection) included; and live's own count of its
  # process CPU time per stylized frame from the first stylized frame on (start-up excluded), which
  # load from other programs on a shared machine disturbs much less than the rate.
  local frames fps cpu own
  frames=$(sed -n 's/.*stylized \([0-9]*\) (.*/\1/p' "$dir/live.out")
  fps=$(sed -n 's/.*stylized [0-9]* (\([0-9.]*\) fps).*/\1/p' "$dir/live.out")
  cpu=$(awk '{print $1 + $2}' "$dir/live.time")
  own=$(sed -n 's/^cpu \([0-9.]*\) ms per stylized frame.*/\1/p' "$dir/live.out")
  echo "$fps fps, $(awk -v c="$cpu" -v f="$frames" 'BEGIN{printf "%.0f", 1000*c/f}') cpu-ms/frame (own ${own:-?})"
  grep -h "^virtual camera:" "$dir/live.out" >&2 || true
}
for i in $(seq "$pairs"); do
  off=$(run off); on=$(run on)
  echo "pair $i: live ${size}p cpu: off $off | virtual camera on, 1 consumer: $on"
done
