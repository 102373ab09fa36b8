#!/usr/bin/env python3
"""Writes the golden trial lists for OrbitSpecTests, independently of the Swift code.

Grid order follows wandb's sweeps engine: HyperParameterSet.from_config sorts parameter
names at each level of nesting, int_uniform becomes range(min, max + 1), q_uniform becomes
numpy.arange(min, max, q).tolist(), and the grid is itertools.product (first varying slowest).
Orbit's additions: zip groups (one axis where the group's first member sits), seeds (fastest),
run_cap (caps points), core settings (task/model/train flattened as constants).

Random search uses Orbit's documented generator (SplitMix64 keyed by seed, point index and
parameter name), re-implemented here so the stream is pinned.

The trial id is sha256 of json.dumps(params, sort_keys=True, separators=(",", ":")) after
folding whole floats into ints (wandb's yaml_hash rule).

Run from this folder: python3 make_golden.py
"""

import glob
import hashlib
import itertools
import json
import math
import os

import numpy as np
import yaml

MASK = (1 << 64) - 1
GOLDEN_SAMPLE = 40  # trials kept from grids larger than this: the first ones and a spread


def fold(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [fold(v) for v in value]
    if isinstance(value, dict):
        return {k: fold(v) for k, v in value.items()}
    return value


def trial_id(params):
    text = json.dumps(fold(params), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def flatten_parameters(config, prefix=""):
    """Leaf parameters in grid order: sorted names, a nested group where its name sorts."""
    leaves = []
    for name in sorted(config):
        full = name if not prefix else prefix + "." + name
        body = config[name]
        if "parameters" in body:
            leaves += flatten_parameters(body["parameters"], full)
        else:
            leaves.append((full, body))
    return leaves


def flatten_settings(mapping, prefix):
    out = []
    for key, value in mapping.items():
        name = prefix + "." + key
        if isinstance(value, dict):
            out += flatten_settings(value, name)
        else:
            out.append((name, value))
    return out


def distribution_of(body):
    if "distribution" in body:
        return body["distribution"]
    if "value" in body:
        return "constant"
    if "values" in body:
        return "categorical"
    if isinstance(body["min"], int) and isinstance(body["max"], int):
        return "int_uniform"
    return "uniform"


def grid_values(body):
    kind = distribution_of(body)
    if kind == "categorical":
        return list(body["values"])
    if kind == "int_uniform":
        return list(range(body["min"], body["max"] + 1))
    if kind == "q_uniform":
        return np.arange(body["min"], body["max"], body.get("q", 1.0)).tolist()
    raise ValueError(kind)


class SplitMix:
    """Orbit's RandomSource."""

    GAMMA = 0x9E3779B97F4A7C15

    @staticmethod
    def mix(z):
        z = (z + SplitMix.GAMMA) & MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def __init__(self, seed, point, name):
        key = self.mix((seed + self.GAMMA) & MASK)
        key = self.mix(key ^ point)
        h = 0xCBF29CE484222325
        for byte in name.encode():
            h = ((h ^ byte) * 0x100000001B3) & MASK
        self.state = self.mix(key ^ h)

    def next(self):
        self.state = (self.state + self.GAMMA) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def unit(self):
        return (self.next() >> 11) * 2.0**-53

    def below(self, bound):
        product = self.next() * bound
        if product & MASK < bound:
            threshold = ((1 << 64) - bound) % bound
            while product & MASK < threshold:
                product = self.next() * bound
        return product >> 64

    def gaussian(self):
        u1 = 1 - self.unit()
        u2 = self.unit()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def gamma(self, shape):
        """Marsaglia-Tsang; shape < 1 boosted by U^(1/shape)."""
        if shape < 1:
            boost = math.pow(1 - self.unit(), 1 / shape)
            return self.gamma(shape + 1) * boost
        d = shape - 1.0 / 3.0
        c = 1 / math.sqrt(9 * d)
        while True:
            x = self.gaussian()
            v = 1 + c * x
            if v <= 0:
                continue
            v = v * v * v
            u = self.unit()
            if u < 1 - 0.0331 * (x * x) * (x * x):
                return d * v
            if math.log(u) < 0.5 * x * x + d * (1 - v + math.log(v)):
                return d * v

    def beta(self, a, b):
        x = self.gamma(a)
        y = self.gamma(b)
        return x / (x + y)


def sample(body, rng):
    kind = distribution_of(body)
    lo, hi = body.get("min"), body.get("max")
    mu, sigma = body.get("mu", 0), body.get("sigma", 1)
    q = body.get("q", 1.0)

    def quantize(x):
        value = round(x / q) * q
        return int(value) if isinstance(q, int) else float(value)

    if kind == "constant":
        return body["value"]
    if kind == "categorical" and "probabilities" not in body:
        return body["values"][rng.below(len(body["values"]))]
    if kind in ("categorical", "categorical_w_probabilities"):
        u = rng.unit()
        running, cumulative = 0.0, []
        for p in body["probabilities"]:
            running += p
            cumulative.append(running)
        cumulative[-1] = 1.0
        for value, edge in zip(body["values"], cumulative):
            if u < edge:
                return value
        return body["values"][-1]
    if kind == "int_uniform":
        return lo + rng.below(hi - lo + 1)
    if kind == "uniform":
        return lo + (hi - lo) * rng.unit()
    if kind == "q_uniform":
        return quantize(lo + (hi - lo) * rng.unit())
    if kind == "log_uniform":
        return math.exp(lo + (hi - lo) * rng.unit())
    if kind in ("log_uniform_values", "q_log_uniform_values"):
        a, b = math.log(lo), math.log(hi)
        x = math.exp(a + (b - a) * rng.unit())
        return x if kind == "log_uniform_values" else quantize(x)
    if kind == "q_log_uniform":
        return quantize(math.exp(lo + (hi - lo) * rng.unit()))
    if kind == "inv_log_uniform":
        return math.exp(-(lo + (hi - lo) * rng.unit()))
    if kind == "inv_log_uniform_values":
        a, b = math.log(1 / hi), math.log(1 / lo)
        return 1 / math.exp(a + (b - a) * rng.unit())
    if kind == "normal":
        return mu + sigma * rng.gaussian()
    if kind == "q_normal":
        return quantize(mu + sigma * rng.gaussian())
    if kind == "log_normal":
        return math.exp(mu + sigma * rng.gaussian())
    if kind == "q_log_normal":
        return quantize(math.exp(mu + sigma * rng.gaussian()))
    if kind == "beta":
        return rng.beta(body.get("a", 1), body.get("b", 1))
    if kind == "q_beta":
        return quantize(rng.beta(body.get("a", 1), body.get("b", 1)))
    raise ValueError(kind)


def trial_function(spec):
    """A function index -> params (seed included) for the spec, with the trial count as its
    `count` attribute."""
    leaves = flatten_parameters(spec["parameters"])
    order = [name for name, _ in leaves]
    bodies = dict(leaves)
    constants = {}
    if spec.get("runner") == "core":
        for key in ("task", "model", "train"):
            for name, value in flatten_settings(spec.get(key, {}), key):
                if name not in bodies:
                    constants[name] = value
    groups = [sorted(g, key=order.index) for g in spec.get("zip", [])]
    group_of = {name: i for i, g in enumerate(groups) for name in g}

    # Axes (grid) or draws (random), in grid order.
    units, emitted = [], set()
    for name, body in leaves:
        if name in group_of:
            gi = group_of[name]
            if gi not in emitted:
                emitted.add(gi)
                units.append(("zip", groups[gi]))
            continue
        if distribution_of(body) == "constant":
            constants[name] = body["value"]
            continue
        units.append(("one", name))

    seeds = spec.get("seeds")
    replicates = seeds or 1

    def params_for(point, chosen):
        params = dict(constants)
        params.update(chosen)
        return params

    if spec["method"] == "grid":
        axes = []
        for kind, what in units:
            if kind == "zip":
                lists = [bodies[n]["values"] for n in what]
                axes.append([dict(zip(what, combo)) for combo in zip(*lists)])
            else:
                axes.append([{what: v} for v in grid_values(bodies[what])])
        sizes = [len(a) for a in axes]
        points = math.prod(sizes)
        if "run_cap" in spec:
            points = min(points, spec["run_cap"])

        def point_params(point):
            chosen, rem = {}, point
            digits = []
            for size in reversed(sizes):
                digits.append(rem % size)
                rem //= size
            for axis, digit in zip(axes, reversed(digits)):
                chosen.update(axis[digit])
            return params_for(point, chosen)

        # Cross-check the decoding against itertools.product on small grids.
        if points <= 10_000 and "run_cap" not in spec:
            for point, combo in enumerate(itertools.product(*axes)):
                chosen = {}
                for part in combo:
                    chosen.update(part)
                assert params_for(point, chosen) == point_params(point)
    else:
        points = spec["run_cap"]

        def point_params(point):
            chosen = {}
            for kind, what in units:
                if kind == "zip":
                    rng = SplitMix(spec.get("seed", 0), point, what[0])
                    offset = rng.below(len(bodies[what[0]]["values"]))
                    for n in what:
                        chosen[n] = bodies[n]["values"][offset]
                else:
                    rng = SplitMix(spec.get("seed", 0), point, what)
                    chosen[what] = sample(bodies[what], rng)
            return params_for(point, chosen)

    def params_at(index):
        params = point_params(index // replicates)
        if seeds:
            params["seed"] = index % replicates
        return params

    params_at.count = points * replicates
    return params_at


def expand(spec):
    params_at = trial_function(spec)
    count = params_at.count

    def trial(index):
        params = params_at(index)
        return {"index": index, "id": trial_id(params), "params": params}

    if count <= GOLDEN_SAMPLE:
        indices = list(range(count))
    else:
        indices = sorted(set(list(range(12)) + [count // 7 * k for k in range(1, 7)]
                             + [count // 2, count - 2, count - 1]))
    return {"count": count, "trials": [trial(i) for i in indices]}


def write_python_reprs(path, count=4000):
    """Doubles (as exact hex) with CPython's repr, covering every layout rule."""
    import random
    import struct

    rng = random.Random(20261125)
    values = [0.0, -0.0, 1.0, 0.1, 1e16, 1e-5, 2.0**53, 9999999999999998.0, 5e-324]
    while len(values) < count:
        kind = rng.random()
        if kind < 0.25:
            x = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
            if math.isnan(x) or math.isinf(x):
                continue
        elif kind < 0.5:
            x = rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30)
        elif kind < 0.75:
            x = float(rng.randint(-(2**60), 2**60))
        else:
            x = round(rng.uniform(0, 100), rng.randint(0, 6))
        values.append(x)
    with open(path, "w") as f:
        for x in values:
            f.write(f"{x.hex()} {x!r}\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    write_python_reprs(os.path.join(here, "python_repr.txt"))
    for path in sorted(glob.glob(os.path.join(here, "*.yaml"))):
        with open(path) as f:
            spec = yaml.safe_load(f)
        golden = expand(spec)
        out = path[: -len(".yaml")] + ".json"
        with open(out, "w") as f:
            json.dump(golden, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"{os.path.basename(out)}: {golden['count']} trials, {len(golden['trials'])} kept")


if __name__ == "__main__":
    main()
