# train.py — a stand-in for your PyTorch/JAX script: Orbit passes --lr=… --width=…
import json, math, random, sys

args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
lr, width, seed = float(args["lr"]), int(args["width"]), int(args.get("seed", 0))
random.seed(seed)
floor = 0.1 + 5.0 * width ** -0.5 + 0.3 * math.log10(lr / 0.01) ** 2   # what "training" reaches
for step in range(1, 201):
    loss = floor + 2.0 * math.exp(-step * lr * 5)
    if step % 50 == 0:                                   # a learning-curve point
        print(json.dumps({"step": step, "train_loss": loss}))
# The final metrics: the last JSON line without a step key.
print(json.dumps({"val_loss": floor * random.uniform(0.98, 1.02)}))
