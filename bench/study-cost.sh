#!/usr/bin/env bash
# Each study's cost as a ratio against a reference measured in the same run (issue 24, item 4):
# examples/check.sh checks science, not speed; this checks the studies' budgets on any machine.
#
#   bench/study-cost.sh                       # manifold symmetry permutation compute
#   bench/study-cost.sh symmetry compute      # some of them
#   RUNS=/tmp/checkruns bench/study-cost.sh   # reuse the run directories of examples/check.sh
#                                             # (finished sweeps are not run again)
#
# The reference unit is the C + OpenBLAS trainer's B4 trial (bench/reference/ctrainer trial: one
# manifold trial, 2,000 Adam steps of a 32→256→256→1 MLP), its CPU time the median of REPEATS
# runs before and REPEATS after the studies. A study's cost is the CPU time its trials report
# (`cpu_seconds`, each trial's own thread, summed from the journal), so neither the load of the
# shared machine nor the workers' idle time counts. The budgets are issue 6's CPU-minutes (and
# issue 24's for the compute study) divided by the reference's 1.32 CPU-s on the machine they
# were set on (bench/RESULTS.md, "B4").
#
# Environment: ORBIT (default .build/release/orbit), RUNS (default /tmp/orbit-study-cost),
# REPEATS (3), WORKERS (2), FRESH (set: delete earlier runs first). Needs sqlite3 and gcc.
set -uo pipefail
cd "$(dirname "$0")/.."
orbit=${ORBIT:-.build/release/orbit}
runs=${RUNS:-/tmp/orbit-study-cost}
repeats=${REPEATS:-3}
workers=${WORKERS:-2}
studies=("$@")
[ ${#studies[@]} -gt 0 ] || studies=(manifold symmetry permutation compute)
[ -x "$orbit" ] || { echo "study-cost.sh: no $orbit; run: swift build -c release --product orbit" >&2; exit 66; }
command -v sqlite3 >/dev/null || { echo "study-cost.sh: needs sqlite3" >&2; exit 69; }
bench/reference/build.sh >/dev/null || exit 69

# Budgets, in CPU-minutes on the machine where the reference took 1.32 CPU-s: issue 6's (the
# manifold study ×5/3 since it runs 5 seeds), and the compute study's (issue 24: well under an
# hour on one 2-core machine; 40 CPU-minutes is 20 minutes of its two cores).
declare -A budget=([manifold]=3.8 [symmetry]=1.9 [permutation]=1.1 [compute]=40)
reference_cpu_at_budget=1.32

samples=()
reference() {
  for _ in $(seq "$repeats"); do
    samples+=("$( { /usr/bin/time -f '%U %S' bench/reference/ctrainer trial >/dev/null; } 2>&1 | tail -1 | awk '{print $1 + $2}')")
  done
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
reference
mkdir -p "$runs"
for study in "${studies[@]}"; do
  [ -n "${budget[$study]:-}" ] || { echo "study-cost.sh: unknown study '$study'" >&2; exit 64; }
  [ -z "${FRESH:-}" ] || rm -rf "${runs:?}/$study"
  echo "== $study: $orbit run examples/$study.yaml --workers $workers --slots 1 --run-dir $runs/$study"
  "$orbit" run "examples/$study.yaml" --workers "$workers" --slots 1 --run-dir "$runs/$study" \
    --no-report >"$runs/$study.cost.log" 2>&1 || echo "   (orbit run exited $?; see $runs/$study.cost.log)"
done
reference
unit=$(median "${samples[@]}")
echo "reference (ctrainer trial): median $unit CPU-s (runs: ${samples[*]})"
printf '%-12s %14s %14s %16s %s\n' study "CPU-minutes" "÷ reference" "budget (units)" verdict
failures=0
for study in "${studies[@]}"; do
  db=$runs/$study/journal.sqlite
  seconds=$(sqlite3 "$db" "SELECT sum(json_extract(metrics, '\$.cpu_seconds')) FROM trials WHERE status = 'ok'")
  read -r minutes units limit verdict < <(awk -v s="$seconds" -v u="$unit" -v b="${budget[$study]}" \
    -v r="$reference_cpu_at_budget" 'BEGIN {
      units = s / u; limit = b * 60 / r
      printf "%.2f %.0f %.0f %s\n", s / 60, units, limit, (units <= limit ? "PASS" : "FAIL") }')
  [ "$verdict" = PASS ] || failures=$((failures + 1))
  printf '%-12s %14s %14s %16s %s\n' "$study" "$minutes" "$units" "≤ $limit" "$verdict"
done
exit $((failures > 0))
