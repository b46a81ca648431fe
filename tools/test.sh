#!/usr/bin/env bash
# Sets up, builds and runs every test: GoogleTest unit tests, short libFuzzer
# runs, and the end-to-end suites (real binary, boto3, AWS CLI v1 and v2),
# the 5-round crash soak (tests/soak) among them.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --test
tools/build.sh

echo "== unit tests"
build/nuage_unit_tests --gtest_brief=1

echo "== fuzzers (short runs)"
tools/fuzz.sh 2000

echo "== end-to-end tests"
# pytest comes from Debian's python3-pytest; it is appended to the path so the
# machine's own python3 keeps its newer boto3 first. Files run in parallel, one
# worker per core (pytest-xdist; --dist loadfile keeps a file's module fixtures,
# such as a built example zip, on one worker); every test starts its own server
# on a free port.
NUAGE_BIN="$PWD/build/nuage" python3 - "$@" <<'PY'
import os
import sys
sys.path.append("/usr/lib/python3/dist-packages")
import pytest
workers = ["-n", str(max(1, min(4, os.cpu_count() or 1))), "--dist", "loadfile"]
# The slowest tests, listed at the end: where the CI budget goes.
workers += ["--durations=15"]
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-c", "tests/pytest.ini", "--rootdir", "tests"] + workers +
                     ["tests"] + sys.argv[1:]))
PY
