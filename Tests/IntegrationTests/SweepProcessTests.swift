import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// Real `orbit` processes on tcp://127.0.0.1 (port 0), real SQLite files, real python3 trials.
  @Suite("Whole sweeps over real processes", .serialized)
  struct SweepProcessTests {
    static let metricScript = """
      import json, sys
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      x = int(args["x"]); y = float(args["y"])
      print("noise before the metrics")
      print(json.dumps({"loss": x * 10 + y, "echo_x": x}))
      """

    func trials(_ sandbox: Sandbox, _ runDir: String = "run") throws -> [TrialRecord] {
      try Journal(path: "\(sandbox.path)/\(runDir)/journal.sqlite", readOnly: true).trials()
    }

    @Test(.timeLimit(.minutes(3)))
    func runRecordsExactly200OkTrialsWithTheirMetrics() throws {
      let sandbox = try Sandbox()
      try sandbox.write("metric.py", Self.metricScript)
      try sandbox.write(
        "sweep.yaml",
        """
        name: two-hundred
        method: grid
        program: metric.py
        metric: {name: loss, goal: minimize}
        parameters:
          x: {min: 0, max: 39}
          y: {values: [0.1, 0.2, 0.3, 0.4, 0.5]}
        """)
      let result = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "2", "--slots", "2", "--run-dir", "run", "--no-report"],
        in: sandbox.path, timeout: 170)
      #expect(result.code == 0, "stderr: \(result.stderr)")
      let rows = try trials(sandbox)
      #expect(rows.count == 200)
      #expect(rows.allSatisfy { $0.status == .ok })
      #expect(Set(rows.map(\.id)).count == 200)
      for row in rows {
        let params =
          try JSONSerialization.jsonObject(with: Data(row.paramsJSON.utf8)) as! [String: Any]
        let metrics =
          try JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as! [String: Any]
        let x = params["x"] as! Int
        let y = params["y"] as! Double
        #expect(abs((metrics["loss"] as! Double) - (Double(x) * 10 + y)) < 1e-9)
      }
      let csv = try #require(sandbox.read("run/trials.csv"))
      #expect(csv.split(separator: "\n").count == 201)
      #expect(result.stdout.contains("best loss (minimize): 0.1"))
      #expect(sandbox.livingProcesses().isEmpty)
    }

    @Test(.timeLimit(.minutes(2)))
    func failingCommandIsRecordedFailedWithItsStderrAndRunExits1() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "fail.py",
        """
        import sys
        sys.stderr.write("Traceback: the model exploded at step 7\\n")
        sys.exit(3)
        """)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: fail.py\nparameters:\n  x: {values: [1, 2]}\n")
      let result = try OrbitProcess.run(
        ["run", "sweep.yaml", "--run-dir", "run", "--no-report"], in: sandbox.path)
      #expect(result.code == 1)
      #expect(result.stdout.contains("failed"))
      let rows = try trials(sandbox)
      #expect(rows.count == 2)
      for row in rows {
        #expect(row.status == .failed)
        #expect(row.exitCode == 3)
        #expect(row.stderrTail.contains("the model exploded at step 7"))
      }
    }

    @Test(.timeLimit(.minutes(2)))
    func trialOverItsTimeoutIsKilledWithItsWholeProcessGroup() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "hang.py",
        """
        import os, subprocess, time
        child = subprocess.Popen(["sleep", "300"])
        with open("pids-%d.txt" % os.getpid(), "w") as f:
            f.write("%d %d" % (os.getpid(), child.pid))
        time.sleep(300)
        """)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: hang.py\ntimeout: 1s\nparameters:\n  x: {value: 1}\n")
      let result = try OrbitProcess.run(
        ["run", "sweep.yaml", "--run-dir", "run", "--no-report"], in: sandbox.path, timeout: 60)
      #expect(result.code == 1)
      let rows = try trials(sandbox)
      #expect(rows.map(\.status) == [.timeout])
      let pidFile = try #require(
        try FileManager.default.contentsOfDirectory(atPath: sandbox.path).first {
          $0.hasPrefix("pids-")
        })
      let pids = try #require(sandbox.read(pidFile)).split(separator: " ").compactMap { Int32($0) }
      #expect(pids.count == 2)
      for pid in pids {
        #expect(!Sandbox.isAlive(pid), "process \(pid) of the timed-out trial survived")
      }
      #expect(sandbox.livingProcesses().isEmpty)
    }

    @Test(.timeLimit(.minutes(2)))
    func aTrialThatSendsItsOutputElsewhereStillTimesOutAndItsSetsidChildDies() throws {
      // `exec > log 2>&1` closes both pipes the worker watched; `setsid` leaves the trial's
      // process group. Neither may escape the timeout (issue 25: 3 s ran 25 s, `failed`).
      let sandbox = try Sandbox()
      try sandbox.write(
        "quiet.sh",
        """
        exec > "$ORBIT_TRIAL_DIR/train.log" 2>&1
        setsid sleep 300 &
        echo $! > "$ORBIT_TRIAL_DIR/escaped.pid"
        echo '{"step": 1, "loss": 2}' >> "$ORBIT_PROGRESS_PATH"
        sleep 30
        """)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\ncommand: [/bin/sh, quiet.sh]\ntimeout: 2\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [1]}\n"
      )
      let started = Date()
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "1", "--run-dir", "run", "--no-report"],
        in: sandbox.path, timeout: 60)
      let seconds = Date().timeIntervalSince(started)
      #expect(run.code == 1, "\(run.stdout)\(run.stderr)")
      let row = try #require(try trials(sandbox).first)
      #expect(row.status == .timeout, "\(row.status) \(row.stderrTail)")
      #expect(row.wallSeconds < 10, "ran \(row.wallSeconds) s")
      #expect(seconds < 30)
      // The progress file was read while the program ran.
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.progressPoints().map(\.step) == [1])
      let folder = "\(sandbox.path)/run/trials/\(row.id.hex)/attempt-1"
      let escaped = try #require(
        Int32(
          (try String(contentsOfFile: folder + "/escaped.pid", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)))
      #expect(OrbitProcess.eventually(timeout: 5) { !Sandbox.isAlive(escaped) })
      kill(escaped, SIGKILL)
    }

    @Test(.timeLimit(.minutes(3)))
    func coordinatorAndTwoSeparateWorkersFinishEvenWhenOneIsKilled() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "slow.py",
        """
        import json, sys, time
        time.sleep(0.2)
        print(json.dumps({"loss": 1.0}))
        """)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: slow.py\nparameters:\n  x: {min: 1, max: 40}\n")
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, name: "coordinator")
      let endpoint = coordinator.printedEndpoint()
      #expect(endpoint != nil)
      let address = try #require(endpoint)
      let doomed = try OrbitProcess(
        [
          "worker", "--connect", address, "--slots", "2", "--allow-command", "--worker-id",
          "doomed",
        ],
        in: sandbox.path, name: "w1")
      let survivor = try OrbitProcess(
        [
          "worker", "--connect", address, "--slots", "2", "--allow-command", "--worker-id",
          "survivor",
        ], in: sandbox.path, name: "w2")
      // Let the doomed worker take trials, then kill it without warning.
      #expect(
        OrbitProcess.eventually(timeout: 30) {
          ((try? self.trials(sandbox)) ?? []).contains { $0.worker == "doomed" }
        })
      doomed.signal(SIGKILL)
      _ = doomed.wait(timeout: 5)
      #expect(coordinator.wait(timeout: 120) == 0, "coordinator stderr: \(coordinator.stderr)")
      #expect(survivor.wait(timeout: 20) == 0, "worker stderr: \(survivor.stderr)")
      let rows = try trials(sandbox)
      #expect(rows.count == 40)
      #expect(rows.allSatisfy { $0.status == .ok })
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.events(kind: "worker_left").contains { $0.workerID == "doomed" })
      #expect(sandbox.livingProcesses().isEmpty)
      // The hint names the flags a worker of this command sweep needs.
      #expect(coordinator.stdout.contains("orbit worker --connect \(address) --allow-command"))
      // The coordinator ends with the sweep's answer, as `orbit run` does.
      for file in ["report.html", "fits.json", "trials.csv"] {
        #expect(FileManager.default.fileExists(atPath: "\(sandbox.path)/run/\(file)"), "\(file)")
      }
      // A standalone worker keeps its trials' folders by default, in ./orbit-trials.
      let kept = rows.filter { $0.worker == "survivor" }
      #expect(!kept.isEmpty)
      for row in kept {
        let folder = "\(sandbox.path)/orbit-trials/\(row.id.hex)/attempt-\(row.attempt)"
        #expect(FileManager.default.fileExists(atPath: folder + "/stdout.log"), "\(folder)")
      }
    }

    /// scancel, preemption and a pod's deletion signal every process of the job: the trial dies
    /// of the same SIGTERM that stops its worker, often first. That trial is handed back with
    /// the worker's BYE, not recorded failed: with `retries: 0` it would otherwise be lost.
    @Test(.timeLimit(.minutes(2)))
    func aTrialKilledByTheWorkersOwnSigtermIsHandedBackNotFailed() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "long.py",
        """
        import json, os, sys, time
        args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
        if not os.path.exists("second"):
            with open("pid-" + args["x"], "w") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
        print(json.dumps({"loss": 1.0}))
        """)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: long.py\nretries: 0\nparameters:\n  x: {values: [1, 2]}\n")
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, name: "coordinator")
      let address = try #require(coordinator.printedEndpoint())
      let first = try OrbitProcess(
        ["worker", "--connect", address, "--slots", "2", "--allow-command", "--worker-id", "one"],
        in: sandbox.path, name: "w1")
      #expect(
        OrbitProcess.eventually(timeout: 30) {
          sandbox.read("pid-1") != nil && sandbox.read("pid-2") != nil
        })
      // The trials first, then their worker, as slurmstepd signals a step's processes.
      for x in [1, 2] {
        if let text = sandbox.read("pid-\(x)"), let pid = Int32(text) { kill(pid, SIGTERM) }
      }
      first.signal(SIGTERM)
      #expect(first.wait(timeout: 20) != nil)
      try sandbox.write("second", "")
      let second = try OrbitProcess(
        ["worker", "--connect", address, "--slots", "2", "--allow-command", "--worker-id", "two"],
        in: sandbox.path, name: "w2")
      #expect(coordinator.wait(timeout: 60) == 0, "coordinator stderr: \(coordinator.stderr)")
      #expect(second.wait(timeout: 20) != nil)
      let rows = try trials(sandbox)
      #expect(rows.count == 2)
      #expect(rows.allSatisfy { $0.status == .ok && $0.worker == "two" }, "\(rows.map(\.status))")
      #expect(sandbox.livingProcesses().isEmpty)
    }

    @Test(.timeLimit(.minutes(3)))
    func killedRunResumesWithoutRerunningFinishedTrials() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "count.py",
        """
        import json, os, sys, time
        with open("ran.log", "a") as f:
            f.write(os.environ["ORBIT_TRIAL_ID"] + "\\n")
        time.sleep(0.1)
        print(json.dumps({"loss": 1.0}))
        """)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: count.py\nparameters:\n  x: {min: 1, max: 30}\n")
      let first = try OrbitProcess(
        ["run", "sweep.yaml", "--run-dir", "run", "--no-report", "--slots", "2"], in: sandbox.path)
      #expect(
        OrbitProcess.eventually(timeout: 60) { ((try? self.trials(sandbox)) ?? []).count >= 5 })
      first.signal(SIGKILL)
      _ = first.wait(timeout: 10)
      // Workers started with --exit-with-parent die with it.
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
      let before = try trials(sandbox).count
      #expect(before < 30)
      let second = try OrbitProcess.run(
        ["run", "sweep.yaml", "--run-dir", "run", "--no-report", "--slots", "2"], in: sandbox.path)
      #expect(second.code == 0, "stderr: \(second.stderr)")
      #expect(second.stdout.contains("(\(before) already done)"))
      let rows = try trials(sandbox)
      #expect(rows.count == 30)
      let ran = try #require(sandbox.read("ran.log")).split(separator: "\n")
      // Only trials in flight at the kill may have run twice.
      #expect(ran.count - 30 <= 4)
      #expect(sandbox.livingProcesses().isEmpty)
    }

    @Test(.timeLimit(.minutes(2)))
    func interruptedRunStopsCleanlyWith130AndResumes() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "slow.py",
        """
        import json, time
        time.sleep(0.3)
        print(json.dumps({"loss": 1.0}))
        """)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: slow.py\nparameters:\n  x: {min: 1, max: 40}\n")
      let run = try OrbitProcess(
        ["run", "sweep.yaml", "--run-dir", "run", "--no-report", "--slots", "2"], in: sandbox.path)
      #expect(
        OrbitProcess.eventually(timeout: 60) { ((try? self.trials(sandbox)) ?? []).count >= 3 })
      run.signal(SIGINT)
      #expect(run.wait(timeout: 30) == 130)
      #expect(run.stderr.contains("stopping"))
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
      let partial = try trials(sandbox)
      #expect(partial.count < 40)
      // Trials cut short by the stop are not recorded as results: they run again on resume.
      #expect(partial.allSatisfy { $0.status == .ok })
      let status = try OrbitProcess.run(["status", "run"], in: sandbox.path)
      #expect(status.stdout.contains("stopped"))
      let resumed = try OrbitProcess.run(
        ["run", "sweep.yaml", "--run-dir", "run", "--no-report", "--slots", "2"], in: sandbox.path)
      #expect(resumed.code == 0)
      #expect(try trials(sandbox).count == 40)
    }
  }
}
