"""Merges SearchBench and peers.py JSON lines into the markdown table of bench/RESULTS.md:
median simple regret [inter-quartile range] per problem, workers, engine and budget.

    python3 bench/bayes/table.py /tmp/orbit.jsonl /tmp/peers.jsonl
"""

import json
import sys
from collections import defaultdict

import numpy as np

ORDER = ["random", "wandb-pypi", "wandb", "optuna-tpe", "orbit"]

cells = defaultdict(list)
for path in sys.argv[1:]:
    for line in open(path):
        row = json.loads(line)
        cells[(row["problem"], row["workers"], row["engine"])].append(row["regret"])

budgets = ["25", "50", "100"]
print("| problem | workers | engine | seeds | " + " | ".join(f"regret @ {b}" for b in budgets) + " |")
print("|---|---|---|---|" + "---|" * len(budgets))
for problem in ["branin", "hartmann6", "lr-width-warmup"]:
    for workers in [1, 4, 16]:
        for engine in ORDER:
            rows = cells.get((problem, workers, engine))
            if not rows:
                continue
            parts = []
            for b in budgets:
                v = [r[b] for r in rows if b in r]
                if not v:
                    parts.append("—")
                    continue
                q1, med, q3 = np.percentile(v, [25, 50, 75])
                parts.append(f"{med:.3g} [{q1:.3g}, {q3:.3g}]")
            name = f"**{engine}**" if engine == "orbit" else engine
            print(f"| {problem} | {workers} | {name} | {len(rows)} | " + " | ".join(parts) + " |")
