#!/usr/bin/env python3
"""Issue 10's fault-detection figures, with real orbit processes on loopback.

  SIGKILL → redispatch: one long trial runs on worker A; worker B is idle. A is SIGKILLed; the
  figure is the time until the trial starts again on B (the trial stamps its start itself).
  SIGSTOP → redispatch: the same with SIGSTOP (a hung process: only liveness can tell).
  Chaos cost: a 120-trial sweep's wall time with a worker SIGKILLed every 0.7 s (restarted at
  once) against the same sweep with no kills, and the trial runs it took (re-executed work).

Usage: bench/fault/kill_redispatch.py PATH/TO/orbit [REPEATS]   (release build; medians)
"""
import json, os, signal, statistics, subprocess, sys, tempfile, time

ORBIT = os.path.abspath(sys.argv[1])
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3

TRIAL = r'''
import json, os, sys, time
args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
stamp = os.path.join(os.environ["STAMPS"], "%s-%s" % (args["x"], os.environ["ORBIT_ATTEMPT"]))
with open(stamp, "w") as f:
    f.write("%r %d" % (time.time(), os.getppid()))
time.sleep(float(args.get("sleep", "30")))
print(json.dumps({"loss": int(args["x"])}))
'''


def coordinator(d, spec):
    c = subprocess.Popen([ORBIT, "coordinator", spec, "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
                         cwd=d, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in c.stdout:
        for word in line.split():
            if word.startswith("tcp://127.0.0.1:"):
                return c, word
    raise RuntimeError("coordinator did not print its endpoint")


def worker(d, endpoint, name, env):
    return subprocess.Popen([ORBIT, "worker", "--connect", endpoint, "--slots", "1", "--allow-command",
                             "--worker-id", name], cwd=d, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def redispatch(sig):
    with tempfile.TemporaryDirectory() as d:
        stamps = os.path.join(d, "stamps"); os.mkdir(stamps)
        open(os.path.join(d, "t.py"), "w").write(TRIAL)
        open(os.path.join(d, "s.yaml"), "w").write(
            "method: grid\nprogram: t.py\nparameters:\n  x: {values: [1]}\n  sleep: {values: [1]}\n")
        env = dict(os.environ, STAMPS=stamps)
        c, ep = coordinator(d, "s.yaml")
        a = worker(d, ep, "a", env)
        b = None
        try:
            first = os.path.join(stamps, "1-1")
            while not os.path.exists(first): time.sleep(0.002)
            time.sleep(0.05)
            b = worker(d, ep, "b", env)  # idle: the only trial is taken
            time.sleep(0.5)
            t0 = time.time()
            a.send_signal(sig)
            second = os.path.join(stamps, "1-2")
            while not os.path.exists(second):
                time.sleep(0.001)
                if time.time() - t0 > 30: raise RuntimeError("no redispatch in 30 s")
            time.sleep(0.01)
            t1 = float(open(second).read().split()[0])
            return t1 - t0
        finally:
            for p in (a, b, c):
                if p is None: continue
                try: p.send_signal(signal.SIGCONT); p.kill()
                except ProcessLookupError: pass
                p.wait()


def chaos(kill):
    with tempfile.TemporaryDirectory() as d:
        stamps = os.path.join(d, "stamps"); os.mkdir(stamps)
        open(os.path.join(d, "t.py"), "w").write(TRIAL)
        open(os.path.join(d, "s.yaml"), "w").write(
            "method: grid\nprogram: t.py\nparameters:\n  x: {min: 1, max: 120}\n  sleep: {values: [0.2]}\n")
        env = dict(os.environ, STAMPS=stamps)
        start = time.time()
        c, ep = coordinator(d, "s.yaml")
        ws = [worker(d, ep, "w%d" % i, env) for i in range(3)]
        i = 0
        while c.poll() is None:
            time.sleep(0.7)
            if kill and c.poll() is None:
                ws[i % 3].kill(); ws[i % 3].wait()
                ws[i % 3] = worker(d, ep, "w%d" % (i % 3), env)
                i += 1
        wall = time.time() - start
        for w in ws:
            try: w.wait(timeout=10)
            except subprocess.TimeoutExpired: w.kill(); w.wait()
        return wall, len(os.listdir(stamps)), i


if __name__ == "__main__":
    kills = [redispatch(signal.SIGKILL) for _ in range(REPEATS)]
    stops = [redispatch(signal.SIGSTOP) for _ in range(REPEATS)]
    print("SIGKILL → redispatch s:", ["%.3f" % k for k in kills], "median %.3f" % statistics.median(kills))
    print("SIGSTOP → redispatch s:", ["%.3f" % k for k in stops], "median %.3f" % statistics.median(stops))
    calm = [chaos(False) for _ in range(REPEATS)]
    rough = [chaos(True) for _ in range(REPEATS)]
    print("no kills:   wall s", ["%.2f" % w for w, _, _ in calm], "runs", [r for _, r, _ in calm])
    print("kills/0.7s: wall s", ["%.2f" % w for w, _, _ in rough], "runs", [r for _, r, _ in rough],
          "kills", [k for _, _, k in rough])
    mc = statistics.median(w for w, _, _ in calm); mr = statistics.median(w for w, _, _ in rough)
    print("throughput with kills / without: %.2f (medians %.2f s / %.2f s)" % (mc / mr, mr, mc))
