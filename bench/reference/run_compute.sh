#!/bin/bash
# Runs every compute-core benchmark of issue 4 and prints the figures for bench/RESULTS.md.
# Usage (from bench/): reference/run_compute.sh [repeats=3]
# Builds ComputeBench in release and the C references, then: B1–B3 (engine vs its sgemm bound),
# the C + OpenBLAS trainer on B1/B2, B4 as fresh processes under /usr/bin/time -v (Swift and C
# alternated), mallocs in the training loop, two-thread scaling, the OpenBLAS core-type trap
# and the cost of issue 6's flagship trials.
set -euo pipefail
repeats=${1:-3}
bench=$(cd "$(dirname "$0")/.." && pwd)
cd "$bench"
swift build -c release --product ComputeBench >/dev/null
binary=$(swift build -c release --show-bin-path)/ComputeBench
reference/build.sh >/dev/null
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "## machine"
grep -m1 "model name" /proc/cpuinfo
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU, vector extensions, Orbit's kernel level, OpenBLAS core and config (issue 29); the C
# reference's flags, and the environment that chooses both sides' kernels.
"$binary" threads --repeats 1 --steps 1 | head -1
echo "C reference: gcc -O3 -march=native -fno-math-errno ${CTRAINER_CFLAGS:-}"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} ORBIT_KERNELS=${ORBIT_KERNELS:-unset}"

echo "## OpenBLAS core type (the trap)"
"$binary" coretype
OPENBLAS_CORETYPE=Prescott "$binary" coretype

echo "## B1–B3 (engine vs sgemm bound)"
"$binary" steps --repeats "$repeats"

echo "## C + OpenBLAS trainer, B1/B2 (ratio to its own sgemm calls)"
for shape in "256 64 3 128 B1_W=64" "256 256 3 128 B1_W=256" "256 1024 3 128 B1_W=1024" \
  "256 1024 3 1024 B2"; do
  set -- $shape
  ratios=$(for _ in $(seq "$repeats"); do
    reference/ctrainer steps 32 "$2" "$3" "$4" 1 | sed 's/.*"ratio": \([0-9.]*\).*/\1/'
  done)
  echo "$5: C ratio to bound, median $(echo "$ratios" | median) (runs: $(echo $ratios))"
done

echo "## B4: whole manifold trial as a fresh process"
# Wall time counts process start; CPU time (user + sys) is the figure that other processes on
# the shared machine do not inflate.
swift_walls=(); swift_cpu=(); swift_rss=(); c_walls=(); c_cpu=(); c_rss=()
measure() {  # command… → "wall cpu rss"
  local out
  out=$( { /usr/bin/time -v "$@" >/tmp/b4_last.json; } 2>&1 )
  echo "$out" | awk -F': ' '/Elapsed/ {split($2,t,":"); w=t[1]*60+t[2]}
    /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {r=$2}
    END {printf "%.2f %.2f %d\n", w, u+s, r}'
}
for _ in $(seq "$repeats"); do
  read -r w c r < <(measure "$binary" trial); cp /tmp/b4_last.json /tmp/b4_swift.json
  swift_walls+=("$w"); swift_cpu+=("$c"); swift_rss+=("$r")
  read -r w c r < <(measure reference/ctrainer trial); cp /tmp/b4_last.json /tmp/b4_c.json
  c_walls+=("$w"); c_cpu+=("$c"); c_rss+=("$r")
done
for who in swift c; do
  declare -n walls="${who}_walls" cpus="${who}_cpu" rss="${who}_rss"
  echo "$who: wall median $(printf '%s\n' "${walls[@]}" | median) s (runs ${walls[*]}),"\
    "CPU median $(printf '%s\n' "${cpus[@]}" | median) s (runs ${cpus[*]}),"\
    "peak RSS median $(printf '%s\n' "${rss[@]}" | median) KiB"
  echo "   $(cat /tmp/b4_$who.json)"
done

echo "## mallocs in the training loop"
LD_PRELOAD="$bench/reference/malloc_count.so" "$binary" mallocs

echo "## two trials on two threads"
"$binary" threads --repeats "$repeats"

echo "## issue 6 flagship trials (cost; wall and CPU)"
/usr/bin/time -f "flagship total: real %e s, user %U s" "$binary" flagship
