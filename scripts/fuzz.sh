#!/usr/bin/env bash
# Runs every cargo-fuzz target for a while (default 600 s each), one after
# another, and prints one summary line per target. Needs the nightly
# toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#
# The committed seed corpora (fuzz/corpus/TARGET) are read, never written:
# what the fuzzer finds goes to fuzz/work/TARGET (git-ignored). A crash is
# saved under fuzz/artifacts/TARGET/ and ends the run with exit 1.
# -malloc_limit_mb and -timeout turn an unbounded allocation or a hang into
# a failure, not just a crash.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)

declare -A dict=([pyfloat_parse]=pyfloat [wire_hashes]=wire [judge_pack]=wire [pack_json]=pack [theta_json]=theta)
status=0
for t in "${targets[@]}"; do
  mkdir -p "work/$t" "artifacts/$t"
  log="work/$t.log"
  started=$SECONDS
  if cargo +nightly fuzz run -O "$t" "work/$t" "corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
      -max_len=65536 -dict="dict/${dict[$t]:-wire}.dict" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "$t: $result after $((SECONDS - started))s (building included), ${runs:-?} executions, ${cov:-cov: ?}, corpus $(ls "work/$t" | wc -l) (log: fuzz/$log)"
done
exit $status
