#!/usr/bin/env python3
"""Issue 3's dispatch figure for two orbit binaries, alternated in one run.

The metric is DispatchBench's: trials recorded per second from the first worker's arrival to the
last result, as the journal times them, for `orbit run` of the 20,000 no-op trials with W local
workers x 64 slots. Alternating A and B round by round puts both under the same machine noise.

    python3 bench/fault/dispatch_ab.py OLD_ORBIT NEW_ORBIT [rounds] [workers...]
"""
import os, shutil, sqlite3, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
spec = os.path.join(here, "..", "specs", "noop-20k.yaml")


def rate(orbit, workers):
    d = tempfile.mkdtemp(prefix="orbit-ab-")
    try:
        subprocess.run([orbit, "run", spec, "--workers", str(workers), "--slots", "64",
                        "--run-dir", d, "--no-report"], check=True, stdout=subprocess.DEVNULL)
        db = sqlite3.connect(os.path.join(d, "journal.sqlite"))
        n, last = db.execute("SELECT COUNT(*), MAX(finished_at) FROM trials WHERE status='ok'").fetchone()
        first = db.execute("SELECT MIN(joined_at) FROM workers").fetchone()[0]
        db.close()
        return n / (last - first)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    workers = [int(w) for w in sys.argv[4:]] or [1, 2, 8]
    print("| workers | old trials/s (runs) | new trials/s (runs) | new/old (medians) |")
    print("|---|---|---|---|")
    for w in workers:
        a, b = [], []
        for _ in range(rounds):
            a.append(rate(old, w))
            b.append(rate(new, w))
        ma, mb = statistics.median(a), statistics.median(b)
        fmt = lambda xs: " · ".join(f"{x:,.0f}" for x in xs)
        print(f"| {w} | {ma:,.0f} ({fmt(a)}) | {mb:,.0f} ({fmt(b)}) | {mb / ma:.2f} |", flush=True)


main()
