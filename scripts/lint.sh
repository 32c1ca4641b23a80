#!/usr/bin/env bash
# Style and static checks, both must be clean:
#  - clang-format on the lines changed since BASE (default: the merge base with main, else the
#    whole tree would be reformatted, which the project has not done);
#  - clang-tidy (.clang-tidy's focused set) on the engine/, app/ and ui/ sources affected by the
#    changes since the commit in .ci/tidy-clean-at (the last commit whose whole tree was checked
#    clean; scripts/tidy_mark_clean.sh checks the whole tree and records it), or on all of them
#    (PASTICHE_TIDY_ALL=1, or when that commit is unknown), from BUILD_DIR's compile_commands.json
#    (scripts/tidy.py: results also cached by preprocessed source, like ccache).
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
# Changed since a merge base alone would check nothing in CI's fresh clone of main: the base is the
# last commit checked clean as a whole instead. A cold cache then costs the changed files only.
clean_at=$(cat "$root/.ci/tidy-clean-at" 2>/dev/null || true)
if [ "${PASTICHE_TIDY_ALL:-0}" != 1 ] && [ -n "$clean_at" ] && git -C "$root" cat-file -e "$clean_at^{commit}" 2>/dev/null; then
  TIDY_SINCE=$clean_at python3 "$root/scripts/tidy.py" "$build" || rc=1
else
  python3 "$root/scripts/tidy.py" "$build" || rc=1
fi
exit $rc
