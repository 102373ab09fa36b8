"""A stand-in training script for the quickstart sweep.

Orbit runs it once per trial as `python3 quickstart.py --width=64 --lr=0.01 --seed=0`
(W&B's default command) and reads the metrics from the last JSON line it prints.
The "loss" follows a noisy power law in width, so the report has a scaling curve to fit.
"""

import argparse
import json
import math
import random
import time

parser = argparse.ArgumentParser()
parser.add_argument("--width", type=int, required=True)
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

rng = random.Random(hash((args.width, args.lr, args.seed)) & 0xFFFFFFFF)
time.sleep(0.05)  # pretend to train
n_params = 3 * args.width * args.width
lr_penalty = 1.0 + 0.5 * math.log10(args.lr / 0.01) ** 2
loss = (0.2 + 40.0 * n_params ** -0.35) * lr_penalty * math.exp(rng.gauss(0, 0.02))
print(f"training width={args.width} lr={args.lr} seed={args.seed}")
print(json.dumps({"test_loss": loss, "n_params": n_params}))
