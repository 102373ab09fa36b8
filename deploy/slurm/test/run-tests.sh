#!/usr/bin/env bash
# The Slurm recipes (deploy/slurm/*.sbatch) on a real 3-node Slurm started on this machine by
# cluster.sh. Each test prints PASS or FAIL with its reason; exit 1 if any failed.
#
#   deploy/slurm/test/run-tests.sh [ORBIT_BINARY] [TEST…]     # tests: a b c d e f g h i j k (default all)
#
# Needs root, slurm-wlm, munge, sqlite3, iproute2, util-linux. Leaves no process or namespace
# behind (the cluster is stopped on exit, whatever happened; ORBIT_SLURM_KEEP=1 keeps its dir).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
slurm_dir=$(cd "$here/.." && pwd)
orbit=${1:-${ORBIT:-}}
[ -n "$orbit" ] || { echo "usage: $0 ORBIT_BINARY [TEST…]" >&2; exit 64; }
orbit=$(cd "$(dirname "$orbit")" && pwd)/$(basename "$orbit")
[ -x "$orbit" ] || { echo "run-tests: $orbit is not executable" >&2; exit 66; }
shift || true
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(a b c d e f g h i j k)

failures=0
pass() { echo "PASS $current: $*"; }
fail() { echo "FAIL $current: $*"; failures=$((failures + 1)); }
note() { echo "     $*"; }

t0=$(date +%s)
cluster=$("$here/cluster.sh" start 3) || { echo "FAIL cluster: could not start the test cluster"; exit 1; }
# shellcheck disable=SC1091
. "$cluster/env"
prefix=$(cat "$cluster/prefix")
cleanup() {
  "$here/cluster.sh" stop "$cluster"
  local left
  left=$(ip netns list 2>/dev/null | grep -c "^$prefix" || true)
  if [ "$left" != 0 ]; then echo "FAIL cleanup: $left network namespaces left"; failures=$((failures + 1)); fi
  echo "run-tests: $failures failed · $(($(date +%s) - t0)) s"
  [ "$failures" = 0 ]
}
trap 'cleanup; exit $?' EXIT
trap 'echo "FAIL interrupted"; failures=$((failures + 1)); exit 130' INT TERM
echo "run-tests: cluster $cluster up in $(($(date +%s) - t0)) s: $(sinfo -h -o '%D nodes %c CPUs/node' | head -n 1)"
note "features of $orbit: advertise=$("$orbit" coordinator --help 2>&1 | grep -q -- --advertise && echo yes || echo no)" \
  "lifetime=$("$orbit" worker --help 2>&1 | grep -q -- --lifetime && echo yes || echo no)"

export ORBIT=$orbit
work=$cluster/work

# A small core sweep: SEEDS × widths trials of STEPS optimiser steps each.
make_spec() { # $1 = file, $2 = seeds, $3 = steps, $4 = widths (default 6 of them)
  cat >"$1" <<EOF
name: tiny
method: grid
runner: core
metric: {name: test_loss, goal: minimize}
seeds: $2
task: {kind: manifold, input_dim: 8, intrinsic_dim: 2, n_train: 256, n_val: 128, n_test: 256}
model: {kind: mlp, depth: 1}
train: {steps: $3, batch: 64}
parameters:
  model.width: {values: [${4:-8, 16, 24, 32, 40, 48}]}
analysis:
  x: [n_params]
EOF
}
# Trial lengths follow this binary's speed (a debug build trains several times slower than a
# release one): steps_for SECONDS is the optimiser steps a width-48 trial runs in that long alone.
calib=$work/calibrate.yaml
mkdir -p "$work"
make_spec "$calib" 1 50000 "48"
c0=$(date +%s.%N); "$orbit" trial "$calib" --json >/dev/null 2>&1; c1=$(date +%s.%N)
steps_per_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { d = b - a - 0.05; if (d < 0.05) d = 0.05; printf "%d", 50000 / d }')
steps_for() { awk -v r="$steps_per_s" -v s="$1" 'BEGIN { n = int(r * s); if (n < 100) n = 100; print n }'; }
note "this orbit trains $steps_per_s steps/s (width 48, alone)"

sql() { sqlite3 -batch -noheader "$1/journal.sqlite" "$2" 2>/dev/null; }
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# Wait until job $1 is in a final state (a requeued job passes through PENDING: not final).
wait_final() { # $1 = job, $2 = timeout seconds; prints the state
  local s
  for _ in $(seq "$2"); do
    s=$(job_field "$1" JobState)
    case $s in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) echo "$s"; return 0 ;; esac
    sleep 1
  done
  echo "${s:-unknown}-after-$2s"
  return 1
}
wait_state() { # $1 = job, $2 = state, $3 = timeout
  for _ in $(seq "$3"); do [ "$(job_field "$1" JobState)" = "$2" ] && return 0; sleep 1; done
  return 1
}
wait_ok_rows() { # $1 = run dir, $2 = at least, $3 = timeout
  for _ in $(seq "$3"); do
    [ "$(sql "$1" "select count(*) from trials where status='ok'")" -ge "$2" ] 2>/dev/null && return 0
    sleep 1
  done
  return 1
}
# Every trial of the plan exactly once in the journal, all ok.
check_journal() { # $1 = run dir, $2 = trials expected; prints a reason on failure
  local rows ids ok
  rows=$(sql "$1" "select count(*) from trials")
  ids=$(sql "$1" "select count(distinct id) from trials")
  ok=$(sql "$1" "select count(*) from trials where status='ok'")
  if [ "$rows" = "$2" ] && [ "$ids" = "$2" ] && [ "$ok" = "$2" ]; then return 0; fi
  echo "journal has $rows rows, $ids ids, $ok ok (expected $2 of each)"
  return 1
}
sbatch_sweep() { # $1 = dir, rest = sbatch options then script args; prints the job id
  local dir=$1; shift
  (cd "$dir" && sbatch --parsable "$@")
}

# (a) the all-in-one batch script on a small core sweep.
test_a() {
  local d=$work/a; mkdir -p "$d"; make_spec "$d/tiny.yaml" 4 "$(steps_for 0.05)"
  local j s rc
  j=$(sbatch_sweep "$d" --time=3 "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  s=$(wait_final "$j" 150)
  rc=$(job_field "$j" ExitCode)
  local why
  if ! why=$(check_journal "$d/runs/tiny-$j" 24); then fail "$why"; return; fi
  [ -s "$d/runs/tiny-$j/report.html" ] || { fail "no report.html"; return; }
  [ "$s $rc" = "COMPLETED 0:0" ] || { fail "job ended $s $rc"; return; }
  pass "24/24 trials once each, status ok; report.html; job $j COMPLETED 0:0"
}

# (b) scancel mid-sweep, then resubmit with the same RUN_DIR.
test_b() {
  local d=$work/b; mkdir -p "$d"; make_spec "$d/tiny.yaml" 4 "$(steps_for 2)"
  local j run s state before after j2 s2 rc2
  j=$(sbatch_sweep "$d" --time=5 "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  run=$d/runs/tiny-$j
  wait_ok_rows "$run" 4 120 || { fail "no 4 trials done within 120 s"; scancel "$j"; return; }
  scancel "$j"
  s=$(wait_final "$j" 60)
  state=$(sql "$run" "select state from sweeps")
  before=$(sql "$run" "select id, finished_at, worker from trials where status='ok' order by id")
  note "after scancel: job $s, sweeps.state=$state, $(printf '%s\n' "$before" | grep -c .) of 24 ok"
  if [ "$state" != stopped ]; then
    fail "after scancel the journal's sweep state is '$state', not 'stopped'$(grep -q 'exit 130' "$d/orbit-sweep-$j.out" || echo ' (coordinator did not exit 130)')"
    return
  fi
  j2=$(cd "$d" && RUN_DIR=$run sbatch --parsable --time=5 "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "resubmission refused"; return; }
  s2=$(wait_final "$j2" 240); rc2=$(job_field "$j2" ExitCode)
  local why
  if ! why=$(check_journal "$run" 24); then fail "after resubmission: $why"; return; fi
  after=$(sql "$run" "select id, finished_at, worker from trials where status='ok' order by id")
  local kept
  kept=$(comm -12 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep -c .)
  [ "$kept" = "$(printf '%s\n' "$before" | grep -c .)" ] || { fail "trials done before the scancel were run again"; return; }
  [ "$s2 $rc2" = "COMPLETED 0:0" ] || { fail "resubmitted job ended $s2 $rc2"; return; }
  pass "scancel → journal 'stopped' with $kept ok; resubmission $j2 COMPLETED 0:0; 24/24 once each, the $kept earlier ones untouched"
}

# (c) the time limit: USR1 at the offset, clean stop, scontrol requeue, completion.
# slurmctld looks at time limits every 30 s and sends --signal's signal at the first look that
# finds at most OFFSET + 30 s left: with --time=2 and @60, 30–60 s after the start. 16 command
# trials of exactly 20 s (sleep: the same whatever the binary or the load) on 4 slots: the first
# attempt finishes the 8 or 12 it has started when the signal comes, by 80 s, and requeues; the
# second has started all that is left (rounds at 0 and 20 s) before its own signal can come.
test_c() {
  local d=$work/c; mkdir -p "$d"
  cat >"$d/tiny.yaml" <<'EOF'
name: tiny
method: grid
runner: command
metric: {name: loss, goal: minimize}
command:
  - /bin/sh
  - -c
  - 'sleep 20; echo "{\"loss\": $2}"'
  - sh
  - ${args_no_equals}
parameters:
  i: {values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]}
EOF
  local j run s rc restarts t start
  start=$(date +%s)
  j=$(cd "$d" && ORBIT_SIGNAL_OFFSET=60 ORBIT_WORKER_FLAGS=--allow-command sbatch --parsable --time=2 --signal=B:USR1@60 \
    "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  run=$d/runs/tiny-$j
  s=$(wait_final "$j" 500); rc=$(job_field "$j" ExitCode); restarts=$(job_field "$j" Restarts)
  t=$(($(date +%s) - start))
  local out=$d/orbit-sweep-$j.out
  note "job $j: $s $rc after $t s, Restarts=$restarts; $(grep -c 'time-limit signal' "$out") time-limit signals"
  local why
  if ! why=$(check_journal "$run" 16); then fail "$why"; return; fi
  [ "${restarts:-0}" -ge 1 ] || { fail "the job was never requeued (Restarts=$restarts)"; return; }
  grep -q 'requeueing job' "$out" || { fail "no self-requeue in the job's output"; return; }
  if ! grep -q 'attempt 1' "$out" || ! grep -q 'attempt 2' "$out"; then fail "the requeued attempt's log did not append to the first's"; return; fi
  [ "$s $rc" = "COMPLETED 0:0" ] || { fail "job ended $s $rc"; return; }
  pass "time-limit USR1 → stop → scontrol requeue ×$restarts → COMPLETED 0:0 in $t s, no resubmission; 16/16 once; one log with every attempt"
}

# (d) the coordinator SIGKILLed mid-job: the job ends promptly, not at its time limit.
test_d() {
  local d=$work/d; mkdir -p "$d"; make_spec "$d/tiny.yaml" 4 "$(steps_for 2)"
  local j run pid p s t
  j=$(sbatch_sweep "$d" --time=10 "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  run=$d/runs/tiny-$j
  wait_ok_rows "$run" 2 120 || { fail "no trial done within 120 s"; scancel "$j"; return; }
  pid=
  for p in $(ip netns pids "${prefix}1"); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q " coordinator .*--run-dir [^ ]*runs/tiny-$j"; then pid=$p; fi
  done
  [ -n "$pid" ] || { fail "could not find the coordinator's process"; scancel "$j"; return; }
  local k
  k=$(date +%s)
  kill -KILL "$pid"
  s=$(wait_final "$j" 120)
  t=$(($(date +%s) - k))
  note "coordinator (pid $pid) SIGKILLed → job $j $s $(job_field "$j" ExitCode) after $t s (limit 10 min)"
  case $s in COMPLETED | *-after-*) fail "job ended $s (t=$t s)"; return ;; esac
  [ "$t" -le 60 ] || { fail "the job took $t s to end after the coordinator died"; return; }
  grep -q 'coordinator exited 137' "$d/orbit-sweep-$j.out" || { fail "the output does not say the coordinator died"; return; }
  pass "job ended $s $t s after the coordinator's SIGKILL (not at its 10 min limit), saying so"
}

# (e) ORBIT_SLOTS above the nodes' CPUs: the job fails promptly with the reason.
test_e() {
  local d=$work/e; mkdir -p "$d"; make_spec "$d/tiny.yaml" 1 "$(steps_for 0.05)"
  local j s t start cpus
  cpus=$(sinfo -h -o %c | head -n 1)
  start=$(date +%s)
  j=$(cd "$d" && ORBIT_SLOTS=$((cpus + 6)) sbatch --parsable --time=10 "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  s=$(wait_final "$j" 120); t=$(($(date +%s) - start))
  local out=$d/orbit-sweep-$j.out
  [ "$s" = FAILED ] || { fail "job ended $s, not FAILED"; return; }
  [ "$t" -le 30 ] || { fail "took $t s to fail"; return; }
  grep -q "ORBIT_SLOTS=$((cpus + 6)) is more than" "$out" || { fail "no reason in the output: $(tail -n 3 "$out")"; return; }
  pass "ORBIT_SLOTS=$((cpus + 6)) on $cpus-CPU nodes → FAILED $(job_field "$j" ExitCode) in $t s: \"$(grep -o 'ORBIT_SLOTS=.*CPUs of a node' "$out" | head -n 1)\""
}

# (f) a worker job array joining a coordinator started as its own job, leaving when it ends.
test_f() {
  local d=$work/f; mkdir -p "$d"; make_spec "$d/tiny.yaml" 4 "$(steps_for 0.8)"
  local run=$d/runs/array c a sc end_c end_a keys=$d/keys
  # Over CurveZMQ: the coordinator job publishes its public key in RUN_DIR.
  mkdir -p "$keys"
  (cd "$keys" && "$orbit" keys coordinator --dir . >/dev/null && "$orbit" keys worker --dir . >/dev/null) || { fail "orbit keys failed"; return; }
  export ORBIT_KEYS=$keys
  c=$(cd "$d" && RUN_DIR=$run sbatch --parsable --time=5 "$slurm_dir/orbit-coordinator.sbatch" tiny.yaml) || { fail "coordinator sbatch refused"; return; }
  a=$(cd "$d" && RUN_DIR=$run sbatch --parsable --time=5 --array=0-1 --dependency="after:$c" "$slurm_dir/orbit-workers.sbatch") || { fail "array sbatch refused"; return; }
  sc=$(wait_final "$c" 240); end_c=$(date +%s)
  local states=() i s
  for i in 0 1; do s=$(wait_final "${a}_$i" 90); states+=("$s $(job_field "${a}_$i" ExitCode)"); done
  end_a=$(date +%s)
  unset ORBIT_KEYS
  local why
  if ! why=$(check_journal "$run" 24); then fail "$why"; return; fi
  local joined
  joined=$(sql "$run" "select count(*) from workers where id like '%-$a-%'")
  note "coordinator $c $sc; array $a: ${states[*]}; $joined array workers in the journal; tasks gone $((end_a - end_c)) s after the coordinator"
  [ "$sc" = COMPLETED ] || { fail "coordinator job ended $sc"; return; }
  [ "$joined" -ge 2 ] || { fail "only $joined array workers joined"; return; }
  for s in "${states[@]}"; do [ "$s" = "COMPLETED 0:0" ] || { fail "an array task ended $s"; return; }; done
  [ $((end_a - end_c)) -le 30 ] || { fail "array tasks outlived the coordinator by $((end_a - end_c)) s"; return; }
  [ -s "$run/coordinator.pub" ] || { fail "no coordinator.pub in RUN_DIR (ORBIT_KEYS)"; return; }
  if [ ! -e "$run/sweep-over" ] || [ -e "$run/endpoint" ]; then fail "no sweep-over marker, or a stale endpoint left"; return; fi
  pass "2 array workers joined coordinator job $c over CurveZMQ via RUN_DIR/endpoint + coordinator.pub; 24/24 once; all COMPLETED 0:0; tasks left ≤ $((end_a - end_c)) s after it"
}

# (g) the heterogeneous-job variant: a 1-CPU coordinator component + a 2-node worker component.
test_g() {
  local d=$work/g; mkdir -p "$d"; make_spec "$d/tiny.yaml" 2 "$(steps_for 0.05)"
  local j s rc
  j=$(cd "$d" && ORBIT_SWEEP=$slurm_dir/orbit-sweep.sbatch sbatch --parsable "$slurm_dir/orbit-sweep-hetjob.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  s=$(wait_final "$j" 150); rc=$(job_field "$j" ExitCode)
  local why
  if ! why=$(check_journal "$d/runs/tiny-$j" 12); then fail "$why: $(tail -n 3 "$d/orbit-sweep-$j.out")"; return; fi
  [ "$s $rc" = "COMPLETED 0:0" ] || { fail "job ended $s $rc"; return; }
  pass "hetjob $j (1 CPU coordinator + 2 worker nodes): 12/12 once, COMPLETED 0:0"
}

# (h) --time not above the signal offset: the script says so and does not requeue in a loop.
test_h() {
  local d=$work/h; mkdir -p "$d"; make_spec "$d/tiny.yaml" 1 "$(steps_for 0.05)"
  local j s restarts out
  j=$(sbatch_sweep "$d" --time=1 "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  s=$(wait_final "$j" 90); restarts=$(job_field "$j" Restarts)
  out=$d/orbit-sweep-$j.out
  grep -q 'WARNING: --time (60 s) is not above the stop signal' "$out" || { fail "no warning in the output: $(head -n 3 "$out")"; return; }
  [ "${restarts:-0}" = 0 ] || { fail "requeued $restarts times"; return; }
  case $s in *-after-*) fail "job still $s"; return ;; esac
  pass "--time=1 with --signal=B:USR1@120: warned, no self-requeue, job $s $(job_field "$j" ExitCode)"
}

# (i) the worker step fails while the coordinator runs (here: workers refuse a bad flag): the
# sweep is stopped and the job fails at once, instead of a coordinator waiting with no workers.
test_i() {
  local d=$work/i; mkdir -p "$d"; make_spec "$d/tiny.yaml" 1 "$(steps_for 0.05)"
  local j s t start out
  start=$(date +%s)
  j=$(cd "$d" && ORBIT_WORKER_FLAGS=--no-such-flag sbatch --parsable --time=10 "$slurm_dir/orbit-sweep.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  s=$(wait_final "$j" 120); t=$(($(date +%s) - start))
  out=$d/orbit-sweep-$j.out
  [ "$s" = FAILED ] || { fail "job ended $s, not FAILED"; return; }
  [ "$t" -le 45 ] || { fail "took $t s to fail"; return; }
  grep -q 'the worker step failed' "$out" || { fail "no reason in the output: $(tail -n 3 "$out")"; return; }
  pass "worker step failed → coordinator stopped, job FAILED $(job_field "$j" ExitCode) in $t s, saying so"
}

# (j) the adaptive pool: a coordinator job started with --slurm-workers 3 and no workers finishes
# the sweep on worker jobs it submitted itself (sbatch from inside its job), each trial once and
# each by a worker whose job id the journal records; no job is left in the queue at the end.
test_j() {
  if ! "$orbit" coordinator --help 2>&1 | grep -q -- --slurm-workers; then fail "this orbit has no --slurm-workers"; return; fi
  local d=$work/j; mkdir -p "$d"; make_spec "$d/tiny.yaml" 4 "$(steps_for 1)"
  local run=$d/runs/pool c sc start end_c
  start=$(date +%s)
  c=$(cd "$d" && RUN_DIR=$run \
    ORBIT_COORDINATOR_FLAGS="--slurm-workers 3 --slurm-args --time=5 --slurm-args --cpus-per-task=1" \
    sbatch --parsable --time=10 "$slurm_dir/orbit-coordinator.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  sc=$(wait_final "$c" 300); end_c=$(date +%s)
  local out=$d/orbit-coordinator-$c.out
  local why
  if ! why=$(check_journal "$run" 24); then fail "$why: $(grep -i 'slurm pool' "$out" | tail -n 3)"; return; fi
  [ "$sc" = COMPLETED ] || { fail "coordinator job ended $sc $(job_field "$c" ExitCode): $(tail -n 3 "$out")"; return; }
  local jobs connected strangers
  jobs=$(sql "$run" "select count(*) from worker_jobs")
  connected=$(sql "$run" "select count(*) from worker_jobs where connected_at is not null")
  # Every trial ran on a worker named after a job the pool recorded.
  strangers=$(sql "$run" "select count(*) from trials where worker not in (select 'slurm-' || job_id from worker_jobs)")
  if [ "$jobs" -lt 1 ] || [ "$jobs" -gt 20 ]; then fail "$jobs worker jobs recorded"; return; fi
  [ "$connected" -ge 1 ] || { fail "no submitted worker connected"; return; }
  [ "$strangers" = 0 ] || { fail "$strangers trials ran on workers that are not the pool's"; return; }
  # Nothing of the pool's left in the queue (a job may still be COMPLETING for a moment).
  local left=1
  for _ in $(seq 30); do
    left=$(squeue -h -o '%i %j' | grep -c 'orbit-pool-' || true)
    [ "$left" = 0 ] && break
    sleep 1
  done
  [ "$left" = 0 ] || { fail "$left pool jobs still in the queue: $(squeue -h -o '%i %j %T')"; return; }
  "$orbit" status "$run" | grep -q "worker jobs submitted" || { fail "orbit status does not list the worker jobs"; return; }
  local job_states="" id
  for id in $(sql "$run" "select job_id from worker_jobs order by job_id"); do
    job_states="$job_states $id:$(job_field "$id" JobState)/$(job_field "$id" ExitCode)"
  done
  local t_first t_end cancelled
  t_first=$(sql "$run" "select printf('%.1f', min(w.connected_at) - s.started_at) from worker_jobs w, sweeps s")
  t_end=$(sql "$run" "select printf('%.1f', s.finished_at - s.started_at) from sweeps s")
  cancelled=$(sql "$run" "select count(*) from worker_jobs where reason like 'cancelled%'")
  note "coordinator $c $sc; $jobs worker jobs submitted ($connected connected, $cancelled cancelled):$job_states"
  note "from the coordinator's start with 0 workers: first worker connected after $t_first s, sweep over after $t_end s; job gone $((end_c - start)) s after submission"
  "$orbit" status "$run" | sed -n '/^slurm/,$p' | sed 's/^/     /'
  pass "--slurm-workers 3 from 0 workers: 24/24 once, all on pool workers ($jobs jobs recorded); squeue empty at the end"
}

# (k) the pool replaces a worker job that dies (cancelled by hand mid-sweep) and cancels idle ones:
# one 40 s trial and 12 of 3 s (sleep: the same whatever the load) on 3 one-slot jobs; the job
# running the 40 s trial is cancelled; when the short ones are done, the workers without a trial
# idle past --slurm-idle and are cancelled.
# `retries: 0`: scancel's SIGTERM reaches the trial's process as well as the worker; the trial
# that dies of it is handed back with the worker's BYE (no attempt spent), so none may fail.
# `sleep && echo`, not `sleep; echo`: Slurm's linuxproc signals the step's processes one by one,
# and a shell whose `sleep` died first would print the result of a trial that never ran.
test_k() {
  if ! "$orbit" coordinator --help 2>&1 | grep -q -- --slurm-workers; then fail "this orbit has no --slurm-workers"; return; fi
  local d=$work/k; mkdir -p "$d"
  cat >"$d/tiny.yaml" <<'EOF2'
name: pool
method: grid
runner: command
retries: 0
metric: {name: loss, goal: minimize}
command: [/bin/sh, -c, 'sleep $2 && echo "{\"loss\": $2}"', sh, '${args_no_equals}']
parameters:
  s: {values: [40, 3.0, 3.01, 3.02, 3.03, 3.04, 3.05, 3.06, 3.07, 3.08, 3.09, 3.1, 3.11]}
EOF2
  local run=$d/runs/pool c sc victim
  c=$(cd "$d" && RUN_DIR=$run \
    ORBIT_COORDINATOR_FLAGS="--slurm-workers 3 --slurm-idle 5 --slurm-args --time=5 --slurm-args --cpus-per-task=1 --slurm-worker-flags --allow-command" \
    sbatch --parsable --time=10 "$slurm_dir/orbit-coordinator.sbatch" tiny.yaml) || { fail "sbatch refused"; return; }
  wait_ok_rows "$run" 4 120 || { fail "no 4 trials done within 120 s"; scancel "$c"; return; }
  # The victim is the job running the 40 s trial (its worker has recorded nothing yet): the
  # trial its SIGTERM kills must be handed back and run again, not recorded.
  victim=$(sql "$run" "select job_id from worker_jobs where state = 'connected' and worker_id not in (select worker from trials) order by job_id limit 1")
  [ -n "$victim" ] || victim=$(sql "$run" "select job_id from worker_jobs where state = 'connected' order by job_id desc limit 1")
  [ -n "$victim" ] || { fail "no connected pool job to cancel"; scancel "$c"; return; }
  scancel "$victim"
  note "scancel $victim (a pool worker job) with $(sql "$run" "select count(*) from trials") of 13 done"
  sc=$(wait_final "$c" 300)
  local out=$d/orbit-coordinator-$c.out
  local why
  if ! why=$(check_journal "$run" 13); then fail "$why: $(grep -i 'slurm pool' "$out" | tail -n 3)"; return; fi
  [ "$sc" = COMPLETED ] || { fail "coordinator job ended $sc: $(tail -n 3 "$out")"; return; }
  local jobs after idle long
  # The 40 s trial ran its 40 s wherever it ended up (a killed one is re-run, not reported).
  long=$(sql "$run" "select printf('%.0f', wall_seconds) from trials where json_extract(params, '\$.s') = 40")
  [ "${long:-0}" -ge 39 ] || { fail "the 40 s trial is recorded after ${long:-?} s"; return; }
  jobs=$(sql "$run" "select count(*) from worker_jobs")
  after=$(sql "$run" "select count(*) from worker_jobs where submitted_at > (select ended_at from worker_jobs where job_id = '$victim')")
  idle=$(sql "$run" "select count(*) from worker_jobs where reason like 'cancelled: idle%'")
  local left=1
  for _ in $(seq 30); do
    left=$(squeue -h -o '%i %j' | grep -c 'orbit-pool-' || true)
    [ "$left" = 0 ] && break
    sleep 1
  done
  note "$jobs worker jobs; $after submitted after $victim ended; $idle cancelled idle"
  "$orbit" status "$run" | sed -n '/^slurm/,$p' | sed 's/^/     /'
  [ "$after" -ge 1 ] || { fail "no job submitted to replace $victim"; return; }
  [ "$idle" -ge 1 ] || { fail "no idle job cancelled"; return; }
  [ "$left" = 0 ] || { fail "$left pool jobs still in the queue"; return; }
  pass "job $victim scancelled mid-sweep → replaced; $idle idle job(s) cancelled; 13/13 once; squeue empty at the end"
}

for current in "${tests[@]}"; do
  ts=$(date +%s)
  if declare -F "test_$current" >/dev/null; then "test_$current"; else fail "no such test"; fi
  note "($current took $(($(date +%s) - ts)) s)"
done
