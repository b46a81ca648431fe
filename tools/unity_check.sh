#!/usr/bin/env bash
# Checks that each source folder compiles as one translation unit, which is
# what a unity build may make of any run of its files (CMake batches files in
# order, so adding one file moves every batch boundary after it): two helpers
# of one name in anonymous namespaces of the same folder fail here at once,
# not in some later build. Syntax only, all folders in parallel; from the
# build's compile flags. Usage: tools/unity_check.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
flags=$(python3 - "$build" <<'PY'
import json, shlex, sys
for entry in json.load(open(f"{sys.argv[1]}/compile_commands.json")):
    args = shlex.split(entry["command"])
    print(" ".join(shlex.quote(a) for a in args if a.startswith(("-D", "-I", "-std"))))
    break
PY
)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for dir in $(find src -name '*.cc' ! -name '*_fuzz.cc' ! -name main.cc -printf '%h\n' | sort -u); do
  for kind in code tests; do
    if [ $kind = tests ]; then files=$(ls "$dir"/*_test.cc 2>/dev/null || true)
    else files=$(ls "$dir"/*.cc | grep -v '_test\.cc$' || true); fi
    [ -n "$files" ] || continue
    tu="$out/$(echo "$dir" | tr / _)_$kind.cc"
    for f in $files; do echo "#include \"$PWD/$f\""; done >"$tu"
    echo "$tu"
  done
done | xargs -P "$(nproc)" -I{} sh -c "c++ $flags -DNUAGE_SOURCE_DIR=\\\"$PWD\\\" -Wall -Wextra -fsyntax-only {} 2>{}.err || { echo FAILED {}; grep -m5 error: {}.err; }" | tee "$out/report"
! grep -q FAILED "$out/report"
