#!/usr/bin/env python3
"""Issue 13's figures: the dashboard at 100,000 trials, and what it costs dispatch.

    python3 bench/dashboard/dashboard_bench.py ORBIT [rounds]

1. A 100,000-trial journal (real: `orbit run` of 100,000 no-op core trials over a width x lr x
   seed grid, then each trial's metrics set to a noisy power law in width, in SQL), served by
   `orbit serve`: the time of each request the page makes on its first load (page, sweep,
   workers, errors, a trials page, a sorted trials page, timeline, curves, figures), their sum,
   the time until the first live fit is ready, and the server's RSS before and after the fit.
2. Dispatch of 200,000 no-op trials (`orbit run --workers 2 --slots 64`), rate from the
   journal as DispatchBench reads it, alternated round by round in one run:
   a) --no-http; b) the dashboard on and a client making the page's requests at four times
   the page's rate; c) --no-http and a separate `orbit serve` on the journal
   being written, polled the same way.
"""
import json, os, random, shutil, sqlite3, statistics, subprocess, sys, tempfile, threading, time
import urllib.request

orbit = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ""
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3

# What the page asks for when it opens, in its order.
PAGE_REQUESTS = ["", "api/sweep", "api/workers", "api/errors", "api/trials?offset=0&limit=50&sort=-recorded",
                 "api/timeline", "api/curves?family=", "api/figures"]
# What a user's clicks ask for: a metric sort, a parameter sort, a family, a trial.
ACTIONS = ["api/trials?limit=50&sort=-metric.loss", "api/trials?limit=50&sort=param.width",
           "api/trials?limit=50&family=0.01", "api/trials?limit=50&status=failed&offset=0"]


def get(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
    return time.perf_counter() - start, body


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def dashboard_url(process):
    line = process.stdout.readline().decode()
    assert line.startswith("orbit: dashboard "), line
    return line.split()[-1]


def big_journal(d):
    spec = os.path.join(d, "big.yaml")
    with open(spec, "w") as f:
        f.write("""name: big-100k
method: grid
runner: core
task: {kind: noop}
model: {kind: mlp}
train: {steps: 1}
metric: {name: loss, goal: minimize}
parameters:
  width: {values: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]}
  lr: {values: [0.001, 0.003, 0.01, 0.03, 0.1]}
  seed: {min: 0, max: 1999}
analysis:
  x: [width]
  group: [lr]
  seed: seed
""")
    run = os.path.join(d, "big")
    t = time.perf_counter()
    subprocess.run([orbit, "run", spec, "--workers", "2", "--slots", "64", "--run-dir", run,
                    "--no-report", "--no-http"], check=True, stdout=subprocess.DEVNULL)
    print(f"built a 100,000-trial journal with orbit run in {time.perf_counter() - t:.1f} s")
    db = sqlite3.connect(os.path.join(run, "journal.sqlite"))
    rng = random.Random(0)
    rows = db.execute("SELECT id, params FROM trials").fetchall()
    updates = []
    for tid, params in rows:
        p = json.loads(params)
        loss = 10 * p["width"] ** -0.35 * (1 + 0.3 * abs(__import__("math").log10(p["lr"] / 0.01))) \
            * (1 + 0.03 * rng.gauss(0, 1)) + 0.05
        updates.append((json.dumps({"loss": loss, "cpu_seconds": 0.001}), tid))
    db.executemany("UPDATE trials SET metrics = ? WHERE id = ?", updates)
    db.commit()
    n = db.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
    db.close()
    assert n == 100_000, n
    return run


def part_one(d):
    run = big_journal(d)
    serve = subprocess.Popen([orbit, "serve", run], stdout=subprocess.PIPE)
    try:
        base = dashboard_url(serve)
        idle = rss_kib(serve.pid)
        print(f"\n100,000 trials, `orbit serve` (RSS after its warm-up {idle / 1024:.0f} MiB), first load, each request once:\n")
        print("| request | ms | bytes |")
        print("|---|---|---|")
        total = 0
        for path in PAGE_REQUESTS:
            s, body = get(base + path)
            total += s
            print(f"| /{path} | {s * 1000:.0f} | {len(body):,} |")
        print(f"| **the page's first load, all requests** | **{total * 1000:.0f}** | |")
        for path in ACTIONS:
            s, body = get(base + path)
            print(f"| /{path} (a click) | {s * 1000:.0f} | {len(body):,} |")
        t = time.perf_counter()
        while b'"pending":false' not in get(base + "api/figures")[1]:
            time.sleep(0.25)
        fit = time.perf_counter() - t
        s, body = get(base + "api/figures")
        fig = json.loads(body)
        print(f"\nfirst live fit ready after {fit:.1f} s more ({fig['resamples']} resamples, "
              f"{sum(f['points'] for f in fig['figures'])} markers for {sum(f['trials'] for f in fig['figures'])} trials, "
              f"{len(body):,} bytes); /api/figures then {s * 1000:.0f} ms; RSS {rss_kib(serve.pid) / 1024:.0f} MiB")
        again = []
        for path in PAGE_REQUESTS:
            again.append(get(base + path)[0])
        print(f"a second load, all requests: {sum(again) * 1000:.0f} ms")
    finally:
        serve.terminate()
        serve.wait()


def poll(base, stop, counts):
    """The page's own mix of requests (header, workers, errors and figures each tick; curves
    every 3rd; the trials table and timeline every 5th), at four times its rate."""
    tick = 0
    while not stop.is_set():
        paths = ["api/sweep", "api/workers", "api/errors", "api/figures"]
        if tick % 3 == 0:
            paths.append("api/curves?family=")
        if tick % 5 == 0:
            paths += ["api/trials?offset=0&limit=50&sort=-recorded", "api/timeline"]
        for path in paths:
            try:
                get(base + path)
                counts[0] += 1
            except Exception:
                pass
        tick += 1
        stop.wait(0.5)


def dispatch(d, mode):
    spec = os.path.join(d, "noop.yaml")
    if not os.path.exists(spec):
        with open(spec, "w") as f:
            f.write("name: noop-200k\nmethod: grid\nrunner: core\ntask: {kind: noop}\n"
                    "model: {kind: mlp}\ntrain: {steps: 1}\nparameters:\n  i: {min: 1, max: 200000}\n")
    run = tempfile.mkdtemp(prefix="orbit-dash-", dir=d)
    args = [orbit, "run", spec, "--workers", "2", "--slots", "64", "--run-dir", run, "--no-report"]
    if mode != "dashboard":
        args.append("--no-http")
    stop, counts, helpers = threading.Event(), [0], []
    p = subprocess.Popen(args, stdout=subprocess.PIPE)
    serve = None
    if mode == "dashboard":
        base = dashboard_url(p)
        helpers.append(threading.Thread(target=poll, args=(base, stop, counts)))
    elif mode == "serve":
        while not os.path.exists(os.path.join(run, "journal.sqlite")):
            time.sleep(0.005)
        serve = subprocess.Popen([orbit, "serve", run], stdout=subprocess.PIPE)
        base = dashboard_url(serve)
        helpers.append(threading.Thread(target=poll, args=(base, stop, counts)))
    for h in helpers:
        h.start()
    for _ in p.stdout:
        pass
    assert p.wait() == 0
    stop.set()
    for h in helpers:
        h.join()
    if serve:
        serve.terminate()
        serve.wait()
    db = sqlite3.connect(os.path.join(run, "journal.sqlite"))
    n, last = db.execute("SELECT COUNT(*), MAX(finished_at) FROM trials WHERE status='ok'").fetchone()
    first = db.execute("SELECT MIN(joined_at) FROM workers").fetchone()[0]
    db.close()
    shutil.rmtree(run, ignore_errors=True)
    assert n == 200_000, n
    return n / (last - first), counts[0]


def part_two(d):
    modes = ["off", "dashboard", "serve"]
    rates = {m: [] for m in modes}
    requests = {m: 0 for m in modes}
    for _ in range(rounds):
        for m in modes:
            r, c = dispatch(d, m)
            rates[m].append(r)
            requests[m] += c
    base = statistics.median(rates["off"])
    print(f"\ndispatch of 200,000 no-op trials, 2 workers x 64 slots, {rounds} alternated rounds:\n")
    print("| dashboard | trials/s (runs) | median / off | API requests served |")
    print("|---|---|---|---|")
    for m, label in [("off", "off (--no-http)"), ("dashboard", "on, polled like the page at 4x its rate"),
                     ("serve", "orbit serve beside it, polled the same way")]:
        med = statistics.median(rates[m])
        runs = " · ".join(f"{x:,.0f}" for x in rates[m])
        print(f"| {label} | {med:,.0f} ({runs}) | {med / base:.2f} | {requests[m]} |", flush=True)


if __name__ == "__main__":
    d = tempfile.mkdtemp(prefix="orbit-dashbench-")
    try:
        part_one(d)
        part_two(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
