#!/usr/bin/env python3
"""Orbit and the systems a user would pick instead, on the same payloads at the same
concurrency, alternating systems, in one run (issue 28, item 1).

    bench/peers/setup.sh                      # the peers, pinned, in bench/.venv-peers
    bench/.venv-peers/bin/python bench/peers/peers.py --orbit .build/release/orbit

Every measurement runs in a fresh child process (`peers.py one SYSTEM PAYLOAD …`), so no system
inherits another's threads, caches or sockets; the parent runs the systems in a rotated order
in every repetition and prints one table: per payload and system the median of the repetitions
and their range, start-up apart, and Orbit ÷ the best peer.

Payloads (trials, concurrency = slots in all, the same for every system):
  noop     trials that return at once (the lightest task each system has)
  true     /bin/true as a process per trial
  sleep2   50 ms sleeping trials on 2 slots: fill efficiency = ideal makespan ÷ makespan
  sleep8   the same on 8 slots
  durable  100,000 no-op trials, each recorded in the system's own journal or storage
           (systems without one are not measured: nothing of theirs survives a crash)

Python is a benchmark peer here, never part of Orbit.
"""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

# Every sleeping payload sleeps this long.
SLEEP_SECONDS = 0.05
PAYLOADS = {
    "noop": {"trials": 2000, "slots": 8},
    "true": {"trials": 1000, "slots": 8},
    "sleep2": {"trials": 100, "slots": 2, "seconds": SLEEP_SECONDS},
    "sleep8": {"trials": 400, "slots": 8, "seconds": SLEEP_SECONDS},
    "durable": {"trials": 100_000, "slots": 8},
}
SYSTEMS = ["orbit", "dask", "ray", "ray-tune", "optuna", "hyperqueue", "parsl"]
# Systems with a journal or store of their own that the durable payload can measure.
DURABLE = {"orbit", "ray-tune", "optuna", "parsl"}


# ---- the trials themselves (module level, so every system can ship them) ----


def noop(i):
    return i


def true_process(i):
    subprocess.run(["/bin/true"], check=True)
    return i


def sleeper(i, seconds=SLEEP_SECONDS):
    import time  # Parsl ships this function by value, without this module's globals

    time.sleep(seconds)
    return i


def payload_function(payload):
    p = PAYLOADS[payload]
    if payload == "true":
        return true_process
    if "seconds" in p:
        return sleeper
    return noop


# ---- one measurement per system: returns (startup s, makespan s, trials done) ----


def run_orbit(args, payload, n, slots, workdir):
    p = PAYLOADS[payload]
    if payload == "true":
        body = 'program: /bin/true\ncommand: ["${program}"]\n'
    elif "seconds" in p:
        body = f'program: /bin/sleep\ncommand: ["${{program}}", "{p["seconds"]}"]\n'
    else:
        body = "runner: core\ntask: {kind: noop}\nmodel: {kind: mlp}\ntrain: {steps: 1}\n"
    spec = os.path.join(workdir, "spec.yaml")
    with open(spec, "w") as f:
        f.write(f"name: peers-{payload}\nmethod: grid\n{body}parameters:\n  i: {{min: 1, max: {n}}}\n")
    run_dir = os.path.join(workdir, "run")
    workers = 2 if slots >= 2 else 1
    start = time.time()
    subprocess.run(
        [args.orbit, "run", spec, "--workers", str(workers), "--slots", str(slots // workers),
         "--run-dir", run_dir, "--no-report"],
        check=True, stdout=subprocess.DEVNULL, timeout=args.cap + 120)
    wall = time.time() - start
    db = sqlite3.connect(run_dir + "/journal.sqlite")
    (done, last) = db.execute("SELECT count(*), max(finished_at) FROM trials WHERE status = 'ok'").fetchone()
    (joined,) = db.execute("SELECT min(joined_at) FROM workers").fetchone()
    makespan = last - joined
    return wall - makespan, makespan, done


def run_dask(args, payload, n, slots, workdir):
    from distributed import Client, LocalCluster, wait

    fn = payload_function(payload)
    start = time.time()
    cluster = LocalCluster(n_workers=2, threads_per_worker=max(1, slots // 2), processes=True,
                           dashboard_address=None, local_directory=workdir)
    client = Client(cluster)
    # Start-up ends when every slot has run a task (Ray and Parsl start their workers lazily).
    client.gather(client.map(noop, range(slots), pure=False))
    ready = time.time()
    futures = client.map(fn, range(n), pure=False)
    try:
        wait(futures, timeout=args.cap, return_when="ALL_COMPLETED")
    except TimeoutError:
        pass
    done = [f for f in futures if f.done()]
    end = time.time()
    count = sum(1 for f in done if f.status == "finished")
    client.close()
    cluster.close()
    return ready - start, end - ready, count


def run_ray(args, payload, n, slots, workdir):
    import ray

    fn = payload_function(payload)
    start = time.time()
    ray.init(num_cpus=slots, include_dashboard=False, log_to_driver=False,
             _temp_dir=os.path.join(workdir, "ray"))
    remote = ray.remote(num_cpus=1)(fn)
    ray.get([ray.remote(num_cpus=1)(noop).remote(i) for i in range(slots)])
    ready = time.time()
    refs = [remote.remote(i) for i in range(n)]
    done, _ = ray.wait(refs, num_returns=n, timeout=args.cap)
    end = time.time()
    ray.shutdown()
    return ready - start, end - ready, len(done)


def run_ray_tune(args, payload, n, slots, workdir):
    import ray
    from ray import tune

    fn = payload_function(payload)
    start = time.time()
    ray.init(num_cpus=slots, include_dashboard=False, log_to_driver=False,
             _temp_dir=os.path.join(workdir, "ray"))

    def trainable(config):
        fn(config["i"])
        return {"value": 0.0}

    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space={"i": tune.grid_search(list(range(n)))},
        tune_config=tune.TuneConfig(max_concurrent_trials=slots, time_budget_s=args.cap),
        run_config=tune.RunConfig(storage_path=os.path.join(workdir, "tune"), verbose=0))
    ready = time.time()
    results = tuner.fit()
    end = time.time()
    count = sum(1 for r in results if r.error is None and r.metrics)
    ray.shutdown()
    return ready - start, end - ready, count


def optuna_worker(path, payload, trials, threads, cap):
    """One of the processes sharing the journal: `threads` trials at a time."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    fn = payload_function(payload)
    study = optuna.load_study(study_name="peers", storage=JournalStorage(JournalFileBackend(path)))

    def objective(trial):
        fn(trial.suggest_int("i", 0, 1 << 30))
        return 0.0

    study.optimize(objective, n_trials=trials, n_jobs=threads, timeout=cap)


def run_optuna(args, payload, n, slots, workdir):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = os.path.join(workdir, "journal.log")
    start = time.time()
    optuna.create_study(study_name="peers", storage=JournalStorage(JournalFileBackend(path)))
    processes = 2 if slots >= 2 else 1
    ready = time.time()
    children = [
        subprocess.Popen([sys.executable, __file__, "optuna-worker", path, payload,
                          str(n // processes), str(slots // processes), str(args.cap)])
        for _ in range(processes)
    ]
    for child in children:
        child.wait()
    end = time.time()
    study = optuna.load_study(study_name="peers", storage=JournalStorage(JournalFileBackend(path)))
    count = sum(1 for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE)
    # Each process loads the journal before its first trial; that is start-up, not dispatch,
    # but it cannot be told apart from outside: counted in the makespan (Optuna's disadvantage).
    return ready - start, end - ready, count


def run_hyperqueue(args, payload, n, slots, workdir):
    from hyperqueue import Job, LocalCluster
    from hyperqueue.cluster import WorkerConfig

    p = PAYLOADS[payload]
    start = time.time()
    cluster = LocalCluster(server_dir=os.path.join(workdir, "hq"))
    cluster.start_worker(WorkerConfig(cores=slots))
    client = cluster.client()
    ready = time.time()
    job = Job()
    for _ in range(n):
        # HyperQueue runs every task as a process: its lightest task is /bin/true.
        command = ["/bin/sleep", str(p["seconds"])] if "seconds" in p else ["/bin/true"]
        job.program(command, stdout=None, stderr=None)
    submitted = client.submit(job)
    client.wait_for_jobs([submitted], raise_on_error=False)
    end = time.time()
    cluster.stop()
    return ready - start, end - ready, n


def run_parsl(args, payload, n, slots, workdir):
    import parsl
    from parsl.app.app import bash_app, python_app
    from parsl.config import Config
    from parsl.dataflow.memoization import BasicMemoizer
    from parsl.executors import HighThroughputExecutor
    from parsl.providers import LocalProvider

    fn = payload_function(payload)
    start = time.time()
    config = Config(
        executors=[HighThroughputExecutor(
            label="htex", max_workers_per_node=slots,
            provider=LocalProvider(init_blocks=1, max_blocks=1))],
        run_dir=os.path.join(workdir, "parsl"),
        # Parsl's own durable record of results: a checkpoint written as each task exits.
        memoizer=BasicMemoizer(checkpoint_mode="task_exit") if payload == "durable" else None)
    dfk = parsl.load(config)
    if payload == "true":
        @bash_app(cache=payload == "durable")
        def app(i):
            return "/bin/true"
    else:
        @python_app(cache=payload == "durable")
        def app(i):
            return fn(i)
    @python_app
    def warm(i):
        return i

    for future in [warm(i) for i in range(slots)]:
        future.result()
    ready = time.time()
    futures = [app(i) for i in range(n)]
    deadline = ready + args.cap
    count = 0
    for future in futures:
        try:
            future.result(timeout=max(0.0, deadline - time.time()))
            count += 1
        except Exception as error:
            print(f"parsl: {type(error).__name__}: {error}"[:300], file=sys.stderr)
            break
    end = time.time()
    dfk.cleanup()
    return ready - start, end - ready, count


RUNNERS = {
    "orbit": run_orbit, "dask": run_dask, "ray": run_ray, "ray-tune": run_ray_tune,
    "optuna": run_optuna, "hyperqueue": run_hyperqueue, "parsl": run_parsl,
}


def one(args):
    n = args.trials or PAYLOADS[args.payload]["trials"]
    slots = PAYLOADS[args.payload]["slots"]
    workdir = tempfile.mkdtemp(prefix=f"peers-{args.system}-")
    try:
        startup, makespan, done = RUNNERS[args.system](args, args.payload, n, slots, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    record = {"system": args.system, "payload": args.payload, "trials": n, "done": done,
              "slots": slots, "startup_s": startup, "makespan_s": makespan,
              "rate": done / makespan if makespan > 0 else 0.0}
    if "seconds" in PAYLOADS[args.payload] and done:
        record["fill"] = (done * PAYLOADS[args.payload]["seconds"] / slots) / makespan
    print(json.dumps(record), flush=True)


def versions():
    import importlib.metadata as m

    names = ["distributed", "ray", "optuna", "hyperqueue", "parsl"]
    return {name: m.version(name) for name in names}


def table(records, systems, payloads):
    """Markdown: the median (and range) of each system's figure per payload, and Orbit ÷ best."""
    lines = []
    header = "| payload | figure | " + " | ".join(systems) + " | Orbit ÷ best peer |"
    lines += [header, "|" + "---|" * (len(systems) + 3)]
    for payload in payloads:
        fill = "seconds" in PAYLOADS[payload]
        key = "fill" if fill else "rate"
        cells, medians = [], {}
        for system in systems:
            values = [r[key] for r in records if r["system"] == system and r["payload"] == payload
                      and key in r and r["done"] == r["trials"]]
            partial = [r for r in records if r["system"] == system and r["payload"] == payload
                       and r["done"] < r["trials"]]
            if not values:
                cells.append("capped: " + ", ".join(f"{r['done']}/{r['trials']} in {r['makespan_s']:.0f} s" for r in partial)
                             if partial else "–")
                if partial:
                    medians[system] = statistics.median(r["rate"] for r in partial) if not fill else 0
                continue
            median = statistics.median(values)
            medians[system] = median
            cell = f"{median:.3f}" if fill else f"{median:,.0f}"
            cell += f" ({min(values):.3f}–{max(values):.3f})" if fill else f" ({min(values):,.0f}–{max(values):,.0f})"
            cells.append(cell)
        peers = [v for s, v in medians.items() if s != "orbit"]
        ratio = (f"{medians['orbit'] / max(peers):.2f}" if "orbit" in medians and peers and max(peers) > 0
                 else "–")
        figure = "fill efficiency" if fill else "trials/s"
        lines.append(f"| {payload} | {figure} | " + " | ".join(cells) + f" | {ratio} |")
    lines.append("")
    lines.append("| start-up, s (median) | " + " | ".join(systems) + " |")
    lines.append("|" + "---|" * (len(systems) + 1))
    for payload in payloads:
        row = []
        for system in systems:
            values = [r["startup_s"] for r in records if r["system"] == system and r["payload"] == payload]
            row.append(f"{statistics.median(values):.2f}" if values else "–")
        lines.append(f"| {payload} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main():
    # Parsl starts its interchange and worker pool by name from the virtualenv's bin.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    if len(sys.argv) > 1 and sys.argv[1] == "optuna-worker":
        path, payload, trials, threads, cap = sys.argv[2:7]
        optuna_worker(path, payload, int(trials), int(threads), float(cap))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="all", choices=["all", "one", "table"])
    parser.add_argument("--orbit", default=os.path.join(os.path.dirname(__file__), "../../.build/release/orbit"))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--payloads", default=",".join(PAYLOADS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cap", type=float, default=60.0,
                        help="seconds a measurement may run; a capped one reports its rate so far")
    parser.add_argument("--trials", type=int, help="override every payload's trial count")
    parser.add_argument("--out", default="peers-results.jsonl")
    parser.add_argument("--system")
    parser.add_argument("--payload")
    args = parser.parse_args()
    args.orbit = os.path.abspath(args.orbit)
    if args.command == "one":
        one(args)
        return
    systems = args.systems.split(",")
    payloads = args.payloads.split(",")
    if args.command == "table":
        records = [json.loads(line) for line in open(args.out)]
        print(table(records, systems, payloads))
        return
    print("versions:", json.dumps(versions()), "· orbit:", args.orbit)
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f} at start")
    records = []
    with open(args.out, "w") as out:
        for repetition in range(args.repeat):
            for payload in payloads:
                # Rotate the order each repetition, so no system always runs first or last.
                order = [s for s in systems if payload != "durable" or s in DURABLE]
                shift = repetition % len(order)
                for system in order[shift:] + order[:shift]:
                    command = [sys.executable, __file__, "one", "--system", system, "--payload", payload,
                               "--orbit", args.orbit, "--cap", str(args.cap)]
                    if args.trials:
                        command += ["--trials", str(args.trials)]
                    try:
                        result = subprocess.run(command, capture_output=True, text=True, timeout=args.cap + 180)
                        line = [l for l in result.stdout.splitlines() if l.startswith("{")]
                        if result.returncode != 0 or not line:
                            print(f"  {system} {payload}: exit {result.returncode}: {result.stderr[-400:]}", flush=True)
                            continue
                        record = json.loads(line[-1])
                    except subprocess.TimeoutExpired:
                        print(f"  {system} {payload}: timed out", flush=True)
                        continue
                    record["repetition"] = repetition
                    record["load"] = os.getloadavg()[0]
                    records.append(record)
                    out.write(json.dumps(record) + "\n")
                    out.flush()
                    figure = f"fill {record['fill']:.3f}" if "fill" in record else f"{record['rate']:,.0f}/s"
                    print(f"  rep {repetition} {payload:8} {system:10} {figure}  ({record['done']}/{record['trials']}, "
                          f"start-up {record['startup_s']:.2f} s, load {record['load']:.1f})", flush=True)
    print()
    print(table(records, systems, payloads))


if __name__ == "__main__":
    main()
