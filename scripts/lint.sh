#!/usr/bin/env bash
# Style and static checks, both must be clean:
#  - clang-format on the lines changed since BASE (default: the merge base with main, else the
#    whole tree would be reformatted, which the project has not done);
#  - clang-tidy (.clang-tidy's focused set) on all engine/, app/ and ui/ sources, from BUILD_DIR's
#    compile_commands.json (scripts/tidy.py: results cached by preprocessed source, like ccache).
# Usage: scripts/lint.sh BUILD_DIR [BASE]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: lint.sh BUILD_DIR [BASE]}
base=${2:-$(git -C "$root" merge-base HEAD main 2>/dev/null || git -C "$root" merge-base HEAD origin/main 2>/dev/null || true)}
rc=0

if [ -n "$base" ]; then
  out=$(cd "$root" && git clang-format --binary clang-format --diff "$base" -- '*.cpp' '*.h' 2>&1 || true)
  if [ -n "$out" ] && ! grep -qE "^(no modified files to format|clang-format did not modify any files)$" <<<"$out"; then
    echo "$out"
    echo "lint: clang-format: the lines above, changed since ${base:0:12}, are not formatted (git clang-format $base)"
    rc=1
  else
    echo "lint: clang-format clean on the lines changed since ${base:0:12}"
  fi
else
  echo "lint: clang-format skipped (no base commit to compare with)"
fi

[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json" >&2; exit 1; }
# Every engine/, app/ and ui/ source (a check of the changed files alone checks nothing in CI's
# fresh clone of main); scripts/tidy.py caches clean results, so a repeated run is cheap.
python3 "$root/scripts/tidy.py" "$build" || rc=1
exit $rc
