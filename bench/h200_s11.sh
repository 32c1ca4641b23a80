#!/bin/bash
# Issue 14, session 11 (2026-12-04), on the H200: the runs behind docs/PERFORMANCE.md's session-11
# section. Modes: a, b, c1, c3 (A/B sweeps of the switches of that day; a and c1 also list the
# pipelines' registers with PASTICHE_VK_PIPELINE_STATS=1), c2a (the final defaults: every Vulkan test
# suite with the validation layer on, bench, second start) and c2b (bench, the PyTorch peer, bench).
# Some switches of modes a, c1 and c3 (PASTICHE_VK_CM_BSMEM, _WIDE_FINALIZE, _FUSE_SKIP, _TUNE_SKIP)
# belonged to experiments that were measured and removed (docs/VULKAN.md).
# Device tool: carry [".devdata/s11", ".devdata/vk", ".gl"], run `bash bench/h200_s11.sh MODE`, with
#   .gl/: the Vulkan loader debs (bench/h200_run.sh's header), .devdata/vk/: as bench/h200_run.sh's
#   header lists (model, goldens, validation-layer deb, torch_peer_cuda.py), and
#   .devdata/s11/test_vulkan linked here without OpenCV:
#     cd build && c++ -O3 tests/CMakeFiles/test_vulkan.dir/{vulkan/test_vulkan_backend,vulkan/test_vulkan_coopmat,\
#       vulkan/test_vulkan_stability,vulkan/test_vulkan_grid_lock,vulkan/test_host_copy,vulkan/vulkan_bench,\
#       vulkan/vulkan_test_util,support/test_support}.cpp.o -o ../.devdata/s11/test_vulkan \
#       /usr/lib/x86_64-linux-gnu/libgtest_main.a engine/vulkan/libpastiche_vulkan.a /usr/lib/x86_64-linux-gnu/libgtest.a \
#       -lvulkan shaders/libpastiche_shaders.a engine/libpastiche_engine.a -lcrypto -pthread
source bench/h200_env.sh
cp .devdata/vk/torch_peer_cuda.py .devdata/s11/ 2>/dev/null
cd .devdata/s11 && chmod +x test_vulkan
MODE=${1:-a}
source ../../bench/h200_bench_helpers.sh
pstats() {  # pstats LABEL GREP [env...]: each pipeline's registers (one 1080p backend), into $OUT/pstats.log
  local label=$1 pattern=$2; shift 2
  env "$@" PASTICHE_VK_PIPELINE_STATS=1 PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH=1920x1080 PASTICHE_VK_BENCH_FRAMES=20 \
    timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 | grep "$pattern" | sed "s/^/$label /" >> $OUT/pstats.log
}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
if [ "$MODE" = a ]; then
  pstats default 'pipeline stats'
  pstats bsmem 'pipeline stats' PASTICHE_VK_CM_BSMEM=1
  wc -l $OUT/pstats.log; grep -m3 coopmat $OUT/pstats.log | cut -c1-400
  bench default 384x384,1920x1080,3840x2160 300
  bench bsmem 384x384,1920x1080,3840x2160 300 PASTICHE_VK_CM_BSMEM=1
  bench finalize256 384x384,1920x1080,3840x2160 300 PASTICHE_VK_WIDE_FINALIZE=0
  bench lastcoop 384x384,1920x1080,3840x2160 300 PASTICHE_VK_NARROW_H2=0
  bench default_again 384x384,1920x1080,3840x2160 300
  t ./test_vulkan --gtest_filter='VulkanTest.*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.NarrowHalf2*:VulkanCoopMatTest.WholeNetwork*:VulkanCoopMatTest.PipelineCache*'
  t ./test_vulkan --gtest_filter='VulkanTflite*'
  t env PASTICHE_VK_CM_BSMEM=1 ./test_vulkan --gtest_filter='VulkanCoopMatTest.AliasedStaging*'
  t env PASTICHE_VK_CM_BSMEM=1 ./test_vulkan --gtest_filter='VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.WholeNetwork*:VulkanTflite*'
fi
if [ "$MODE" = b ]; then  # TUNE bits: 1 entry loads not unrolled, 2 stores not unrolled, 4 vector epilogue
  for tu in 7 4 1; do
    pstats tune$tu 'pipeline stats conv2d_coopmat' PASTICHE_VK_CM_TUNE=$tu
  done
  sort -u $OUT/pstats.log | cut -c1-200 | sed 's/Binary Size=[0-9]* Stack Size=0 Local Memory Size=[0-9]* //'
  for tu in 0 4 1 2 3 5 6 7; do bench tune$tu 384x384,1920x1080,3840x2160 300 PASTICHE_VK_CM_TUNE=$tu; done
  bench tune0_again 384x384,1920x1080,3840x2160 300 PASTICHE_VK_CM_TUNE=0
  t env PASTICHE_VK_CM_TUNE=4 ./test_vulkan --gtest_filter='VulkanCoopMatTest.AliasedStaging*'
  t env PASTICHE_VK_CM_TUNE=4 ./test_vulkan --gtest_filter='VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.WholeNetwork*:VulkanTflite*'
  t env PASTICHE_VK_CM_TUNE=7 ./test_vulkan --gtest_filter='VulkanCoopMatTest.AliasedStaging*'
  t env PASTICHE_VK_CM_TUNE=7 ./test_vulkan --gtest_filter='VulkanCoopMatTest.WholeNetwork*:VulkanTflite*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.NarrowHalf2*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.PipelineCache*'
fi
if [ "$MODE" = c1 ]; then  # skip fusion + vector epilogue on small tiles (defaults), A/B, tests
  pstats default 'pipeline stats'
  pstats large12 'pipeline stats conv2d_coopmat' PASTICHE_VK_CM_TUNE_LARGE=12
  sort -u $OUT/pstats.log | grep 'coopmat_alias spec 128 16 16' | cut -c1-200 | sed 's/Binary Size=[0-9]* Stack Size=0 Local Memory Size=[0-9]* //'
  bench default 384x384,1920x1080,3840x2160 300
  bench noskip 384x384,1920x1080,3840x2160 300 PASTICHE_VK_FUSE_SKIP=0
  bench large12 384x384,1920x1080,3840x2160 300 PASTICHE_VK_CM_TUNE_LARGE=12
  bench default_again 384x384,1920x1080,3840x2160 300
  t ./test_vulkan --gtest_filter='VulkanTest.*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.WholeNetwork*:VulkanTflite*:VulkanCoopMatTest.Scalar*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.AliasedStaging*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.Packed*'
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.NarrowHalf2*'
  t ./test_vulkan --gtest_filter='VulkanStability*:VulkanGridLock*'
fi
if [ "$MODE" = c2a ]; then  # the final defaults: tests with validation, bench, second start
  bench final 384x384,1920x1080,3840x2160 400
  for f in 'VulkanTest.*' 'VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.WholeNetwork*:VulkanTflite*:VulkanCoopMatTest.Scalar*' \
      'VulkanCoopMatTest.AliasedStaging*' 'VulkanCoopMatTest.PlainStaging*' 'VulkanCoopMatTest.Packed*' 'VulkanCoopMatTest.NarrowHalf2*' \
      'VulkanCoopMatTest.PipelineCache*' 'VulkanStability*:VulkanGridLock*:HostCopier*'; do
    t ./test_vulkan --gtest_filter="$f"
  done
  startup
  bench final_again 384x384,1920x1080,3840x2160 300
fi
if [ "$MODE" = c2b ]; then  # the PyTorch peer in the same run as our bench
  bench before_peer 384x384,1920x1080,3840x2160 300
  peer
  bench final_after_peer 384x384,1920x1080,3840x2160 300
fi
if [ "$MODE" = c3 ]; then  # which residual configuration: skip fusion, vector epilogue on the 16x16 tile
  for cfg in "noskip PASTICHE_VK_FUSE_SKIP=0" "noskip_l12 PASTICHE_VK_FUSE_SKIP=0 PASTICHE_VK_CM_TUNE_LARGE=12" \
             "noskip_l4 PASTICHE_VK_FUSE_SKIP=0 PASTICHE_VK_CM_TUNE_LARGE=4" "skip_l12_s1 PASTICHE_VK_CM_TUNE_LARGE=12 PASTICHE_VK_CM_TUNE_SKIP=1" \
             "skip_l12 PASTICHE_VK_CM_TUNE_LARGE=12" "noskip_again PASTICHE_VK_FUSE_SKIP=0" "noskip_l12_again PASTICHE_VK_FUSE_SKIP=0 PASTICHE_VK_CM_TUNE_LARGE=12"; do
    set -- $cfg; label=$1; shift
    bench $label 384x384,1920x1080,3840x2160 300 "$@"
  done
  pstats skip_l12_s1 'pipeline stats conv2d_coopmat_alias spec 128 16' PASTICHE_VK_CM_TUNE_LARGE=12 PASTICHE_VK_CM_TUNE_SKIP=1
  grep '^skip_l12_s1' $OUT/pstats.log | sort -u | cut -c1-160
fi
