#!/usr/bin/env bash
# Style and static checks, both must be clean:
#  - clang-format on the lines changed since BASE (default: the merge base with main, else the
#    whole tree would be reformatted, which the project has not done);
#  - clang-tidy (.clang-tidy's focused set) on the engine/, app/ and ui/ sources changed since BASE
#    (all of them with LINT_ALL=1 or without a base), from BUILD_DIR's compile_commands.json.
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
# The sources changed since BASE, or all of them without a base or with LINT_ALL=1.
files="^$root/(engine|app|ui)/"
if [ -n "$base" ] && [ "${LINT_ALL:-0}" != 1 ]; then
  changed=$(cd "$root" && git diff --name-only --diff-filter=AM "$base" -- 'engine/*.cpp' 'app/*.cpp' 'ui/*.cpp' | sed "s|^|$root/|" | paste -sd'|')
  [ -n "$changed" ] || { echo "lint: clang-tidy: no engine/app/ui sources changed since ${base:0:12}"; exit $rc; }
  files="^($changed)\$"
fi
if run-clang-tidy -quiet -p "$build" -j "$(nproc)" "$files" > "$build/clang-tidy.log" 2>&1; then
  echo "lint: clang-tidy clean ($(grep -c '^clang-tidy' "$build/clang-tidy.log" || true) files)"
else
  grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u | head -50
  echo "lint: clang-tidy found problems (full log: $build/clang-tidy.log)"
  rc=1
fi
exit $rc
