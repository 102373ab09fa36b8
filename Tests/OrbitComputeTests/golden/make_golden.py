#!/usr/bin/env python3
"""Golden values for OrbitCompute's layers, losses and optimisers, from a plain numpy (float64)
reference with hand-written backward passes, following PyTorch's definitions. Every backward
pass is checked here against Float64 central finite differences before anything is written.

Regenerate (from the repository root):
    python3 Tests/OrbitComputeTests/golden/make_golden.py Tests/OrbitComputeTests/golden

Layouts match the Swift engine: a dense layer stores W as in×out then b; a circular convolution
stores W as k×C_in×C_out then b, and computes out[l] = Σ_j in[(l + j − k//2) mod L]·W_j + b
(PyTorch Conv1d with padding=k//2, padding_mode="circular").
"""
import json
import sys

import numpy as np
from scipy.special import erf

rng = np.random.default_rng(20261125)


def act_forward(z, kind):
    if kind == "relu":
        return np.maximum(z, 0)
    if kind == "tanh":
        return np.tanh(z)
    if kind == "gelu":
        return 0.5 * z * (1 + erf(z / np.sqrt(2)))
    return z


def act_backward(g, z, kind):
    if kind == "relu":
        return g * (z > 0)
    if kind == "tanh":
        return g * (1 - np.tanh(z) ** 2)
    if kind == "gelu":
        return g * (0.5 * (1 + erf(z / np.sqrt(2))) + z * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi))
    return g


class Dense:
    def __init__(self, n_in, n_out, act, rows_per_sample=1):
        self.n_in, self.n_out, self.act, self.r = n_in, n_out, act, rows_per_sample
        self.size = n_in * n_out + n_out

    def forward(self, p, x):  # x: (batch, r*in)
        w = p[: self.n_in * self.n_out].reshape(self.n_in, self.n_out)
        b = p[self.n_in * self.n_out :]
        rows = x.reshape(-1, self.n_in)
        z = rows @ w + b
        self.cache = (rows, z, w, x.shape[0])
        return act_forward(z, self.act).reshape(x.shape[0], -1)

    def backward(self, g):
        rows, z, w, batch = self.cache
        gz = act_backward(g.reshape(-1, self.n_out), z, self.act)
        grad = np.concatenate([(rows.T @ gz).ravel(), gz.sum(0)])
        return grad, (gz @ w.T).reshape(batch, -1)


class CircularConv:
    """Activations (batch, L, C) here; the engine stores them position-major, which is internal."""

    def __init__(self, c_in, c_out, k, length, act):
        self.ci, self.co, self.k, self.L, self.act = c_in, c_out, k, length, act
        self.size = k * c_in * c_out + c_out

    def forward(self, p, x):
        batch = x.shape[0]
        x = x.reshape(batch, self.L, self.ci)
        w = p[: self.k * self.ci * self.co].reshape(self.k, self.ci, self.co)
        b = p[self.k * self.ci * self.co :]
        z = np.zeros((batch, self.L, self.co)) + b
        for j in range(self.k):
            shifted = np.roll(x, -(j - self.k // 2), axis=1)  # shifted[l] = x[l + s]
            z += shifted @ w[j]
        self.cache = (x, z, w)
        return act_forward(z, self.act).reshape(batch, -1)

    def backward(self, g):
        x, z, w = self.cache
        batch = x.shape[0]
        gz = act_backward(g.reshape(batch, self.L, self.co), z, self.act)
        gw = np.zeros_like(w)
        gx = np.zeros_like(x)
        for j in range(self.k):
            s = j - self.k // 2
            shifted = np.roll(x, -s, axis=1)
            gw[j] = np.einsum("blc,bld->cd", shifted, gz)
            gx += np.roll(gz @ w[j].T, s, axis=1)
        grad = np.concatenate([gw.ravel(), gz.sum((0, 1))])
        return grad, gx.reshape(batch, -1)


class GlobalAveragePool:
    def __init__(self, channels, length):
        self.c, self.L, self.size = channels, length, 0

    def forward(self, p, x):
        self.batch = x.shape[0]
        return x.reshape(self.batch, self.L, self.c).mean(1)

    def backward(self, g):
        gx = np.repeat(g[:, None, :] / self.L, self.L, axis=1)
        return np.zeros(0), gx.reshape(self.batch, -1)


class SetPool:
    def __init__(self, elements, features, mean):
        self.k, self.f, self.mean, self.size = elements, features, mean, 0

    def forward(self, p, x):
        self.batch = x.shape[0]
        s = x.reshape(self.batch, self.k, self.f).sum(1)
        return s / self.k if self.mean else s

    def backward(self, g):
        scale = 1 / self.k if self.mean else 1
        gx = np.repeat(g[:, None, :] * scale, self.k, axis=1)
        return np.zeros(0), gx.reshape(self.batch, -1)


class Net:
    def __init__(self, layers, group=None):
        self.layers, self.group = layers, group
        self.size = sum(l.size for l in layers)

    def split(self, params):
        out, offset = [], 0
        for layer in self.layers:
            out.append(params[offset : offset + layer.size])
            offset += layer.size
        return out

    def forward(self, params, x):
        batch = x.shape[0]
        if self.group is not None:  # symmetrize: average over the group's index maps
            x = np.stack([x[:, g] for g in self.group], axis=1).reshape(batch * len(self.group), -1)
        for layer, p in zip(self.layers, self.split(params)):
            x = layer.forward(p, x)
        if self.group is not None:
            x = x.reshape(batch, len(self.group), -1).mean(1)
        return x

    def backward(self, g):
        if self.group is not None:
            g = np.repeat(g[:, None, :] / len(self.group), len(self.group), axis=1)
            g = g.reshape(-1, g.shape[-1])
        grads = []
        for layer in reversed(self.layers):
            grad, g = layer.backward(g)
            grads.append(grad)
        return np.concatenate(grads[::-1])


def mse(pred, target):
    diff = pred[:, 0] - target
    return np.mean(diff**2), (2 * diff / len(target))[:, None]


def adam(params, grad_fn, steps, lr, wd, decoupled, b1=0.9, b2=0.999, eps=1e-8):
    p = params.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
        p = p - (lr / (1 - b1**t)) * m / denom
    return p


def sgd(params, grad_fn, steps, lr, momentum, wd):
    p = params.copy()
    buf = None
    for _ in range(steps):
        g = grad_fn(p) + wd * p
        buf = g if buf is None else momentum * buf + g
        p = p - lr * buf
    return p


def case(name, net, x, y, description):
    params = rng.uniform(-0.6, 0.6, net.size)

    def grad_fn(p):
        pred = net.forward(p, x)
        _, g = mse(pred, y)
        return net.backward(g)

    pred = net.forward(params, x)
    loss, g = mse(pred, y)
    grad = net.backward(g)
    # The reference's own check: its hand-written backward against Float64 central differences.
    step = 1e-6
    numeric = np.array([
        (mse(net.forward(params + e, x), y)[0] - mse(net.forward(params - e, x), y)[0]) / (2 * step)
        for e in np.eye(net.size) * step])
    worst = np.abs(numeric - grad).max() / np.abs(numeric).max()
    assert worst < 1e-6, f"{name}: numpy backward disagrees with finite differences ({worst})"
    grad = net.backward(mse(net.forward(params, x), y)[1])
    return {
        "name": name,
        "description": description,
        "params": params.tolist(),
        "x": x.ravel().tolist(),
        "y": y.tolist(),
        "output": pred[:, 0].tolist(),
        "loss": float(loss),
        "grad": grad.tolist(),
        "adam10": adam(params, grad_fn, 10, 1e-2, 0.01, False).tolist(),
        "adamw10": adam(params, grad_fn, 10, 1e-2, 0.1, True).tolist(),
        "sgd10": sgd(params, grad_fn, 10, 0.05, 0.9, 0.01).tolist(),
    }


def cyclic_maps(length):
    return [np.array([(i + g) % length for i in range(length)]) for g in range(length)]


def main(folder):
    cases = []
    batch = 4
    cases.append(case(
        "mlp",
        Net([Dense(5, 7, "relu"), Dense(7, 6, "tanh"), Dense(6, 4, "gelu"), Dense(4, 1, "identity")]),
        rng.normal(size=(batch, 5)), rng.normal(size=batch),
        "5→7 relu →6 tanh →4 gelu →1"))
    length = 8
    cases.append(case(
        "conv1d",
        Net([CircularConv(1, 3, 3, length, "relu"), CircularConv(3, 4, 5, length, "tanh"),
             GlobalAveragePool(4, length), Dense(4, 1, "identity")]),
        rng.normal(size=(batch, length)), rng.normal(size=batch),
        "L=8: conv 1→3 k3 relu, conv 3→4 k5 tanh, global average pool, dense 4→1"))
    cases.append(case(
        "deepsets",
        Net([Dense(2, 5, "relu", 3), Dense(5, 5, "gelu", 3), SetPool(3, 5, True),
             Dense(5, 4, "tanh"), Dense(4, 1, "identity")]),
        rng.normal(size=(batch, 6)), rng.normal(size=batch),
        "sets of 3×2: φ 2→5 relu →5 gelu, mean pool, ρ 5→4 tanh →1"))
    cases.append(case(
        "symmetrized_mlp",
        Net([Dense(4, 6, "relu"), Dense(6, 1, "identity")], group=cyclic_maps(4)),
        rng.normal(size=(batch, 4)), rng.normal(size=batch),
        "4→6 relu →1 averaged over the 4 cyclic shifts"))

    logits = rng.normal(size=(5, 4))
    labels = rng.integers(0, 4, size=5)
    shifted = logits - logits.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    ce = -log_probs[np.arange(5), labels].mean()
    ce_grad = (np.exp(log_probs) - np.eye(4)[labels]) / 5
    cross_entropy = {"logits": logits.ravel().tolist(), "labels": labels.tolist(),
                     "loss": float(ce), "grad": ce_grad.ravel().tolist()}

    with open(f"{folder}/golden.json", "w") as f:
        json.dump({"cases": cases, "cross_entropy": cross_entropy,
                   "adam": {"lr": 1e-2, "weight_decay": 0.01},
                   "adamw": {"lr": 1e-2, "weight_decay": 0.1},
                   "sgd": {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
