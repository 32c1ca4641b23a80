# Sourced by the H200 scripts (h200_run.sh, h200_stability.sh, h200_s11.sh) from the repository
# root of the device tool's checkout: the carried Vulkan loader debs (.gl/), the validation layer,
# the NVIDIA ICD, and the model, goldens and pipeline-cache paths of .devdata/vk (see h200_run.sh's
# header for what those folders hold).
set -o pipefail
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
mkdir -p /tmp/vvl && dpkg -x .devdata/vk/vulkan-validationlayers_*.deb /tmp/vvl
export VK_LAYER_PATH=/tmp/vvl/usr/share/vulkan/explicit_layer.d LD_LIBRARY_PATH=/tmp/vvl/usr/lib/x86_64-linux-gnu
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export PASTICHE_VK_MODEL=$PWD/.devdata/vk/style_transfer_f16_384.tflite XDG_CACHE_HOME=/tmp/xdg PASTICHE_TEST_DATA=$PWD/.devdata/vk/td
