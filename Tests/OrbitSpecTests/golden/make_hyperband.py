"""Golden cases for Orbit's hyperband stopping, decided by wandb's own engine.

    pip install sweeps && python3 Tests/OrbitSpecTests/golden/make_hyperband.py

Writes hyperband.json beside this file: for each case the early_terminate config, the goal, the
runs (state and history of the metric) and the names wandb's hyperband_stop_runs stops.
"""
import json, os, random
from sweeps import SweepRun, RunState
from sweeps.hyperband_stopping import hyperband_stop_runs

rng = random.Random(20261203)
configs = [
    {"type": "hyperband", "max_iter": 27, "s": 3},
    {"type": "hyperband", "max_iter": 81, "s": 4, "eta": 3},
    {"type": "hyperband", "max_iter": 20, "s": 2, "eta": 2, "strict": False},
    {"type": "hyperband", "min_iter": 2},
    {"type": "hyperband", "min_iter": 3, "eta": 2, "strict": False},
    {"type": "hyperband", "min_iter": 1, "eta": 4},
]
cases = []
for i in range(60):
    config = dict(configs[i % len(configs)])
    goal = "maximize" if i % 5 == 0 else "minimize"
    runs = []
    for r in range(rng.randint(3, 25)):
        length = rng.randint(0, 40)
        start = rng.uniform(1, 10)
        rate = rng.uniform(0.0, 0.2)
        history = [round(start * (1 - rate) ** k + rng.gauss(0, 0.3), 4) for k in range(length)]
        state = rng.choice([RunState.running, RunState.running, RunState.finished])
        runs.append((f"r{r}", state, history))
    sweep_runs = [
        SweepRun(name=n, state=s, history=[{"loss": v} for v in h]) for n, s, h in runs
    ]
    spec = {
        "method": "grid",
        "metric": {"name": "loss", "goal": goal},
        "early_terminate": config,
        "parameters": {"a": {"values": [1]}},
    }
    stopped = sorted(run.name for run in hyperband_stop_runs(sweep_runs, spec))
    cases.append({
        "early_terminate": config,
        "goal": goal,
        "runs": [{"name": n, "running": s == RunState.running, "history": h} for n, s, h in runs],
        "stopped": stopped,
    })
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "hyperband.json"), "w") as f:
    json.dump(cases, f, indent=0)
print(len(cases), "cases,", sum(len(c["stopped"]) for c in cases), "runs stopped")
