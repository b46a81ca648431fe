#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into build-fuzz/ and runs
# each for N iterations (default 2000) from its seed corpus
# (fuzz/corpus/<target>/, written by tools/fuzz_seeds.py). Any crash fails
# the run. `tools/fuzz.sh --build` only builds. Longer runs:
# tools/fuzz_campaign.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2000}
if [ ! -f build-fuzz/build.ninja ]; then
  CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNUAGE_FUZZ=ON -DNUAGE_TESTS=OFF >/dev/null
fi
cmake --build build-fuzz -j "$(nproc)" >build-fuzz/build.log 2>&1 || { tail -30 build-fuzz/build.log; exit 1; }
[ "$runs" = "--build" ] && exit 0
for fuzzer in build-fuzz/*_fuzz; do
  [ -f "$fuzzer" ] && [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  corpus=fuzz/corpus/${name%_fuzz}
  mkdir -p "build-fuzz/corpus-$name" "build-fuzz/artifacts/$name"
  "$fuzzer" -runs="$runs" -max_len=8192 -timeout=10 -artifact_prefix="build-fuzz/artifacts/$name/" \
    "build-fuzz/corpus-$name" $( [ -d "$corpus" ] && echo "$corpus" ) \
    >"build-fuzz/$name.log" 2>&1 || { tail -40 "build-fuzz/$name.log"; echo "fuzzer $name failed"; exit 1; }
  echo "$name: $runs runs, no crash"
done
