#!/usr/bin/env bash
# Regenerates the README's operations section from `nuage operations`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NUAGE_BIN:-build/nuage}
python3 - "$bin" <<'PY'
import re, subprocess, sys
table = subprocess.run([sys.argv[1], "operations"], check=True, capture_output=True, text=True).stdout
readme = open("README.md").read()
new = re.sub(r"(<!-- operations:begin -->\n).*?(<!-- operations:end -->)",
             lambda m: m.group(1) + table + m.group(2), readme, flags=re.S)
open("README.md", "w").write(new)
PY
