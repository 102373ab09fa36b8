import Foundation
import OrbitJournal
import OrbitTesting
import Testing

extension RealProcesses {
  /// docs/PROGRAMS.md, end to end: real python3 programs through `orbit run`'s real workers.
  @Suite("Your own program: curves, results, artifacts and logs")
  struct ProgramContractTests {
    static let program = """
      import json, os, sys
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      x = int(args["x"])
      if x == 3:
          print("forgot to log anything")
          sys.exit(0)
      for step in (1, 2, 4, 8):
          print(json.dumps({"_step": step, "train_loss": x / step}), flush=True)
      with open(os.path.join(os.environ["ORBIT_TRIAL_DIR"], "model.ckpt"), "w") as f:
          f.write("weights of %d" % x)
      print(json.dumps({"val_loss": x / 10}))
      """

    @Test(.timeLimit(.minutes(2)))
    func curvesResultsArtifactsAndLogsOfARealSweep() throws {
      let sandbox = try Sandbox()
      try sandbox.write("train.py", Self.program)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: train.py\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  x: {values: [1, 2, 3]}\n"
      )
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "1", "--slots", "3", "--run-dir", "run", "--no-report"],
        in: sandbox.path)
      // One trial reported no val_loss: it failed, so the run says so with exit 1.
      #expect(run.code == 1, "\(run.stdout)\(run.stderr)")
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      let rows = try journal.trials().sorted { $0.index < $1.index }
      #expect(rows.map(\.status) == [.ok, .ok, .failed])
      #expect(rows[2].stderrTail.contains("reported no 'val_loss'"))
      #expect(rows[2].stderrTail.contains("forgot to log anything"))
      #expect(rows[1].metricsJSON == #"{"val_loss":0.2}"#)
      // Every _step line of the ok trials is a point of their curves.
      let points = try journal.progressPoints()
      #expect(points.filter { $0.trialID == rows[1].id }.map(\.step) == [1, 2, 4, 8])

      let export = try OrbitProcess.run(
        ["export", "run", "--csv", "trials.csv", "--curves", "curves.csv"], in: sandbox.path)
      #expect(export.code == 0, "\(export.stderr)")
      let curves = try String(contentsOfFile: "\(sandbox.path)/curves.csv", encoding: .utf8)
        .split(separator: "\n")
      #expect(curves.first == "trial_id,x,step,metric,value")
      #expect(curves.contains("\(rows[1].id.hex),2,8,train_loss,0.25"))
      #expect(curves.count == 1 + 8)

      // The artifact is in the trial's kept folder, and its stdout is one command away.
      let folder = "\(sandbox.path)/run/trials/\(rows[0].id.hex)/attempt-1"
      #expect(
        (try? String(contentsOfFile: folder + "/model.ckpt", encoding: .utf8)) == "weights of 1")
      let logs = try OrbitProcess.run(
        ["logs", "run", String(rows[0].id.hex.prefix(8))], in: sandbox.path)
      #expect(logs.code == 0, "\(logs.stderr)")
      #expect(logs.stdout.contains(#"{"_step": 8, "train_loss": 0.125}"#))
      #expect(logs.stdout.contains(#"{"val_loss": 0.1}"#))
      // Without the folder, the journal's tail of the stream.
      #expect(rows[0].stdoutTail.hasSuffix("{\"val_loss\": 0.1}\n"))
      try FileManager.default.removeItem(atPath: "\(sandbox.path)/run/trials")
      let fromJournal = try OrbitProcess.run(
        ["logs", "run", String(rows[0].id.hex.prefix(8))], in: sandbox.path)
      #expect(fromJournal.code == 0 && fromJournal.stdout.contains(#"{"val_loss": 0.1}"#))
      #expect(fromJournal.stderr.contains("the journal's last 4 KiB"))
      let missing = try OrbitProcess.run(["logs", "run", "ffffffffff"], in: sandbox.path)
      #expect(missing.code == 66 && missing.stderr.contains("no kept trial folder"))
    }

    @Test(.timeLimit(.minutes(2)))
    func aCommandTrialGetsTheEnvironmentTheUserGaveOrbitPlusOrbitsOwnVariables() throws {
      // Orbit re-executes itself with OPENBLAS_NUM_THREADS=1 for its own core runner; a user's
      // numpy program must not inherit that (issue 22), nor anything else Orbit set.
      let sandbox = try Sandbox()
      // A shell program, not python: an interpreter shim (pyenv) edits its own environment.
      try sandbox.write(
        "env.sh", "env -0 > \"$ORBIT_TRIAL_DIR/env.bin\"\necho '{\"loss\": 1}'\n")
      try sandbox.write(
        "sweep.yaml",
        "method: grid\ncommand: [/bin/sh, env.sh]\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [1]}\n"
      )
      let given = ["ORBIT_TEST_MARK": "kept", "OMP_PROC_BIND": "close"]
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "1", "--run-dir", "run", "--no-report"],
        in: sandbox.path, environment: given)
      #expect(run.code == 0, "\(run.stdout)\(run.stderr)")
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      let row = try #require(try journal.trials().first)
      let path = "\(sandbox.path)/run/trials/\(row.id.hex)/attempt-1/env.bin"
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      var seen: [String: String] = [:]
      for entry in data.split(separator: 0) {
        let text = String(decoding: entry, as: UTF8.self)
        guard let eq = text.firstIndex(of: "=") else { continue }
        seen[String(text[..<eq])] = String(text[text.index(after: eq)...])
      }
      var expected = ProcessInfo.processInfo.environment.merging(given) { $1 }
      // What the program may see beyond that: Orbit's documented variables (and the shell's
      // own PWD).
      let added = seen.filter { expected[$0.key] == nil && $0.key != "PWD" }.map(\.key)
      #expect(added.allSatisfy { $0.hasPrefix("ORBIT_") }, "\(added.sorted())")
      #expect(seen["ORBIT_OPENBLAS_ADDED"] == nil && seen["ORBIT_OPENBLAS_REEXEC"] == nil)
      if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
        #expect(seen["OPENBLAS_NUM_THREADS"] == nil, "Orbit's BLAS setting leaked into the trial")
      }
      // Nothing the user gave is missing or changed.
      for shellOwn in ["PWD", "OLDPWD", "_", "SHLVL"] { expected[shellOwn] = nil }
      let changed = expected.filter { seen[$0.key] != $0.value }.map(\.key)
      #expect(changed.isEmpty, "\(changed.sorted())")
    }

    @Test(.timeLimit(.minutes(2)))
    func aRetrySeesItsAttemptNumberAndThePreviousAttemptsFolder() throws {
      // Attempt 1 saves a checkpoint and fails; `--retry-failed` runs attempt 2, which is told
      // where attempt 1's folder is and resumes from it (issue 22).
      let sandbox = try Sandbox()
      try sandbox.write(
        "resume.py",
        """
        import json, os, sys
        here = os.environ["ORBIT_TRIAL_DIR"]
        attempt = os.environ["ORBIT_ATTEMPT"]
        previous = os.environ.get("ORBIT_PREVIOUS_TRIAL_DIR", "")
        if attempt == "1":
            open(os.path.join(here, "ckpt"), "w").write("step 40")
            sys.exit(1)
        ckpt = open(os.path.join(previous, "ckpt")).read()
        print(json.dumps({"loss": 1, "attempt": int(attempt), "resumed": ckpt, "previous": previous}))
        """)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: resume.py\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [1]}\n"
      )
      let first = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "1", "--run-dir", "run", "--no-report"],
        in: sandbox.path)
      #expect(first.code == 1, "\(first.stdout)\(first.stderr)")
      // The hint is a command to paste: the real spec path, not a placeholder.
      #expect(first.stdout.contains("orbit run sweep.yaml --run-dir run --retry-failed"))
      let retry = try OrbitProcess.run(
        [
          "run", "sweep.yaml", "--workers", "1", "--run-dir", "run", "--no-report",
          "--retry-failed",
        ],
        in: sandbox.path)
      #expect(retry.code == 0, "\(retry.stdout)\(retry.stderr)")
      let row = try #require(
        try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials().first)
      #expect(row.attempt == 2)
      let metrics = try #require(
        try JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as? [String: Any])
      #expect(metrics["attempt"] as? Int == 2)
      #expect(metrics["resumed"] as? String == "step 40")
      #expect((metrics["previous"] as? String)?.hasSuffix("/\(row.id.hex)/attempt-1") == true)
      let csv = try String(contentsOfFile: "\(sandbox.path)/run/trials.csv", encoding: .utf8)
      #expect(csv.contains(",trials/\(row.id.hex)/attempt-2,"))
    }

    @Test(.timeLimit(.minutes(2)))
    func aNaNLossIsDivergedAndEveryValueStaysValidJSON() throws {
      // json.dumps writes NaN and Infinity, which JSON lacks: the run is `diverged` (not
      // `failed`), its other metrics and its curve kept, and everything served stays JSON.
      let sandbox = try Sandbox()
      try sandbox.write(
        "nan.py",
        """
        import json, sys
        args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
        print(json.dumps({"step": 1, "loss": float("nan"), "grad": float("inf")}))
        if args["x"] == "1":
            print(json.dumps({"loss": float("nan"), "acc": 0.5, "tag": "=cmd|' /C calc'!A0"}))
        else:
            print(json.dumps({"loss": 0.5, "acc": float("-inf")}))
        """)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: nan.py\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [1, 2]}\n"
      )
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "1", "--run-dir", "run", "--no-report"],
        in: sandbox.path)
      #expect(run.code == 0, "\(run.stdout)\(run.stderr)")
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      let rows = try journal.trials().sorted { $0.index < $1.index }
      #expect(rows.map(\.status) == [.diverged, .ok])
      for row in rows {
        #expect(
          (try? JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8))) != nil,
          "not JSON: \(row.metricsJSON)")
      }
      #expect(rows[0].metricsJSON.contains(#""loss":"NaN""#))
      #expect(rows[0].metricsJSON.contains(#""acc":0.5"#))
      #expect(rows[1].metricsJSON.contains(#""acc":"-Infinity""#))
      for point in try journal.progressPoints() {
        #expect((try? JSONSerialization.jsonObject(with: Data(point.metricsJSON.utf8))) != nil)
      }
      // trials.csv: the formula is shown, not run.
      let csv = try String(contentsOfFile: "\(sandbox.path)/run/trials.csv", encoding: .utf8)
      #expect(csv.contains("'=cmd|"), "\(csv)")
      #expect(!csv.contains(",=cmd"))
    }

    @Test func planWorksWithoutAProgramAndARepeatedValueIsPlannedOnceWithAWarning() throws {
      let sandbox = try Sandbox()
      try sandbox.write("w.yaml", "method: grid\nparameters:\n  lr: {values: [0.1, 0.01, 0.1]}\n")
      let plan = try OrbitProcess.run(["plan", "w.yaml"], in: sandbox.path, timeout: 30)
      #expect(plan.code == 0, "\(plan.stderr)")
      #expect(plan.stdout.contains("2 trials"), "\(plan.stdout)")
      #expect(plan.stderr.contains("values 1 and 3 (0.1 and 0.1) are the same grid point"))
      let run = try OrbitProcess.run(["run", "w.yaml"], in: sandbox.path, timeout: 30)
      #expect(run.code == 65 && run.stderr.contains("neither 'program' nor 'command'"))
    }

    @Test(.timeLimit(.minutes(2)))
    func eachGPUSlotsTrialsSeeOnlyTheirOwnGPU() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "gpu.py",
        "import json, os, time\ntime.sleep(0.4)\nprint(json.dumps({'loss': 1, 'cuda': int(os.environ['CUDA_VISIBLE_DEVICES']), 'orbit_gpu': int(os.environ['ORBIT_GPU'])}))\n"
      )
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: gpu.py\nparameters:\n  x: {min: 1, max: 16}\n")
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, name: "coordinator")
      let endpoint = try #require(coordinator.printedEndpoint())
      let worker = try OrbitProcess(
        ["worker", "--connect", endpoint, "--gpus", "0,1", "--allow-command"], in: sandbox.path,
        name: "worker")
      // While it runs, orbit status shows the worker's GPU slots and how many are busy.
      var shown = ""
      #expect(
        OrbitProcess.eventually(timeout: 20) {
          shown = (try? OrbitProcess.run(["status", "run"], in: sandbox.path).stdout) ?? ""
          return shown.contains("2/2 slots busy · GPUs 0 | 1")
        }, "\(shown)")
      #expect(coordinator.wait(timeout: 60) == 0, "\(coordinator.stderr)")
      _ = worker.wait(timeout: 15)
      let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
      #expect(rows.count == 16 && rows.allSatisfy { $0.status == .ok })
      let seen = rows.map(\.metricsJSON)
      // Two slots (one per GPU, --slots left out), each trial with its slot's device alone.
      #expect(
        Set(seen) == [#"{"cuda":0,"loss":1,"orbit_gpu":0}"#, #"{"cuda":1,"loss":1,"orbit_gpu":1}"#])
      let bad = try OrbitProcess.run(
        ["worker", "--connect", endpoint, "--gpus", "0,1", "--slots", "3"], in: sandbox.path)
      #expect(bad.code == 64 && bad.stderr.contains("more than the 2 GPU slots"))
    }

    @Test(.timeLimit(.minutes(2)))
    func hyperbandStopsTheLaggingTrialsAndATargetEndsTheSweep() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "curve.py",
        """
        import json, sys, time
        args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
        x = int(args["x"])
        for step in range(40):
            print(json.dumps({"step": step, "loss": x + 1.0 / (step + 1)}), flush=True)
            time.sleep(0.1)
        print(json.dumps({"loss": float(x)}))
        """)
      try sandbox.write(
        "sweep.yaml",
        """
        method: grid
        program: curve.py
        metric: {name: loss, goal: minimize}
        early_terminate: {type: hyperband, min_iter: 3, eta: 2}
        parameters:
          x: {values: [1, 2, 3, 4, 5, 6]}
        """)
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "1", "--slots", "6", "--run-dir", "run", "--no-report"],
        in: sandbox.path)
      #expect(run.code == 0, "\(run.stdout)\(run.stderr)")
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      let rows = try journal.trials().sorted { $0.index < $1.index }
      #expect(rows.count == 6)
      #expect(rows[0].status == .ok, "the best trial runs to its end")
      #expect(rows[5].status == .stopped, "the worst is stopped: \(rows.map(\.status))")
      for row in rows where row.status == .stopped {
        #expect(row.wallSeconds < 3.5, "a stopped trial was cut short: \(row.wallSeconds) s")
        // It keeps the metrics it printed (its last point), for the analysis to count.
        #expect(row.metricsJSON != "{}", "a stopped trial lost its metrics")
      }
      let stoppedIDs = Set(rows.filter { $0.status == .stopped }.map(\.id.hex))
      let events = try journal.events(kind: "early_stopped")
      #expect(Set(events.compactMap(\.trialID)) == stoppedIDs)
      #expect(run.stdout.contains("stopped early"))
      // Its curve so far is kept.
      #expect(try journal.progressPoints().contains { $0.trialID == rows[5].id })
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })

      // metric.target: the first result at or under it ends dispatch.
      try sandbox.write(
        "target.yaml",
        """
        method: grid
        program: curve.py
        metric: {name: loss, goal: minimize, target: 1.5}
        parameters:
          x: {values: [1, 2, 3, 4, 5, 6, 7, 8]}
        """)
      let quick =
        "import json, sys\nx = int(sys.argv[1].split('=')[1])\nprint(json.dumps({'loss': x}))\n"
      try sandbox.write("curve.py", quick)
      let target = try OrbitProcess.run(
        [
          "run", "target.yaml", "--workers", "1", "--slots", "1", "--run-dir", "run2",
          "--no-report",
        ],
        in: sandbox.path)
      #expect(target.code == 0, "\(target.stderr)")
      let recorded = try Journal(path: "\(sandbox.path)/run2/journal.sqlite", readOnly: true)
        .trials()
      #expect(recorded.count < 8, "dispatch ended at the target: \(recorded.count) trials ran")
      #expect(target.stdout.contains("ended early"), "\(target.stdout)")
    }
  }
}
