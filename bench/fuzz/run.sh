#!/usr/bin/env bash
# The wire decoder under libFuzzer with AddressSanitizer, seeded from real frames.
#   bench/fuzz/run.sh [RUNS]      (default 1,000,000 inputs; prints inputs/s)
# The protocol sources are compiled into the fuzzer directly (one module, no Yams), so the
# fuzzed code is exactly the decoder's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
runs="${1:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/corpus"
for f in "$root"/Sources/OrbitProtocol/*.swift "$root"/Sources/OrbitSpec/TrialResult.swift; do
  sed '/^import OrbitSpec$/d' "$f" > "$work/src/$(basename "$f")"
done
swiftc -O -parse-as-library "$work"/src/*.swift "$here/MakeCorpus.swift" -o "$work/make-corpus"
"$work/make-corpus" "$work/corpus"
swiftc -O -sanitize=fuzzer,address -parse-as-library "$work"/src/*.swift "$here/FuzzDecoder.swift" \
  -o "$work/fuzz-decoder" 2>&1 | grep -v "warning: Cannot export local symbol" || true
"$work/fuzz-decoder" -runs="$runs" -max_len=4096 -print_final_stats=1 "$work/corpus" 2>&1 \
  | grep -E "Done|stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY" 
