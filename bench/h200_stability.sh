#!/bin/bash
# Issue 11 bar 2 on the H200: device-stability and device grid-lock tests with validation on, then
# VulkanBench.Stability (plain, trunk-only and the whole stabilizer with the grid lock, same backend,
# alternating rounds) and its profile (PASTICHE_VK_PROFILE_CONV=1: the grid lock's stages too).
# Carry [".devdata/s11", ".devdata/vk", ".gl"] (.devdata/vk and .gl as bench/h200_run.sh's header
# says); .devdata/s11/test_vulkan linked as that header shows, plus test_vulkan_stability.cpp.o and
# test_vulkan_grid_lock.cpp.o.
# Usage (device tool): bash bench/h200_stability.sh   (env SIZES, FRAMES; SUITES=none skips the tests)
source bench/h200_env.sh
cd .devdata/s11 && chmod +x test_vulkan
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
# One process per suite: the NVIDIA ICD refuses new instances after about 28 in one process.
[ "${SUITES:-}" = none ] || for suite in 'VulkanStability*' 'VulkanGridLock.*' 'VulkanTest.WholeNetworkMatchesCpu'; do
  PASTICHE_VK_VALIDATION=1 timeout 150 ./test_vulkan --gtest_filter="$suite" 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|dB|frame [0-9]|validation|PASSED" | cut -c1-220
done
PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_STABILITY=${SIZES:-1920x1080,384x384,3840x2160} PASTICHE_VK_BENCH_FRAMES=${FRAMES:-300} \
  timeout 300 ./test_vulkan --gtest_filter=VulkanBench.Stability 2>&1 | tee $OUT/bench.log | grep -E '^\{|FAILED|Failure' | cut -c1-1500
