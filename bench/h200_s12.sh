#!/bin/bash
# Issue 14, session 12 (2026-12-04), on the H200: lanes (frames in flight computing side by side on
# their own compute queues, vulkan_backend.cpp). Modes:
#   a   A/B of PASTICHE_VK_LANES=1/2/3, the lane tests with validation;
#   a2  host copy threads;
#   n   for the next session: the measured tile choice against the thresholds, and the tests of
#       what was built after this session's device calls;
#   b   the final defaults: every Vulkan test suite with the validation layer on, bench, second start;
#   c   bench, the PyTorch peer, bench.
# Device tool: carry [".devdata/s12", ".devdata/vk", ".gl"], run `bash bench/h200_s12.sh MODE`, with
#   .gl/ and .devdata/vk/ as bench/h200_run.sh's header lists, and .devdata/s12/test_vulkan linked
#   here without OpenCV (the command in bench/h200_s11.sh's header, with s12 for s11).
source bench/h200_env.sh
cp .devdata/vk/torch_peer_cuda.py .devdata/s12/ 2>/dev/null
cd .devdata/s12 && chmod +x test_vulkan
MODE=${1:-a}
ALL=384x384,1920x1080,3840x2160
source ../../bench/h200_bench_helpers.sh
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
if [ "$MODE" = a ]; then
  for lanes in 1 2 3 1 2 3; do bench lanes$lanes $ALL 400 PASTICHE_VK_LANES=$lanes; done
  bench default $ALL 400
  t ./test_vulkan --gtest_filter='VulkanTest.Pipelined*'
  t ./test_vulkan --gtest_filter='VulkanStability*:VulkanGridLock*'
fi
if [ "$MODE" = a2 ]; then  # host copy threads with two lanes: is the host the bound at 1080p?
  for th in 3 7 15 3 7 15; do bench copy$th 1920x1080,3840x2160 400 PASTICHE_VK_COPY_THREADS=$th; done
  bench lanes1_copy7 1920x1080,3840x2160 400 PASTICHE_VK_LANES=1 PASTICHE_VK_COPY_THREADS=7
fi
if [ "$MODE" = n ]; then  # built after this session's device calls: the measured tile choice, shared buffers
  rm -rf /tmp/xdg/pastiche/*.conv
  for r in 1 2; do
    bench auto$r $ALL 400
    bench fixed$r $ALL 400 PASTICHE_VK_CONV_CHOICE=fixed
  done
  grep -h "conv choice\|vulkan plan" $OUT/bench.log | sort | uniq -c | head -60
  t ./test_vulkan --gtest_filter='VulkanCoopMatTest.EveryTileVariant*'
  t ./test_vulkan --gtest_filter='VulkanTest.*'
fi
if [ "$MODE" = b ]; then  # the final defaults: tests with validation, bench, second start
  bench final $ALL 400
  for f in 'VulkanTest.*' 'VulkanCoopMatTest.EveryCoopMat*:VulkanCoopMatTest.WholeNetwork*:VulkanTflite*:VulkanCoopMatTest.Scalar*' \
      'VulkanCoopMatTest.AliasedStaging*' 'VulkanCoopMatTest.PlainStaging*' 'VulkanCoopMatTest.Packed*' 'VulkanCoopMatTest.NarrowHalf2*' \
      'VulkanCoopMatTest.PipelineCache*' 'VulkanStability*:VulkanGridLock*:HostCopier*'; do
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
