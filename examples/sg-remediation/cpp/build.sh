#!/usr/bin/env bash
# Builds the C++ remediation function into a provided.al2023 zip:
# build/sg-remediation.zip holding its `bootstrap`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/build"
mkdir -p "$OUT"
"${CXX:-g++}" -O1 -std=c++17 -Wall -Wextra -I "$HERE/../../cpp-common" -o "$OUT/bootstrap" "$HERE/remediate.cc" -lcrypto
chmod 755 "$OUT/bootstrap"
rm -f "$OUT/sg-remediation.zip"
(cd "$OUT" && zip -q sg-remediation.zip bootstrap)
echo "$OUT/sg-remediation.zip"
