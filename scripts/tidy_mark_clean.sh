#!/usr/bin/env bash
# Checks every engine/, app/ and ui/ source with clang-tidy and, when all are clean, records HEAD
# in .ci/tidy-clean-at: CI's lint then checks only what changed since (scripts/lint.sh). Commit the
# file afterwards. Usage: scripts/tidy_mark_clean.sh BUILD_DIR (a Clang build, e.g. build-tsan)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: tidy_mark_clean.sh BUILD_DIR}
if [ -n "$(git -C "$root" status --porcelain -- engine app ui .clang-tidy CMakeLists.txt)" ]; then
  echo "tidy_mark_clean: engine/, app/ or ui/ has uncommitted changes; commit them first" >&2
  exit 1
fi
python3 "$root/scripts/tidy.py" "$build"
git -C "$root" rev-parse HEAD > "$root/.ci/tidy-clean-at"
echo "tidy_mark_clean: the whole tree at $(cat "$root/.ci/tidy-clean-at" | cut -c1-12) is clean; commit .ci/tidy-clean-at"
