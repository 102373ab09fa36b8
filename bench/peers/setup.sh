#!/usr/bin/env bash
# The systems a user would pick instead of Orbit (issue 28, item 1), pinned, in a virtualenv of
# their own — never installed globally; Python here is a benchmark peer, never part of Orbit.
# Usage: bench/peers/setup.sh [VENV]   (default bench/.venv-peers)
set -euo pipefail
venv="${1:-$(cd "$(dirname "$0")/.." && pwd)/.venv-peers}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet \
  "dask[distributed]==2026.11.0" "distributed==2026.11.0" \
  "ray[tune]==2.60.0" \
  "optuna==5.1.0" \
  "hyperqueue==0.27.0" \
  "parsl==2026.10.26"
"$venv/bin/python" - <<'PY'
import importlib.metadata as m
for name in ["distributed", "ray", "optuna", "hyperqueue", "parsl"]:
    print(name, m.version(name))
PY
