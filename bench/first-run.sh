#!/usr/bin/env bash
# A newcomer's first run, timed (issue 22): clone → first trial → finished quickstart sweep → the
# full orbit built, from a fresh clone of this repository's HEAD with no build directory.
#
#   bench/first-run.sh [SCRATCH_DIR]     # default /tmp/orbit-first-run; figures → bench/RESULTS.md
#
# The apt step is whatever scripts/install-deps finds to do on this machine (nothing, where the
# packages are installed); its time is printed apart. The Swift packages come from the machine's
# mirror, as on a fresh machine of this kind.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${1:-/tmp/orbit-first-run}"
rm -rf "$scratch"
now() { date +%s.%N; }
t0=$(now)
git clone -q "$repo" "$scratch"
cd "$scratch"
t_apt0=$(now)
scripts/install-deps >/dev/null
t_apt1=$(now)
# The quickstart itself, as the README says (it runs install-deps again: nothing left to do).
scripts/quickstart > quickstart.log 2>&1
t_end=$(now)
journal=runs/quickstart/journal.sqlite
first=$(sqlite3 "$journal" "SELECT MIN(started_at) FROM trials")
last=$(sqlite3 "$journal" "SELECT MAX(finished_at) FROM trials")
python3 - "$t0" "$t_apt0" "$t_apt1" "$first" "$last" "$t_end" <<'EOF'
import sys
t0, apt0, apt1, first, last, end = map(float, sys.argv[1:])
print(f"apt step (scripts/install-deps):            {apt1 - apt0:7.1f} s")
print(f"clone → first trial:                        {first - t0:7.1f} s")
print(f"clone → finished quickstart sweep:          {last - t0:7.1f} s")
print(f"clone → full orbit built (dashboard):       {end - t0:7.1f} s")
EOF
grep "^quickstart:" quickstart.log
