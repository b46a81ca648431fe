#!/usr/bin/env bash
# Builds the C++ functions into provided.al2023 zips: build/demarrage.zip and
# build/arreter.zip, each holding the same `bootstrap` (the handler picks the action).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/build"
mkdir -p "$OUT"
"${CXX:-g++}" -O1 -std=c++17 -Wall -Wextra -I "$HERE/../../cpp-common" -o "$OUT/bootstrap" "$HERE/scheduler.cc" -lcrypto
chmod 755 "$OUT/bootstrap"
for fn in demarrage arreter; do
  rm -f "$OUT/$fn.zip"
  (cd "$OUT" && zip -q "$fn.zip" bootstrap)
done
echo "$OUT/demarrage.zip $OUT/arreter.zip"
