#!/usr/bin/env bash
# A fuzzing campaign: builds the libFuzzer targets (tools/fuzz.sh --build),
# runs each for the given number of seconds (default 60) from its seed corpus
# plus what earlier campaigns found (build-fuzz/campaign/<target>/), and
# reports, per target, executions, executions per second, edges covered
# (libFuzzer's `cov:`, over the instrumented wire and parser libraries),
# features (`ft:`) and corpus size. A crash, leak or timeout keeps its input
# in build-fuzz/artifacts/<target>/ and makes the campaign exit 1 once every
# target has run; add a fixed crasher to fuzz/corpus/<target>/.
#   tools/fuzz_campaign.sh 600            # ten minutes per target
#   tools/fuzz_campaign.sh 60 zip policy  # only these targets
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
tools/fuzz.sh --build || exit 1
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for fuzzer in build-fuzz/*_fuzz; do
    [ -f "$fuzzer" ] && [ -x "$fuzzer" ] && targets+=("$(basename "$fuzzer" _fuzz)")
  done
fi
failed=0
printf '%-16s %12s %9s %7s %7s %7s  %s\n' target executions exec/s cov ft corpus result
for target in "${targets[@]}"; do
  fuzzer=build-fuzz/${target}_fuzz
  [ -x "$fuzzer" ] || { echo "no fuzzer $fuzzer"; failed=1; continue; }
  work=build-fuzz/campaign/$target
  artifacts=build-fuzz/artifacts/${target}_fuzz
  log=build-fuzz/campaign/$target.log
  mkdir -p "$work" "$artifacts"
  "$fuzzer" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" $( [ -d "fuzz/corpus/$target" ] && echo "fuzz/corpus/$target" ) \
    >"$log" 2>&1
  rc=$?
  # The last status line: "#123456 DONE cov: 1234 ft: 5678 corp: 90/12Kb ... exec/s: 4321 ..."
  status=$(grep -E '^#[0-9]+' "$log" | tail -1)
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
  [ -n "$execs" ] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$status")
  field() { grep -oE "$1: *[0-9]+" <<<"$status" | grep -oE '[0-9]+$' || echo "?"; }
  corpus=$(grep -oE 'corp: *[0-9]+' <<<"$status" | grep -oE '[0-9]+$' || echo "?")
  result=ok
  if [ $rc -ne 0 ]; then
    failed=1
    result="FAILED ($(grep -oE 'ERROR: [A-Za-z]+: [A-Za-z-]+|ERROR: libFuzzer: [a-z-]+' "$log" | head -1)); input: $(ls -t "$artifacts" | head -1); log: $log"
  fi
  printf '%-16s %12s %9s %7s %7s %7s  %s\n' "$target" "${execs:-?}" "$(field exec/s)" "$(field cov)" "$(field ft)" \
    "$corpus" "$result"
done
exit $failed
