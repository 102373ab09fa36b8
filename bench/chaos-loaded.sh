#!/bin/bash
# The 300-trial chaos case (IntegrationTests ChaosTests/threeHundred) at a worker kill every 500 ms
# and 300 ms, three runs each, while two more processes replay protocol simulations on both cores
# (load 5-11 on 2 cores). Build first: swift build --build-tests; then copy the test bundle and
# orbit to /tmp/snap (so builds can go on) and run this script. Prints one line per run.
cd "$(dirname "$0")/.."
T=/tmp/snap/OrbitPackageTests.xctest
for ms in 500 500 500 300 300 300; do
  ORBIT_SIM_SEEDS=1000000 $T --testing-library swift-testing --filter everyScheduleEnds > /dev/null 2>&1 &
  L1=$!
  ORBIT_SIM_SEEDS=1000000 $T --testing-library swift-testing --filter everyScheduleEnds > /dev/null 2>&1 &
  L2=$!
  sleep 2
  start=$(date +%s)
  ORBIT_CHAOS_KILL_MS=$ms $T --testing-library swift-testing --filter threeHundred > /tmp/chaos-$ms-$start.log 2>&1
  rc=$?
  kill $L1 $L2 2>/dev/null; wait 2>/dev/null
  echo "$ms ms rc=$rc $(grep -o 'chaos: .*' /tmp/chaos-$ms-$start.log) $(grep -c '✘' /tmp/chaos-$ms-$start.log) failure lines, $(( $(date +%s) - start )) s, load $(cut -d' ' -f1 /proc/loadavg)"
done
