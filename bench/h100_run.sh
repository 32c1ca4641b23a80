#!/bin/bash
# Device-machine run: tests, Vulkan bench, PyTorch peer. Logs under $OUT.
# How to use: in the repo root, copy into .devdata/ (ignored by git) a test_vulkan built here
# (build/tests/test_vulkan), the model style_transfer_f16_384.tflite, the goldens content384.bin,
# vec_tflite.bin, out384_tflite.bin, the weight dump `net.f32`/`net.txt` made by
# `PASTICHE_VK_DUMP=net test_vulkan --gtest_filter=VulkanBench.*`, and the
# vulkan-validationlayers .deb; fetch the loader debs into .gl/ (see the device tool's notes).
# Then run on the GPU machine, carrying .gl and .devdata:
#   PEER_ARGS=--compile PEER_TIMEOUT=300 bash bench/h100_run.sh all
set -o pipefail
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
mkdir -p /tmp/vvl && dpkg -x .devdata/vulkan-validationlayers_*.deb /tmp/vvl
export VK_LAYER_PATH=/tmp/vvl/usr/share/vulkan/explicit_layer.d LD_LIBRARY_PATH=/tmp/vvl/usr/lib/x86_64-linux-gnu
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
python3 -c "import torch; print('torch', torch.__version__)" | tee -a $OUT/env.log
cd .devdata
export PASTICHE_VK_MODEL=$PWD/style_transfer_f16_384.tflite
MODE=${1:-all}
if [ "$MODE" = all ] || [ "$MODE" = tests ]; then
  timeout 240 ./test_vulkan 2>&1 | tee $OUT/tests.log | grep -E "OK|FAIL|Failure|actual|dB|device|Expected" | head -60
fi
if [ "$MODE" = all ] || [ "$MODE" = bench ]; then
  PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH=${SIZES:-384x384,1280x720,1920x1080} PASTICHE_VK_BENCH_FRAMES=${FRAMES:-500} \
    timeout 200 ./test_vulkan --gtest_filter=VulkanBench.* 2>&1 | tee $OUT/bench.log | grep -E "^\{" | python3 -c '
import json,sys
for l in sys.stdin:
    d=json.loads(l); print(d["precision"], "%dx%d"%(d["width"],d["height"]), "pipelined %.3f ms (%.0f fps), sync %.3f ms, gpu %.3f ms"%(d["ms_per_frame"],d["fps"],d["sync_ms_per_frame"],d["gpu_ms_profiled"]))
    print("   ", " ".join("%s=%.3f"%(p["layer"].split("/")[-2][-3:]+"/"+p["layer"].split("/")[-1] if "/" in p["layer"] else p["layer"][:6],p["ms"]) for p in d["profile"]))'
fi
if [ "$MODE" = all ] || [ "$MODE" = peer ]; then
  PYTHONUNBUFFERED=1 timeout ${PEER_TIMEOUT:-240} python3 ../bench/torch_peer_cuda.py net . --frames ${PEER_FRAMES:-200} $PEER_ARGS 2>&1 | tee $OUT/peer.log | cut -c1-260
fi
