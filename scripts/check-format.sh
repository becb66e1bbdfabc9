#!/usr/bin/env bash
# Checks that the C++ sources (src/, tests/, bench/, fuzz/) are as clang-format leaves them under
# the repository's .clang-format, the way `clang-format --dry-run --Werror` does, and prints each
# file that drifts with the change clang-format would make. Exit 0 when none drifts, 1 when some
# do, 2 when clang-format is missing. CTest runs it as the `clang_format` test (label `lint`).
#
#   scripts/check-format.sh            (CLANG_FORMAT=path picks another clang-format)
#
# Fix a drifting file with `clang-format -i FILE`. Formatting differs a little between
# clang-format versions; the tree is kept as Debian 12's clang-format 14 leaves it.
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
  echo "$clang_format is missing: scripts/install-deps.sh installs it" >&2
  exit 2
fi

files=()
while IFS= read -r -d '' file; do
  files+=("$file")
done < <(find src tests bench fuzz -type f \( -name '*.cc' -o -name '*.h' \) -print0 | sort -z)

# One clang-format over every file (it reports each drifting file, not just the first), then
# the change it would make to each of those.
status=0
report=$("$clang_format" --dry-run --Werror "${files[@]}" 2>&1) || status=$?
mapfile -t drifted < <(printf '%s\n' "$report" |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | uniq)
if [ "$status" -ne 0 ] && [ ${#drifted[@]} -eq 0 ]; then
  printf '%s\n' "$report" >&2
  echo "$clang_format failed (exit $status) without naming a drifting file" >&2
  exit 1
fi
for file in "${drifted[@]}"; do
  echo "drifts from .clang-format: $file"
  diff -u --label "$file" --label "$file (clang-format)" "$file" <("$clang_format" "$file") |
    sed 's/^/    /' || true
done

if [ ${#drifted[@]} -gt 0 ]; then
  echo "${#drifted[@]} of ${#files[@]} files drift ($("$clang_format" --version | head -n 1));" \
    "fix with: clang-format -i ${drifted[*]}"
  exit 1
fi
echo "all ${#files[@]} files are as clang-format leaves them"
