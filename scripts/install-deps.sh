#!/usr/bin/env bash
# Installs the Debian 12 packages Pastiche needs to build, test and benchmark. Works as root (CI,
# containers without sudo) and as a user with sudo.
# Usage: scripts/install-deps.sh [--bench]   (--bench adds the CPU PyTorch peer)
set -euo pipefail
SUDO=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: not root and no sudo; run as root" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  # toolchain, CI tools
  build-essential cmake ninja-build pkg-config git ca-certificates curl ccache
  clang clang-tidy clang-format gcovr llvm
  # libraries the code links
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev
  libvulkan-dev glslang-tools glslang-dev spirv-tools mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  libopencv-dev libpng-dev libjpeg-dev libssl-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev ffmpeg
  libpipewire-0.3-dev
  # header-only and test libraries
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev
  # virtual camera (PipeWire) and its tests
  pipewire pipewire-bin wireplumber dbus gstreamer1.0-pipewire gstreamer1.0-tools gstreamer1.0-plugins-base
  # GUI tests, man page, temporal metric (../shared/tools/temporal)
  xvfb xauth imagemagick help2man
  python3-numpy python3-scipy python3-opencv python3-pil
)
# Node.js runs the TFLite reference tool; keep an existing install (e.g. NodeSource's, which ships npm).
if ! command -v npm >/dev/null 2>&1; then PKGS+=(nodejs npm); fi
if [ "${1:-}" = "--bench" ]; then PKGS+=(python3-torch); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all packages present"; exit 0; fi
echo "install-deps: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
