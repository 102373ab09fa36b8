"""The peers of SearchBench regret (issue 27): wandb's Bayesian engine (PyPI `sweeps` 0.2.0) and
Optuna's TPE sampler with the constant liar, on the same three problems and the same simulated
parallel workers (durations uniform 0.5..1.5; a free worker asks for a trial with every
unfinished one pending). Writes one JSON line per sweep, the schema SearchBench --jsonl writes.

    bench/bayes/setup.sh                      # the venv, once
    bench/.venv/bin/python bench/bayes/peers.py --seeds 20 --jsonl /tmp/peers.jsonl

Optuna's GPSampler is not run: it needs PyTorch, a ~2 GB install for one peer on a shared
2-core machine.
"""

import argparse
import json
import math
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

WIDTHS = [64, 128, 256, 512, 1024]


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


HA = [1.0, 1.2, 3.0, 3.2]
HAA = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HP = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]


def hartmann6(p):
    x = [p[f"x{j}"] for j in range(1, 7)]
    return -sum(HA[i] * math.exp(-sum(HAA[i][j] * (x[j] - HP[i][j]) ** 2 for j in range(6))) for i in range(4))


def tuning_loss(lr, width, warmup):
    best = 0.02 * math.sqrt(256 / width)
    offset = math.log10(lr / best)
    cliff = 2 * max(0.0, offset - math.log10(3)) * math.exp(-warmup / 300)
    w = math.log((warmup + 50) / 550)
    return 1.7 + 4 * width**-0.3 + 0.25 * offset * offset + cliff + 0.02 * w * w


PROBLEMS = {
    "branin": (
        branin,
        0.397887357729738,
        {"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0}},
    ),
    "hartmann6": (hartmann6, -3.322368011415515, {f"x{j}": {"min": 0.0, "max": 1.0} for j in range(1, 7)}),
    "lr-width-warmup": (
        lambda p: tuning_loss(p["lr"], p["width"], p["warmup"]),
        tuning_loss(0.02 * math.sqrt(256 / 1024), 1024, 500),
        {
            "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1.0},
            "width": {"values": WIDTHS},
            "warmup": {"min": 0, "max": 2000},
        },
    ),
}


def wandb_engine(space, seed):
    from sweeps import RunState, SweepRun, bayes_search

    config = {"method": "bayes", "metric": {"name": "loss", "goal": "minimize"}, "parameters": space}
    np.random.seed(seed)
    runs = {}

    def ask(key):
        # Every unfinished run is a running SweepRun: wandb fantasises it (kriging believer).
        run = bayes_search.bayes_search_next_run(list(runs.values()), config)
        params = {k: v["value"] for k, v in run.config.items()}
        runs[key] = SweepRun(name=str(key), state=RunState.running, config=run.config)
        return params

    def tell(key, value):
        r = runs[key]
        # SweepRun's fields take their aliases (sampledHistory, summaryMetrics): `history=`
        # would be dropped silently and every run would score 0.
        runs[key] = SweepRun(
            name=r.name, state=RunState.finished, config=r.config, sampledHistory=[{"loss": value}], summaryMetrics={"loss": value}
        )

    return ask, tell


def optuna_tpe(space, seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed, constant_liar=True))
    dists = {}
    for name, spec in space.items():
        if "values" in spec:
            dists[name] = optuna.distributions.CategoricalDistribution(spec["values"])
        elif spec.get("distribution") == "log_uniform_values":
            dists[name] = optuna.distributions.FloatDistribution(spec["min"], spec["max"], log=True)
        elif isinstance(spec["min"], int):
            dists[name] = optuna.distributions.IntDistribution(spec["min"], spec["max"])
        else:
            dists[name] = optuna.distributions.FloatDistribution(spec["min"], spec["max"])
    trials = {}

    def ask(key):
        trial = study.ask(dists)
        trials[key] = trial
        return dict(trial.params)

    def tell(key, value):
        study.tell(trials.pop(key), value)

    return ask, tell


ENGINES = {"wandb-pypi": wandb_engine, "optuna-tpe": optuna_tpe}


def simulate(problem, engine, workers, budget, seed):
    f, _, space = PROBLEMS[problem]
    ask, tell = ENGINES[engine](space, seed)
    clock = np.random.default_rng(seed + 1_000_003)
    running = []  # (finish, key, params)
    now, suggested, values = 0.0, 0, []
    while len(values) < budget:
        while len(running) < workers and suggested < budget:
            running.append((now + 0.5 + clock.random(), suggested, ask(suggested)))
            suggested += 1
        running.sort(key=lambda r: r[0])
        finish, key, params = running.pop(0)
        now = finish
        value = f(params)
        tell(key, value)
        values.append(value)
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--workers", default="1,4,16")
    parser.add_argument("--engines", default="wandb-pypi,optuna-tpe")
    parser.add_argument("--problems", default="branin,hartmann6,lr-width-warmup")
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--jsonl", required=True)
    args = parser.parse_args()
    budgets = [b for b in (25, 50, 100) if b <= args.budget]
    with open(args.jsonl, "a") as out:
        for problem in args.problems.split(","):
            minimum = PROBLEMS[problem][1]
            for workers in map(int, args.workers.split(",")):
                for engine in args.engines.split(","):
                    start = time.time()
                    regrets = []
                    for seed in range(args.first_seed, args.first_seed + args.seeds):
                        values = simulate(problem, engine, workers, args.budget, seed)
                        regret = {str(b): min(values[:b]) - minimum for b in budgets}
                        regrets.append(regret)
                        out.write(json.dumps({"problem": problem, "workers": workers, "engine": engine, "seed": seed, "regret": regret}) + "\n")
                        out.flush()
                    med = [float(np.median([r[str(b)] for r in regrets])) for b in budgets]
                    print(problem, workers, engine, med, f"{(time.time() - start) / args.seeds:.1f} s/sweep", file=sys.stderr)


if __name__ == "__main__":
    main()
