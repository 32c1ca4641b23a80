#!/usr/bin/env bash
# Starts the desktop app under Xvfb on the moving test pattern with a bundled style, lets it run,
# grabs the window (`pastiche gui --screenshot`), checks the PNG is not blank and keeps a copy as
# BUILD_DIR/artifacts/gui.png.
# Usage: scripts/gui_screenshot.sh BUILD_DIR OUT.png   (env: PASTICHE_MODELS, GUI_STYLE, GUI_BACKEND,
#        GUI_DELAY_MS)
set -euo pipefail
build=${1:?usage: gui_screenshot.sh BUILD_DIR OUT.png}
out=${2:?usage: gui_screenshot.sh BUILD_DIR OUT.png}
bin="$build/app/pastiche"
[ -x "$bin" ] || { echo "gui_screenshot: no pastiche binary at $bin" >&2; exit 1; }
models=${PASTICHE_MODELS:-$build/testdata/models}
style=${GUI_STYLE:-$models/styles/La_forma.jpg}
[ -f "$style" ] || style=$(ls "$models"/styles/*.jpg 2>/dev/null | head -n1)
[ -f "$style" ] || { echo "gui_screenshot: no bundled style image under $models/styles (run the goldens fixture / pastiche models fetch)" >&2; exit 1; }

# A clean profile: no remembered settings, captures in a scratch folder.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
mkdir -p "$(dirname "$out")"
rm -f "$out"

PASTICHE_MODELS="$models" timeout 240 xvfb-run -a -s "-screen 0 1400x900x24" \
  "$bin" gui --source test-pattern --style "$style" --backend "${GUI_BACKEND:-auto}" \
  --screenshot "$out" --screenshot-delay-ms "${GUI_DELAY_MS:-10000}"

[ -s "$out" ] || { echo "gui_screenshot: $out was not written" >&2; exit 1; }
# Not blank: the window must hold real variation (a uniform grab has a deviation of ~0).
read -r w h sd <<<"$(identify -format '%w %h %[fx:standard_deviation]\n' "$out" | head -n1)"
echo "gui_screenshot: $out ${w}x${h}, standard deviation $sd"
awk -v sd="$sd" 'BEGIN { exit !(sd > 0.05) }' || { echo "gui_screenshot: $out looks blank" >&2; exit 1; }
mkdir -p "$build/artifacts"
[ "$(realpath "$out")" = "$(realpath -m "$build/artifacts/gui.png")" ] || cp "$out" "$build/artifacts/gui.png"
echo "gui_screenshot: kept as $build/artifacts/gui.png"
