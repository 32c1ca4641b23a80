# Sourced by the H200 session scripts (h200_s11.sh, h200_s12.sh, h200_s13.sh) after h200_env.sh, in the folder
# holding test_vulkan: summ (one line per bench JSON, with its per-layer profile), bench (our bench
# with a label, into $OUT/bench.log), t (a test run with validation, into $OUT/tests.log), startup
# (backend creation with an empty and a filled pipeline cache, bar 3) and peer (the PyTorch peer,
# torch.compile max-autotune, on the network our bench dumps; into $OUT/peer.log).
summ() { grep -E "^\{" | python3 -c '
import json,sys
for l in sys.stdin:
    d=json.loads(l)
    if "startup_ms_empty_cache" in d: print("startup", l.strip()); continue
    if "fps" not in d: continue
    print(d.get("coopmat_mode"), d["precision"], "%dx%d"%(d["width"],d["height"]), "lanes %s"%d.get("lanes"), "pipelined %.3f ms (%.0f fps), sync %.3f, gpu %.3f"%(d["ms_per_frame"],d["fps"],d["sync_ms_per_frame"],d["gpu_ms_profiled"]))
    print("   ", " ".join("%.3f"%p["ms"] for p in d["profile"]))'; }
bench() {  # bench LABEL SIZES FRAMES [env...]
  local label=$1 sizes=$2 frames=$3; shift 3
  env "$@" PASTICHE_VK_PROFILE_CONV=1 PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_PRECISION=fp16 PASTICHE_VK_BENCH=$sizes \
    PASTICHE_VK_BENCH_FRAMES=$frames timeout 100 ./test_vulkan --gtest_filter=VulkanBench.Throughput 2>&1 |
    tee -a $OUT/bench.log | summ | sed "s/^/$label /"
}
t() { PASTICHE_VK_VALIDATION=1 timeout 150 "$@" 2>&1 | tee -a $OUT/tests.log | grep -E "OK \]|FAILED|Failure|dB|Expected|Which|validation|Skipped|PASSED" | cut -c1-230; }
startup() {
  rm -rf /tmp/su; __GL_SHADER_DISK_CACHE=0 PASTICHE_VK_VALIDATION=0 PASTICHE_VK_BENCH_STARTUP=/tmp/su timeout 60 ./test_vulkan --gtest_filter=VulkanBench.Startup 2>&1 | tee -a $OUT/bench.log | summ
}
peer() {
  PASTICHE_VK_DUMP=net ./test_vulkan --gtest_filter=VulkanBench.Throughput >/dev/null 2>&1
  PYTHONUNBUFFERED=1 timeout ${PEER_TIMEOUT:-330} python3 torch_peer_cuda.py net ../vk/td/goldens --frames 200 --sizes ${SIZES:-1920x1080,384x384,3840x2160} --compile 2>&1 | tee $OUT/peer.log | cut -c1-330
}
