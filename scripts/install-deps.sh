#!/usr/bin/env bash
# Installs the Debian 12 packages Pastiche needs to build, test and benchmark.
# Usage: scripts/install-deps.sh [--bench]   (--bench adds the CPU PyTorch peer)
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev
  libvulkan-dev glslang-tools glslang-dev spirv-tools mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  libopencv-dev libpng-dev libjpeg-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
  libgtest-dev libgmock-dev libdnnl-dev libcli11-dev nlohmann-json3-dev libstb-dev
  xvfb xauth imagemagick help2man
)
# Node.js runs the TFLite reference tool; keep an existing install (e.g. NodeSource's, which ships npm).
if ! command -v npm >/dev/null 2>&1; then PKGS+=(nodejs npm); fi
if [ "${1:-}" = "--bench" ]; then PKGS+=(python3-torch python3-numpy); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all packages present"; exit 0; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
