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
"$binary" threads --repeats 1 --steps 1 | head -1

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
swift_walls=(); swift_rss=(); c_walls=(); c_rss=()
for _ in $(seq "$repeats"); do
  out=$( { /usr/bin/time -v "$binary" trial >/tmp/b4_swift.json; } 2>&1 )
  swift_walls+=("$(echo "$out" | awk -F': ' '/Elapsed/ {split($2,t,":"); print t[1]*60+t[2]}')")
  swift_rss+=("$(echo "$out" | awk -F': ' '/Maximum resident/ {print $2}')")
  out=$( { /usr/bin/time -v reference/ctrainer trial >/tmp/b4_c.json; } 2>&1 )
  c_walls+=("$(echo "$out" | awk -F': ' '/Elapsed/ {split($2,t,":"); print t[1]*60+t[2]}')")
  c_rss+=("$(echo "$out" | awk -F': ' '/Maximum resident/ {print $2}')")
done
echo "Swift: wall median $(printf '%s\n' "${swift_walls[@]}" | median) s (runs ${swift_walls[*]}),"\
  "peak RSS median $(printf '%s\n' "${swift_rss[@]}" | median) KiB"
echo "   $(cat /tmp/b4_swift.json)"
echo "C:     wall median $(printf '%s\n' "${c_walls[@]}" | median) s (runs ${c_walls[*]}),"\
  "peak RSS median $(printf '%s\n' "${c_rss[@]}" | median) KiB"
echo "   $(cat /tmp/b4_c.json)"

echo "## mallocs in the training loop"
LD_PRELOAD="$bench/reference/malloc_count.so" "$binary" mallocs

echo "## two trials on two threads"
"$binary" threads --repeats "$repeats"

echo "## issue 6 flagship trials (cost; wall and CPU)"
/usr/bin/time -f "flagship total: real %e s, user %U s" "$binary" flagship
