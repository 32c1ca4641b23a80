#!/bin/bash
# Issue 14 H200 run: Vulkan tests (validation on), bench per PASTICHE_VK_COOPMAT mode, startup
# (pipeline cache), PyTorch peer. Runs from the repo root of the checkout the device tool sends, with
# this script and its files in .devdata/vk/ (git-ignored) and the loader debs in .gl/, both carried:
#   .devdata/vk/: this script as run.sh, test_vulkan (see below), style_transfer_f16_384.tflite,
#     td/goldens/ holding the goldens content384.bin vec_tflite.bin out384_tflite.bin and the stamp
#     tflite-complete (from build/testdata/goldens; test_vulkan reads them through PASTICHE_TEST_DATA),
#     bench/torch_peer_cuda.py,
#     vulkan-validationlayers_*.deb (apt-get download vulkan-validationlayers)
#   test_vulkan without OpenCV (the GPU machine has none; test_stylizer_fallback.cpp and
#   test_stabilizer_vulkan.cpp need app_core):
#     cd build && c++ -O3 tests/CMakeFiles/test_vulkan.dir/{vulkan/test_vulkan_backend,vulkan/test_vulkan_coopmat,vulkan/test_vulkan_stability,\
#       vulkan/test_host_copy,vulkan/vulkan_bench,vulkan/vulkan_test_util,support/test_support}.cpp.o -o OUT/test_vulkan \
#       /usr/lib/x86_64-linux-gnu/libgtest_main.a engine/vulkan/libpastiche_vulkan.a \
#       /usr/lib/x86_64-linux-gnu/libgtest.a -lvulkan shaders/libpastiche_shaders.a engine/libpastiche_engine.a \
#       -lcrypto -pthread     (before 12-04: /usr/lib/x86_64-linux-gnu/libdnnl.so instead of -lcrypto)
# Usage (device tool, carry [".devdata", ".gl"]): bash .devdata/vk/run.sh final|verify|dev|b|s7b|s7c|s7d
# (dev: tests of the packed coopmat variants + per-layer bench of packing off vs on.)
source bench/h200_env.sh
cd .devdata/vk
MODE=${1:-a}
summ() { grep -E "^\{" | python3 -c '
import json,sys
for l in sys.stdin:
    d=json.loads(l)
    if "startup_ms_empty_cache" in d: print("startup", l.strip()); continue
    print(d["coopmat_mode"], d["precision"], "%dx%d"%(d["width"],d["height"]), "pipelined %.3f ms (%.0f fps), sync %.3f, gpu %.3f"%(d["ms_per_frame"],d["fps"],d["sync_ms_per_frame"],d["gpu_ms_profiled"]))
    print("   ", " ".join("%.3f"%p["ms"] for p in d["profile"]))'; }
if [ "$MODE" = verify ]; then  # the committed defaults: coopmat k3, norm on load into coopmat convs
  chmod +x test_vulkan
  PASTICHE_VK_VALIDATION=1 timeout 60 ./test_vulkan --gtest_filter='VulkanCoopMat*:VulkanTest.WholeNetwork*:VulkanTest.NormOnLoad*:VulkanTest.EveryOpFp16*' 2>&1 | tee $OUT/tests.log | grep -E "OK \]|FAILED|Failure|whole|Expected|Which|validation|PASSED|cache" | cut -c1-200
  PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=384x384,1920x1080,3840x2160 PASTICHE_VK_BENCH_FRAMES=400 \
    timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | tee $OUT/bench.log | summ
fi
bench() {  # bench LABEL SIZES FRAMES [env...]: per-layer profile (conv dispatch split) of one configuration
  local label=$1 sizes=$2 frames=$3; shift 3
  env "$@" PASTICHE_VK_PROFILE_CONV=1 PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=$sizes \
    PASTICHE_VK_BENCH_FRAMES=$frames timeout 100 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 |
    tee -a $OUT/bench.log | summ | sed "s/^/$label /"
}
if [ "$MODE" = dev ]; then
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
  chmod +x test_vulkan
  for f in 'VulkanCoopMat*' 'VulkanTest.ListsDevices:VulkanTest.WholeNetwork*:VulkanTest.EveryOp*'; do
    PASTICHE_VK_VALIDATION=1 timeout 200 ./test_vulkan --gtest_filter="$f" 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|dB|device|Expected|Which|validation|Skipped|shapes" | cut -c1-260
  done
  bench old_k3 384x384,1920x1080,3840x2160 300 PASTICHE_VK_COOPMAT=k3 PASTICHE_VK_CM_PACK=0
  bench pack_all 384x384,1920x1080,3840x2160 300 PASTICHE_VK_COOPMAT=all PASTICHE_VK_CM_PACK=1
  bench pack_k3 1920x1080 300 PASTICHE_VK_COOPMAT=k3 PASTICHE_VK_CM_PACK=1
fi
if [ "$MODE" = dev2 ]; then  # download queue; entry-per-invocation tile loads, B hoisting, sub-pixel rows, 9x9 packings, tiles
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
  chmod +x test_vulkan
  PASTICHE_VK_VALIDATION=1 timeout 200 ./test_vulkan --gtest_filter='VulkanTflite*:VulkanTest.PipelinedMatchesRunAndReshapeWorks:VulkanTest.Rgb8*' 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|dB|Expected|Which|validation|Skipped" | cut -c1-200
  PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_BHOIST=1 PASTICHE_VK_CM_SUB_TH=8 PASTICHE_VK_VALIDATION=1 timeout 200 ./test_vulkan --gtest_filter='VulkanCoopMat*' 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|Expected|Which|validation|Skipped" | cut -c1-200
  bench k3 384x384,1920x1080,3840x2160 300
  bench k3_onequeue 1920x1080,3840x2160 300 PASTICHE_VK_DOWNLOAD_QUEUE=0
  bench loade 384x384,1920x1080 300 PASTICHE_VK_CM_LOADE=1
  bench hoist 1920x1080 300 PASTICHE_VK_CM_BHOIST=1
  bench loade_hoist 384x384,1920x1080 300 PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_BHOIST=1
  bench loade_subth8 1920x1080 300 PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_SUB_TH=8
  bench all_loade 1920x1080 300 PASTICHE_VK_COOPMAT=all PASTICHE_VK_CM_LOADE=1
  bench all_loade_pix0 1920x1080 300 PASTICHE_VK_COOPMAT=all PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_PIX=0
  bench all_loade_hoist 1920x1080 300 PASTICHE_VK_COOPMAT=all PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_BHOIST=1
  for t in 16x8 64x2 16x4; do bench loade_tile$t 384x384,1920x1080 300 PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_TW=${t%x*} PASTICHE_VK_CM_TH=${t#*x}; done
  bench loade_nsg8_64x4 384x384,1920x1080 300 PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_NSG=8 PASTICHE_VK_CM_TW=64 PASTICHE_VK_CM_TH=4
  bench loade_nsg8_32x8 1920x1080 300 PASTICHE_VK_CM_LOADE=1 PASTICHE_VK_CM_NSG=8 PASTICHE_VK_CM_TW=32 PASTICHE_VK_CM_TH=8
  bench k3_again 1920x1080 300
fi
if [ "$MODE" = dev3 ] || [ "$MODE" = final2 ]; then  # the committed defaults: tests, bench, before/after switches
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
  chmod +x test_vulkan
  # One process per suite: the NVIDIA ICD failed vkCreateInstance after ~100 instances in one process.
  # The coopmat suite in four processes: the NVIDIA ICD refuses vkCreateInstance after ~28 of its
  # backends in one (12-04 final2: every coopmat test after the aliased-staging one failed so).
  for f in 'VulkanTest.*' 'VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.Scalar*' 'VulkanCoopMatTest.AliasedStaging*' \
      'VulkanCoopMatTest.PlainStaging*' 'VulkanCoopMatTest.NarrowHalf2*:VulkanCoopMatTest.WholeNetwork*:VulkanCoopMatTest.PipelineCache*' \
      'VulkanTflite*:HostCopier*'; do
    PASTICHE_VK_VALIDATION=1 timeout 150 ./test_vulkan --gtest_filter="$f" 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|dB|Expected|Which|validation|Skipped|PASSED|cache" | cut -c1-230
  done
  bench default 384x384,1920x1080,3840x2160 400
  bench copy0 3840x2160 200 PASTICHE_VK_COPY_THREADS=0
  bench before 384x384,1920x1080,3840x2160 300 PASTICHE_VK_COOPMAT=k3 PASTICHE_VK_CM_PACK=0 PASTICHE_VK_CM_LOADE=0 PASTICHE_VK_CM_TW=32 PASTICHE_VK_CM_TH=4 PASTICHE_VK_DOWNLOAD_QUEUE=0 PASTICHE_VK_COPY_THREADS=0
  bench scalar 1920x1080 300 PASTICHE_VK_COOPMAT=0
fi
if [ "$MODE" = final2 ]; then  # + the PyTorch peer (torch.compile max-autotune) in the same run
  PASTICHE_VK_DUMP=net ./test_vulkan --gtest_filter=VulkanBench.Throughput >/dev/null 2>&1
  PYTHONUNBUFFERED=1 timeout ${PEER_TIMEOUT:-300} python3 torch_peer_cuda.py net td/goldens --frames 200 --sizes ${SIZES:-1920x1080,384x384,3840x2160} --compile --compile-only 2>&1 | tee $OUT/peer.log | cut -c1-330
fi
if [ "$MODE" = final ]; then
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
  chmod +x test_vulkan
  # One process per suite: the NVIDIA ICD failed vkCreateInstance after ~100 instances in one process.
  for f in 'VulkanTest.*' 'VulkanCoopMat*' 'StylizerFallback.*'; do
    PASTICHE_VK_VALIDATION=1 timeout 100 ./test_vulkan --gtest_filter="$f" 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|dB|device |Expected|Which|validation|Skipped|PASSED|cache" | cut -c1-230
  done
  for m in 0 wide k3 all; do
    PASTICHE_VK_PROFILE_CONV=1 PASTICHE_VK_COOPMAT=$m PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=384x384,1920x1080,3840x2160 PASTICHE_VK_BENCH_FRAMES=400 \
      timeout 100 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | tee -a $OUT/bench.log | summ
  done
  PASTICHE_VK_PROFILE_CONV=1 PASTICHE_VK_FUSE_NORM=0 PASTICHE_VK_COOPMAT=k3 PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=1920x1080 PASTICHE_VK_BENCH_FRAMES=300 \
      timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | tee -a $OUT/bench.log | summ | sed "s/^/nofuse /"
  PASTICHE_VK_CM_TW=16 PASTICHE_VK_CM_TH=8 PASTICHE_VK_PROFILE_CONV=1 PASTICHE_VK_COOPMAT=all PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=1920x1080 PASTICHE_VK_BENCH_FRAMES=300 \
      timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | tee -a $OUT/bench.log | summ | sed "s/^/tile16x8 /"
  PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp32 PASTICHE_VK_BENCH=1920x1080 PASTICHE_VK_BENCH_FRAMES=300 \
      timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | tee -a $OUT/bench.log | summ
  for c in 0 1; do
    rm -rf /tmp/su; __GL_SHADER_DISK_CACHE=$c PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_STARTUP=/tmp/su timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Startup 2>&1 | tee -a $OUT/bench.log | summ | sed "s/^/nv_disk_cache=$c /"
  done
  PASTICHE_VK_DUMP=net ./test_vulkan --gtest_filter=VulkanBench.Throughput >/dev/null 2>&1
  PYTHONUNBUFFERED=1 timeout ${PEER_TIMEOUT:-300} python3 torch_peer_cuda.py net td/goldens --frames 200 --sizes ${SIZES:-1920x1080,384x384,3840x2160} --compile 2>&1 | tee $OUT/peer.log | cut -c1-330
fi
if [ "$MODE" = s7b ] || [ "$MODE" = s7c ]; then  # session 7: fp16x2 last 9x9, aliased accumulator staging
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
  chmod +x test_vulkan
  # One process per group: the NVIDIA ICD failed vkCreateInstance after ~100 instances in one process.
  t() { PASTICHE_VK_VALIDATION=1 timeout 200 "$@" 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|Expected|Which|validation|Skipped|PASSED|whole|fp16x2 h2_9x9_8to3_norm.*161x97|alias=1 pack=1 (magenta|residual).*401" | cut -c1-250; }
  if [ "$MODE" = s7b ]; then  # (run 2: the switches before they became defaults)
    ON="PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_CM_ALIAS=1"; OFF="PASTICHE_VK_NARROW_H2=0 PASTICHE_VK_CM_ALIAS=0"
  else  # s7c: the new defaults are in the code (aliased staging, the last 9x9 on tensor cores, 16-row residual tiles)
    ON=""; OFF="PASTICHE_VK_CM_ALIAS=0"
  fi
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.NarrowHalf2*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.AliasedStaging*'
  t env $ON ./test_vulkan --gtest_filter='VulkanCoopMatTest.WholeNetwork*:VulkanTflite*:VulkanCoopMatTest.Packed*'
  t env $ON ./test_vulkan --gtest_filter='VulkanTest.*'
  t env $ON ./test_vulkan --gtest_filter='VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.Scalar*:VulkanCoopMatTest.PipelineCache*'
  bench before 384x384,1920x1080,3840x2160 300 $OFF
  bench after 384x384,1920x1080,3840x2160 300 $ON
  if [ "$MODE" = s7b ]; then
    bench h2 1920x1080 300 PASTICHE_VK_NARROW_H2=1
    bench h2_nofuse 1920x1080 300 PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_H2_FUSE=0
    for k in FLUSH=1 FLUSH=9 ICC=4 LY=16,ICC=4 PX=4 PX=4,LY=16,ICC=4 PX=16,LX=8 LX=32,LY=4 LX=8,LY=8; do  # (8, 16x8, 8 then)
      bench h2_$k 1920x1080 300 PASTICHE_VK_NARROW_H2=1 $(echo $k | tr ',' '\n' | sed 's/^/PASTICHE_VK_H2_/')
    done
    bench alias 1920x1080 300 PASTICHE_VK_CM_ALIAS=1
    bench alias_16x16 1920x1080 300 PASTICHE_VK_CM_ALIAS=1 PASTICHE_VK_CM_TW=16 PASTICHE_VK_CM_TH=16
    bench alias_32x8 1920x1080 300 PASTICHE_VK_CM_ALIAS=1 PASTICHE_VK_CM_TW=32 PASTICHE_VK_CM_TH=8
    bench alias_sub8 1920x1080 300 PASTICHE_VK_CM_ALIAS=1 PASTICHE_VK_CM_SUB_TH=8
    bench all_9x9_alias 1920x1080 300 PASTICHE_VK_CM_ALIAS=1 PASTICHE_VK_COOPMAT=all
  fi
  if [ "$MODE" = s7c ]; then
    bench after_large_off 1920x1080 300 PASTICHE_VK_CM_LARGE_TH=1
    bench after_scalar9 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0
    bench after_h2 384x384,1920x1080,3840x2160 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1
    bench after_h2_fuse 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_H2_FUSE=1
    bench after_h2_ly32_icc2 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_H2_LY=32 PASTICHE_VK_H2_ICC=2
    bench after_h2_lx32_ly8 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_H2_LX=32 PASTICHE_VK_H2_LY=8
    bench after_h2_px2_ly16 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_H2_PX=2
    bench after_h2_ly16_icc2 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_H2_ICC=2
    bench after_sub8 1920x1080 300 PASTICHE_VK_CM_SUB_TH=8
  fi
  bench before_again 1920x1080 300 $OFF
  bench after_again 1920x1080 300 $ON
fi
if [ "$MODE" = s7d ]; then  # session 7, last run: the tests the ICD's instance limit cut short, H2 defaults, tile knobs, repeats
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $OUT/env.log
  chmod +x test_vulkan
  t() { PASTICHE_VK_VALIDATION=1 timeout 200 "$@" 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|Expected|Which|validation|Skipped|PASSED|fp16x2 h2_9x9_8to3_norm.*161x97|alias=. pack=1 (magenta|residual).*401" | cut -c1-250; }
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.PlainStaging*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.AliasedStaging*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.NarrowHalf2*'
  bench before 384x384,1920x1080,3840x2160 300 PASTICHE_VK_CM_ALIAS=0
  bench after 384x384,1920x1080,3840x2160 300
  bench after_nsg8 1920x1080 300 PASTICHE_VK_CM_NSG=8
  bench after_pixth16 1920x1080 300 PASTICHE_VK_CM_PIX_TH=16
  bench after_pixth4 1920x1080 300 PASTICHE_VK_CM_PIX_TH=4
  bench after_h2 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1
  bench after_h2_fuse 1920x1080 300 PASTICHE_VK_COOPMAT=narrow0 PASTICHE_VK_NARROW_H2=1 PASTICHE_VK_H2_FUSE=1
  for i in 2 3; do
    bench before_$i 1920x1080 300 PASTICHE_VK_CM_ALIAS=0
    bench after_$i 1920x1080 300
  done
fi
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
  PYTHONUNBUFFERED=1 timeout ${PEER_TIMEOUT:-400} python3 torch_peer_cuda.py net td/goldens --frames 200 --sizes ${SIZES:-384x384,1920x1080,3840x2160} $PEER_ARGS 2>&1 | tee $OUT/peer.log | cut -c1-300
fi
