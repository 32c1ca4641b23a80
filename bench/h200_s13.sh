#!/bin/bash
# Issue 14, session 13 (2026-12-04), on the H200. No device was lent in session 13, so this is what
# the next device session runs first. Modes:
#   n   the measured tile choice (session 12) against the thresholds, with each candidate's time
#       per layer (PASTICHE_VK_CONV_CHOICE=measure prints them): above all the fp16x2 kernel's new
#       variants for the last 9x9 (1: odd row stride; 2, 3: 8-pixel quad-read tiles); then the
#       tests of what was built without a device (EveryTileVariant, NarrowHalf2*, VulkanTest.*,
#       ConvChoiceFile), with validation;
#   b   the final defaults: every Vulkan test suite with the validation layer on, bench, second start;
#   c   bench, the PyTorch peer, bench.
# Device tool: carry [".devdata/s13", ".devdata/vk", ".gl"], run `bash bench/h200_s13.sh MODE`, with
#   .gl/ and .devdata/vk/ as bench/h200_run.sh's header lists, and .devdata/s13/test_vulkan linked
#   here without OpenCV (in build/:
#   c++ -O3 tests/CMakeFiles/test_vulkan.dir/{vulkan/test_vulkan_backend,vulkan/test_vulkan_coopmat,
#   vulkan/test_vulkan_stability,vulkan/test_vulkan_grid_lock,vulkan/test_host_copy,vulkan/test_conv_choice,
#   vulkan/vulkan_bench,vulkan/vulkan_test_util,support/test_support}.cpp.o -o ../.devdata/s13/test_vulkan
#   /usr/lib/x86_64-linux-gnu/libgtest_main.a engine/vulkan/libpastiche_vulkan.a
#   /usr/lib/x86_64-linux-gnu/libgtest.a -lvulkan shaders/libpastiche_shaders.a engine/libpastiche_engine.a
#   -lcrypto -pthread).
source bench/h200_env.sh
cp .devdata/vk/torch_peer_cuda.py .devdata/s13/ 2>/dev/null
cd .devdata/s13 && chmod +x test_vulkan
MODE=${1:-n}
ALL=384x384,1920x1080,3840x2160
source ../../bench/h200_bench_helpers.sh
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
if [ "$MODE" = n ]; then
  rm -rf /tmp/xdg/pastiche/*.conv
  bench measure $ALL 400 PASTICHE_VK_CONV_CHOICE=measure
  grep -h "conv choice" $OUT/bench.log | sed 's/ kernel.*variants [0-9]*//' | cut -c1-260
  bench auto1 $ALL 400
  bench fixed1 $ALL 400 PASTICHE_VK_CONV_CHOICE=fixed
  grep -h "vulkan plan" $OUT/bench.log | sort | uniq -c
  bench stats 1920x1080 50 PASTICHE_VK_PIPELINE_STATS=1 >/dev/null  # each pipeline's registers
  grep -h "pipeline stats conv2d_narrow" $OUT/bench.log | sort -u | cut -c1-300
  for f in NarrowHalf2MatchesCpuAtOddSizes NarrowHalf2TileVariantsAreBitIdentical NarrowHalf2AlternatesMatchCpu; do
    t ./test_vulkan --gtest_filter="VulkanCoopMatTest.$f"  # each in its own process (instances)
  done
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.EveryTileVariant*'
  t ./test_vulkan --gtest_filter='VulkanTest.*:ConvChoiceFile*'
fi
if [ "$MODE" = b ]; then  # the final defaults: tests with validation, bench, second start
  bench final $ALL 400
  for f in 'VulkanTest.*' 'VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.WholeNetwork*:VulkanTflite*:VulkanCoopMatTest.Scalar*' \
      'VulkanCoopMatTest.AliasedStaging*' 'VulkanCoopMatTest.PlainStaging*' 'VulkanCoopMatTest.Packed*' 'VulkanCoopMatTest.NarrowHalf2MatchesCpu*' \
      'VulkanCoopMatTest.NarrowHalf2TileVariants*' 'VulkanCoopMatTest.NarrowHalf2Alternates*' \
      'VulkanCoopMatTest.PipelineCache*' 'VulkanCoopMatTest.EveryTileVariant*' 'VulkanStability*:VulkanGridLock*:HostCopier*:ConvChoiceFile*'; do
    t ./test_vulkan --gtest_filter="$f"
  done
  startup
  bench final_again $ALL 300
fi
if [ "$MODE" = c ]; then  # the PyTorch peer in the same run as our bench
  bench before_peer $ALL 300
  peer
  bench final_after_peer $ALL 300
fi
