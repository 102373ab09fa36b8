#!/usr/bin/env bash
# CurveZMQ's cost on dispatch (issue 11): the same no-op sweep through `orbit coordinator` and
# W `orbit worker` processes on loopback, plain TCP and CurveZMQ alternated, REPEATS times each.
# Prints trials/s from the journal (first worker's arrival → last commit), medians per mode.
#   bench/fault/curve_cost.sh ORBIT [TRIALS] [WORKERS] [REPEATS]
set -euo pipefail
orbit="$(realpath "$1")"; trials="${2:-100000}"; workers="${3:-4}"; repeats="${4:-3}"
work="$(mktemp -d)"; trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
"$orbit" keys coordinator >/dev/null; "$orbit" keys worker >/dev/null
cat > noop.yaml <<SPEC
name: noop
method: grid
runner: core
task: {kind: noop}
model: {kind: mlp}
train: {steps: 1}
parameters:
  i: {min: 1, max: $trials}
SPEC
rate() {
  python3 - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
j = c.execute('select min(joined_at) from workers').fetchone()[0]
f = c.execute('select max(finished_at), count(*) from trials').fetchone()
print(int(f[1] / (f[0] - j)))
PY
}
one() {
  local mode=$1 run="run-$1-$RANDOM"; local cflags=() wflags=()
  if [ "$mode" = curve ]; then
    cflags=(--curve-key coordinator.key --allow-keys worker.pub)
    wflags=(--curve-key worker.key --server-key coordinator.pub)
  fi
  "$orbit" coordinator noop.yaml --bind tcp://127.0.0.1:0 --run-dir "$run" "${cflags[@]}" > "$run.out" 2>/dev/null &
  local c=$!
  local ep=""
  for _ in $(seq 200); do ep=$(grep -o 'tcp://127.0.0.1:[0-9]*' "$run.out" | head -1 || true); [ -n "$ep" ] && break; sleep 0.02; done
  for w in $(seq "$workers"); do "$orbit" worker --connect "$ep" --slots 64 "${wflags[@]}" >/dev/null 2>&1 & done
  wait "$c"
  wait
  rate "$run/journal.sqlite"
}
plain=(); curve=()
for _ in $(seq "$repeats"); do plain+=("$(one plain)"); curve+=("$(one curve)"); done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "plain TCP trials/s: ${plain[*]} → median $(median "${plain[@]}")"
echo "CurveZMQ trials/s:  ${curve[*]} → median $(median "${curve[@]}")"
python3 -c "print('ratio CURVE / plain: %.2f' % ($(median "${curve[@]}") / $(median "${plain[@]}")))"
