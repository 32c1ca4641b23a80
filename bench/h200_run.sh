#!/bin/bash
# Issue 14 device run (copied from the vk worktree's bench/h200_run.sh). Usage: bash .devdata/vk/run.sh MODE
set -o pipefail
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
mkdir -p /tmp/vvl && dpkg -x .devdata/vk/vulkan-validationlayers_*.deb /tmp/vvl
export VK_LAYER_PATH=/tmp/vvl/usr/share/vulkan/explicit_layer.d LD_LIBRARY_PATH=/tmp/vvl/usr/lib/x86_64-linux-gnu
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
cd .devdata/vk
export PASTICHE_VK_MODEL=$PWD/style_transfer_f16_384.tflite XDG_CACHE_HOME=/tmp/xdg
MODE=${1:-a}
summ() { grep -E "^\{" | python3 -c '
import json,sys
for l in sys.stdin:
    d=json.loads(l)
    if "startup_ms_empty_cache" in d: print("startup", l.strip()); continue
    print(d["coopmat_mode"], d["precision"], "%dx%d"%(d["width"],d["height"]), "pipelined %.3f ms (%.0f fps), sync %.3f, gpu %.3f"%(d["ms_per_frame"],d["fps"],d["sync_ms_per_frame"],d["gpu_ms_profiled"]))
    print("   ", " ".join("%.3f"%p["ms"] for p in d["profile"]))'; }
if [ "$MODE" = a ]; then
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
  chmod +x test_vulkan
  PASTICHE_VK_VALIDATION=1 timeout 200 ./test_vulkan --gtest_filter='VulkanCoopMat*:VulkanTest.ListsDevices:VulkanTest.WholeNetwork*:VulkanTest.EveryOp*' 2>&1 | tee $OUT/tests_cm.log | grep -E "OK \]|FAILED|Failure|dB|device|Expected|Which|validation|Skipped|skip" | head -70
  for m in 0 wide all; do
    PASTICHE_VK_COOPMAT=$m PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=384x384,1920x1080,3840x2160 PASTICHE_VK_BENCH_FRAMES=400 \
      timeout 100 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | tee -a $OUT/bench.log | summ
  done
  for t in 64x2 16x8 32x8 64x4; do
    PASTICHE_VK_CM_TW=${t%x*} PASTICHE_VK_CM_TH=${t#*x} PASTICHE_VK_COOPMAT=wide PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=1920x1080 PASTICHE_VK_BENCH_FRAMES=300 \
      timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | tee -a $OUT/sweep.log | summ | sed "s/^/tile $t /"
  done
  for c in 0 1; do
    rm -rf /tmp/su; __GL_SHADER_DISK_CACHE=$c PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_STARTUP=/tmp/su timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Startup 2>&1 | summ | sed "s/^/nv_disk_cache=$c /"
  done
  PASTICHE_VK_VALIDATION=1 timeout 150 ./test_vulkan --gtest_filter=-VulkanBench.* 2>&1 | tee $OUT/tests_all.log | tail -5
fi
if [ "$MODE" = b ]; then
  PASTICHE_VK_DUMP=net ./test_vulkan --gtest_filter=VulkanBench.Throughput >/dev/null 2>&1
  PYTHONUNBUFFERED=1 timeout ${PEER_TIMEOUT:-400} python3 torch_peer_cuda.py net . --frames 200 --sizes ${SIZES:-384x384,1920x1080,3840x2160} $PEER_ARGS 2>&1 | tee $OUT/peer.log | cut -c1-300
fi
