#!/usr/bin/env bash
# Runs issue 6's three studies with the release binary and checks the acceptance ranges against
# what the sweeps wrote: fits.json (exponents, intervals, local slopes, seed spread, floors,
# multipliers, verdicts) and the journal (CPU cost, wall time). Every check prints its measured
# value and PASS or FAIL; the script exits 1 if any check fails.
#
#   examples/check.sh                      # all three: manifold, symmetry, permutation
#   examples/check.sh symmetry             # one study
#   examples/check.sh compute              # issue 24's compute study (≈ 20 CPU-minutes)
#   FRESH=1 examples/check.sh              # delete earlier runs first (else they are resumed:
#                                          # finished trials are not run again, only re-checked)
#
# Environment: ORBIT (default .build/release/orbit), RUNS (default runs/check), WORKERS (2),
# SLOTS (1). Needs jq and sqlite3. Build first: swift build -c release --product orbit
set -uo pipefail
cd "$(dirname "$0")/.."

orbit=${ORBIT:-.build/release/orbit}
runs=${RUNS:-runs/check}
workers=${WORKERS:-2}
slots=${SLOTS:-1}
studies=("$@")
[ ${#studies[@]} -gt 0 ] || studies=(manifold symmetry permutation)

for tool in jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "check.sh: needs $tool (apt-get install $tool)" >&2; exit 69; }
done
[ -x "$orbit" ] || { echo "check.sh: no $orbit; run: swift build -c release --product orbit" >&2; exit 66; }

failures=0
# check NAME VALUE CONDITION: CONDITION is a jq expression over `.` = VALUE (a number or JSON).
check() {
  local name=$1 value=$2 condition=$3 verdict
  if [ "$(jq -n --argjson v "$value" "\$v | ($condition)" 2>/dev/null)" = "true" ]; then
    verdict=PASS
  else
    verdict=FAIL
    failures=$((failures + 1))
  fi
  printf '%-4s  %-58s %s\n' "$verdict" "$name" "$value"
}

# fits.json helpers: the family whose group label contains $2, the comparison baseline→other.
family() { jq -c --arg g "$2" '[.families[] | select(.group | tostring | contains($g))][0]' "$1"; }
comparison() {
  jq -c --arg b "$2" --arg o "$3" \
    '[.comparisons[] | select((.baseline | tostring | contains($b)) and (.other | tostring | contains($o)))][0]' "$1"
}
# floor_trap STUDY FITS: the verdicts of every comparison that involves a family with a
# significant floor; none may be "different exponent" (issue 6's floor trap).
floor_trap() {
  check "$1: comparisons with a floored family never say different exponent" \
    "$(jq -c '(.families | map({key: (.group | tostring), value: .floor_significant}) | from_entries) as $floored
      | [.comparisons[] | select($floored[.baseline | tostring] or $floored[.other | tostring]) | .verdict]' "$2")" \
    'length > 0 and all(. != "different exponent")'
}
round() { jq -c 'if type == "number" then (. * 1000 | round / 1000) elif type == "array" then map(if type == "number" then (. * 1000 | round / 1000) else . end) else . end'; }

# run STUDY: runs (or resumes) the sweep, then prints its cost from the journal.
run() {
  local study=$1 dir=$runs/$1
  [ -z "${FRESH:-}" ] || rm -rf "$dir"
  mkdir -p "$runs"
  echo "== $study: $orbit run examples/$study.yaml --workers $workers --slots $slots --run-dir $dir"
  local started=$SECONDS before after
  before=$(trial_count "$dir")
  /usr/bin/time -f '%U %S' -o "$runs/$study.cpu.new" \
    "$orbit" run "examples/$study.yaml" --workers "$workers" --slots "$slots" --run-dir "$dir" \
    >"$runs/$study.log" 2>&1
  local status=$?
  after=$(trial_count "$dir")
  tail -n 12 "$runs/$study.log" | sed 's/^/   /'
  [ "$status" -eq 0 ] || echo "   (orbit run exited $status; see $runs/$study.log)"
  echo "   this invocation: $((after - before)) trials run, $((SECONDS - started)) s wall, CPU user+sys $(awk '{printf "%.1f s", $1 + $2}' "$runs/$study.cpu.new") (orbit and its workers)"
  # Keep the CPU time of the invocation that ran the whole sweep, not of a resume that ran none.
  if [ "$before" -eq 0 ]; then mv "$runs/$study.cpu.new" "$runs/$study.cpu"; else rm -f "$runs/$study.cpu.new"; fi
}

trial_count() {
  if [ -f "$1/journal.sqlite" ]; then sqlite3 "$1/journal.sqlite" "SELECT count(*) FROM trials;"; else echo 0; fi
}

# cost STUDY BUDGET_MINUTES: the trials' CPU time summed from the journal — a trial's
# `cpu_seconds` metric where the core reports one, else its wall time (one trial runs on one
# thread, so wall = CPU on an otherwise idle core; on a shared machine wall overstates it, and
# the CPU time of the orbit processes, from /usr/bin/time, is printed beside it).
cost() {
  local study=$1 budget=$2 db=$runs/$1/journal.sqlite
  local minutes source wall cpu
  minutes=$(sqlite3 "$db" "SELECT round(sum(coalesce(json_extract(metrics, '\$.cpu_seconds'), wall_seconds)) / 60.0, 3) FROM trials;")
  source=$(sqlite3 "$db" "SELECT CASE WHEN count(json_extract(metrics, '\$.cpu_seconds')) = count(*) THEN 'trial cpu_seconds' ELSE 'trial wall_seconds' END FROM trials;")
  # Informational: check.sh checks science, not speed (issue 24); the cost against a same-run
  # reference is a benchmark's job.
  echo "      $study: CPU-minutes from the journal ($source): ${minutes:-?} (budget: $budget)"
  # From the first trial's start to the last one's end (a resume that ran nothing adds nothing).
  wall=$(sqlite3 "$db" "SELECT round(max(finished_at) - min(started_at), 1) FROM trials;")
  cpu=$([ -s "$runs/$study.cpu" ] && awk '{printf "%.2f", ($1 + $2) / 60}' "$runs/$study.cpu" || echo "?")
  echo "      $study: CPU-minutes of the orbit processes (user+sys, the run that did the trials): $cpu; sweep wall time on $workers workers × $slots slots: ${wall} s; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "      $study: trials $(sqlite3 "$db" "SELECT group_concat(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM trials GROUP BY status);")"
}

check_manifold() {
  local f=$runs/manifold/fits.json a2 a4 a6
  [ -f "$f" ] || { check "manifold: fits.json exists" false '.'; return; }
  # Group labels are the intrinsic dimension (e.g. "task.intrinsic_dim=2"); select exactly.
  a2=$(jq -c '[.families[] | select(.group | tostring | test("(^|[=: ])2$"))][0].pure.parameters.alpha' "$f")
  a4=$(jq -c '[.families[] | select(.group | tostring | test("(^|[=: ])4$"))][0].pure.parameters.alpha' "$f")
  a6=$(jq -c '[.families[] | select(.group | tostring | test("(^|[=: ])6$"))][0].pure.parameters.alpha' "$f")
  check "manifold: α(2) > α(4) > α(6) [value, lower, upper]" \
    "[$(jq -c '[.value,.lower,.upper]' <<<"$a2" | round),$(jq -c '[.value,.lower,.upper]' <<<"$a4" | round),$(jq -c '[.value,.lower,.upper]' <<<"$a6" | round)]" \
    '.[0][0] > .[1][0] and .[1][0] > .[2][0]'
  # Issue 24's decision: the test of a difference is the paired difference's interval, not the
  # overlap of two marginal intervals (far too conservative at 3 seeds). fits.json's
  # adjacent_differences hold Δα = α(to) − α(from) for each pair of neighbouring dimensions,
  # paired by seed; printed here as α(d) − α(d+2) = −Δα.
  local deltas=()
  for pair in "2 4" "4 6"; do
    set -- $pair
    deltas+=("$(jq -c --argjson a "$1" --argjson b "$2" '
      [.adjacent_differences[] | select(.from == $a and .to == $b)][0] // null
      | if . == null then null else .exponent_difference
        | [-.value, -.upper, -.lower] end' "$f" | round)")
  done
  check "manifold: every adjacent Δα = α(d) − α(d+2) excludes 0, positive [value, lower, upper]" \
    "[${deltas[0]:-null},${deltas[1]:-null}]" 'all(. != null and .[1] > 0)'
  check "manifold: 4/α(2) in [2.2, 3.3]" "$(jq '4 / .value' <<<"$a2" | round)" '. >= 2.2 and . <= 3.3'
  check "manifold: 4/α(4) in [2.8, 3.8]" "$(jq '4 / .value' <<<"$a4" | round)" '. >= 2.8 and . <= 3.8'
  check "manifold: 4/α(6) in [3.4, 4.4]" "$(jq '4 / .value' <<<"$a6" | round)" '. >= 3.4 and . <= 4.4'
  for d in 4 6; do
    check "manifold: seed spread of α(d=$d) < 10 %" \
      "$(jq -c "[.families[] | select(.group | tostring | test(\"(^|[=: ])$d\$\"))][0].seed_spread" "$f" | round)" \
      '. != null and . < 0.10'
  done
  # Issue 6 budgeted 2.3 CPU-minutes for 3 seeds; the study runs 5 since issue 24 (×5/3).
  cost manifold 3.8
}

check_symmetry() {
  local f=$runs/symmetry/fits.json plain aug sym
  [ -f "$f" ] || { check "symmetry: fits.json exists" false '.'; return; }
  plain=$(family "$f" none)
  check "symmetry: plain MLP β (pure power law) in [0.27, 0.38]" \
    "$(jq '.pure.parameters.alpha.value' <<<"$plain" | round)" '. >= 0.27 and . <= 0.38'
  echo "      plain β interval $(jq -c '.pure.parameters.alpha | [.lower, .upper]' <<<"$plain" | round), with a floor: β $(jq -c '.with_floor.parameters.alpha.value' <<<"$plain" | round), E $(jq -c '.with_floor.parameters.E | [.value, .lower, .upper]' <<<"$plain" | round)"
  check "symmetry: every plain local slope in [0.25, 0.45]" \
    "$(jq -c '[.local_slopes[].slope]' <<<"$plain" | round)" 'length > 0 and all(. >= 0.25 and . <= 0.45)'
  check "symmetry: plain seed spread < 5 %" "$(jq '.seed_spread' <<<"$plain" | round)" '. != null and . < 0.05'
  aug=$(comparison "$f" none augment)
  check "symmetry: augment multiplier at n = 64–512 in [11, 22]" \
    "$(jq -c '[.multipliers[] | select(.x >= 64 and .x <= 512 and (.extrapolated | not)) | .k]' <<<"$aug" | round)" \
    'length > 0 and all(. >= 11 and . <= 22)'
  sym=$(comparison "$f" none symmetrize)
  check "symmetry: symmetrize multiplier at n ≤ 128 in [30, 80]" \
    "$(jq -c '[.multipliers[] | select(.x <= 128 and (.extrapolated | not)) | .k]' <<<"$sym" | round)" \
    'length > 0 and all(. >= 30 and . <= 80)'
  check "symmetry: floors flagged for augment and symmetrize" \
    "[$(family "$f" augment | jq -c '.floor_significant'),$(family "$f" symmetrize | jq -c '.floor_significant')]" \
    'all(. == true)'
  floor_trap symmetry "$f"
  check "symmetry: augment verdict is same exponent, constant factor" \
    "$(jq -c '.verdict' <<<"$aug")" '. == "same exponent, constant multiplier"'
  echo "      augment: $(jq -r '.sentence' <<<"$aug")"
  echo "      symmetrize: $(jq -r '.sentence' <<<"$sym")"
  echo "      verdict: $(jq -c '.verdict' "$f")"
  cost symmetry 1.9
}

check_permutation() {
  local f=$runs/permutation/fits.json mlp ds
  [ -f "$f" ] || { check "permutation: fits.json exists" false '.'; return; }
  mlp=$(family "$f" mlp)
  check "permutation: MLP β (pure power law) in [0.22, 0.30]" \
    "$(jq '.pure.parameters.alpha.value' <<<"$mlp" | round)" '. >= 0.22 and . <= 0.30'
  ds=$(comparison "$f" mlp deepsets)
  check "permutation: DeepSets multiplier at n = 64–256 in [5, 30]" \
    "$(jq -c '[.multipliers[] | select(.x >= 64 and .x <= 256 and (.extrapolated | not)) | .k]' <<<"$ds" | round)" \
    'length > 0 and all(. >= 5 and . <= 30)'
  check "permutation: DeepSets multiplier rising with n (64–256)" \
    "$(jq -c '[.multipliers[] | select(.x >= 64 and .x <= 256 and (.extrapolated | not)) | .k]' <<<"$ds" | round)" \
    'length > 1 and ([range(1; length) as $i | .[$i] > .[$i - 1]] | all)'
  floor_trap permutation "$f"
  echo "      deepsets: $(jq -r '.sentence' <<<"$ds")"
  cost permutation 1.1
}

# The compute study (issue 24, docs/STUDY.md "Result 4"): what the instrument must get right
# whatever the science says — every family has a frontier, an Approach 3 allocation with
# intervals and a compute multiplier against plain; augmentation, which online cannot help
# (a shifted Gaussian is another Gaussian), is found worth 1× per FLOP; the hold-out budget is
# predicted inside its interval.
check_compute() {
  local f=$runs/compute/fits.json
  [ -f "$f" ] || { check "compute: fits.json exists" false '.'; return; }
  check "compute: a frontier for every family" \
    "$(jq -c '[.frontiers[] | select(.fit != null) | .group] | sort' "$f")" \
    '. == ["augment", "conv1d", "plain", "symmetrize"]'
  check "compute: Approach 3's a with an interval for every family [value, lower, upper]" \
    "$(jq -c '[.compute_optimal | to_entries[] | .value.a | [.value, .lower, .upper]]' "$f" | jq -c 'map(map(. * 1000 | round / 1000))')" \
    'length == 4 and all(.[1] <= .[0] and .[0] <= .[2] and .[1] < .[2])'
  check "compute: a compute multiplier against plain for each structured family" \
    "$(jq -c '[.compute_multipliers[] | select(.baseline == "plain") | .other] | sort' "$f")" \
    '. == ["augment", "conv1d", "symmetrize"]'
  check "compute: augment's k_C interval holds 1 at every budget (no advantage online)" \
    "$(jq -c '[.compute_multipliers[] | select(.other == "augment") | .points[].k | [.lower, .upper]]' "$f" | jq -c 'map(map(. * 1000 | round / 1000))')" \
    'length > 0 and all(.[0] <= 1 and .[1] >= 1)'
  check "compute: plain's hold-out budget lies inside its predicted interval" \
    "$(jq -c '[.frontiers[] | select(.group == "plain") | .holdout | if . == null then null else [.observed, .predicted.lower, .predicted.upper, .inside] end][0]' "$f")" \
    '. != null and .[3] == true'
  for other in conv1d symmetrize augment; do
    echo "      $other: $(jq -r --arg o "$other" '[.compute_multipliers[] | select(.other == $o)][0].sentence // "no multiplier"' "$f")"
  done
  for family in plain augment symmetrize conv1d; do
    echo "      $family: $(jq -r --arg g "$family" '.compute_optimal[$g].sentence // "no compute-optimal fit"' "$f")"
  done
  cost compute 40
}

for study in "${studies[@]}"; do
  case $study in
    manifold | symmetry | permutation | compute) run "$study" ;;
    *) echo "check.sh: unknown study '$study' (manifold, symmetry, permutation, compute)" >&2; exit 64 ;;
  esac
done
echo
for study in "${studies[@]}"; do "check_$study"; done
echo
if [ "$failures" -gt 0 ]; then
  echo "check.sh: $failures check(s) FAILED"
  exit 1
fi
echo "check.sh: all checks passed"
