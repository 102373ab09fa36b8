#!/usr/bin/env bash
# The benchmark peers of bench/bayes (issue 27): PyPI `sweeps` (wandb's engine) and Optuna, in
# a virtualenv of their own (never installed globally; Python is a golden generator and a
# benchmark peer only, never used by Orbit at run time). Usage: bench/bayes/setup.sh [VENV]
set -euo pipefail
venv="${1:-$(dirname "$0")/../.venv}"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
# sweeps 0.2.0 imports sklearn's GaussianProcessRegressor but does not declare it.
"$venv/bin/pip" install --quiet "sweeps==0.2.0" scikit-learn "optuna>=4,<5"
"$venv/bin/python" -c "import sweeps, optuna, sklearn; print('sweeps', sweeps.__version__ if hasattr(sweeps, '__version__') else '0.2.0', 'optuna', optuna.__version__, 'sklearn', sklearn.__version__)"
