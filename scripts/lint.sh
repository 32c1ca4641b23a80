#!/usr/bin/env bash
# Style and static checks, both must be clean:
#  - clang-format on the lines changed since BASE (default: the merge base with main, else the
#    whole tree would be reformatted, which the project has not done);
#  - clang-tidy (.clang-tidy's focused set) on every engine/, app/ and ui/ source of BUILD_DIR's
#    compile_commands.json (a Clang build of the same tree).
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
# Qt's moc output and other generated files live under the build folder and are not checked.
if run-clang-tidy -quiet -p "$build" -j "$(nproc)" "^$root/(engine|app|ui)/" > "$build/clang-tidy.log" 2>&1; then
  echo "lint: clang-tidy clean ($(grep -c '^clang-tidy' "$build/clang-tidy.log" || true) files)"
else
  grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u | head -50
  echo "lint: clang-tidy found problems (full log: $build/clang-tidy.log)"
  rc=1
fi
exit $rc
