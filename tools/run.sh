#!/usr/bin/env bash
# Sets up a fresh machine if needed, builds nuage if needed, and serves it on
# 127.0.0.1:4566 with its state in ./nuage-data. Extra arguments go to `nuage serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh >/dev/null
exec build/nuage serve --data nuage-data "$@"
