import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// The documented recovery path: the coordinator is killed and started again with the same
  /// command; its workers reconnect and must be re-admitted, not rejected (issue 25: every
  /// message a worker had in flight drew UNKNOWN_PEER, each answered with a HELLO, and the
  /// repeats got the worker rejected and then banned).
  @Suite("A coordinator restart keeps its workers")
  struct RestartTests {
    static let trial = """
      import json, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      for step in range(1, 11):
          print(json.dumps({"step": step, "loss": 1.0 / step}), flush=True)
          time.sleep(0.15)
      print(json.dumps({"loss": int(args["x"])}))
      """

    @Test(.timeLimit(.minutes(4)))
    func twoRestartsWithProgressInFlightKeepEveryWorker() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.trial)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {min: 1, max: 24}\n"
      )
      func startCoordinator(_ bind: String) throws -> OrbitProcess {
        try OrbitProcess(
          ["coordinator", "sweep.yaml", "--bind", bind, "--run-dir", "run", "--no-report"],
          in: sandbox.path, name: "coordinator")
      }
      var coordinator = try startCoordinator("tcp://127.0.0.1:0")
      let address = try #require(coordinator.printedEndpoint())
      let workers = try (0..<2).map { i in
        try OrbitProcess(
          [
            "worker", "--connect", address, "--slots", "2", "--allow-command", "--worker-id",
            "w\(i)",
          ],
          in: sandbox.path, name: "w\(i)")
      }
      defer { for w in workers { w.signal(SIGKILL) } }
      let journalPath = "\(sandbox.path)/run/journal.sqlite"
      func recorded() -> Int {
        ((try? Journal(path: journalPath, readOnly: true).trials()) ?? []).count
      }
      var readmissions: [Double] = []
      for threshold in [6, 14] {
        #expect(OrbitProcess.eventually(timeout: 60) { recorded() >= threshold })
        coordinator.signal(SIGKILL)
        _ = coordinator.wait(timeout: 5)
        let restartedAt = Date()
        coordinator = try startCoordinator(address)
        // Both workers back: connected rows joined after the restart.
        let back = OrbitProcess.eventually(timeout: 30) {
          let rows = (try? Journal(path: journalPath, readOnly: true).workers()) ?? []
          return rows.filter {
            $0.leftAt == nil && $0.joinedAt >= restartedAt.timeIntervalSince1970 - 0.5
          }.count == 2
        }
        #expect(back, "workers not re-admitted: \(coordinator.stderr.suffix(1500))")
        readmissions.append(Date().timeIntervalSince(restartedAt))
      }
      #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.stderr.suffix(2000))")
      for w in workers {
        #expect(w.wait(timeout: 20) == 0, "a worker left with: \(w.stderr.suffix(800))")
        #expect(!w.stderr.contains("rejected"))
      }
      let rows = try Journal(path: journalPath, readOnly: true).trials()
      #expect(rows.count == 24 && rows.allSatisfy { $0.status == .ok })
      print(
        "restart: both workers re-admitted \(readmissions.map { String(format: "%.2f s", $0) }.joined(separator: ", ")) after each restart; 24/24 ok"
      )
    }

    /// Each run appends its `x` to runs.log as it starts, then logs progress for ~1.5 s.
    static let countedTrial = """
      import json, os, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      with open("runs.log", "a") as f:
          f.write(args["x"] + "\\n")
      for step in range(1, 7):
          print(json.dumps({"step": step, "loss": 1.0 / step}), flush=True)
          time.sleep(0.25)
      print(json.dumps({"loss": int(args["x"])}))
      """

    /// How often each `x` started, from runs.log.
    static func runs(_ sandbox: Sandbox) -> [Int: Int] {
      var counts: [Int: Int] = [:]
      for line in (sandbox.read("runs.log") ?? "").split(separator: "\n") {
        if let x = Int(line) { counts[x, default: 0] += 1 }
      }
      return counts
    }

    /// The coordinator is SIGKILLed twice while its workers run trials, and started again: the
    /// restarted one re-adopts what they still run (their HELLO lists each run with its lease)
    /// instead of dispatching it again, so no trial runs twice.
    @Test(.timeLimit(.minutes(4)))
    func trialsInFlightAtARestartAreReAdoptedNotRunAgain() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.countedTrial)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {min: 1, max: 16}\n"
      )
      func startCoordinator(_ bind: String) throws -> OrbitProcess {
        try OrbitProcess(
          ["coordinator", "sweep.yaml", "--bind", bind, "--run-dir", "run", "--no-report"],
          in: sandbox.path, name: "coordinator")
      }
      var coordinator = try startCoordinator("tcp://127.0.0.1:0")
      let address = try #require(coordinator.printedEndpoint())
      let workers = try (0..<2).map { i in
        try OrbitProcess(
          [
            "worker", "--connect", address, "--slots", "2", "--allow-command", "--worker-id",
            "w\(i)",
          ],
          in: sandbox.path, name: "w\(i)")
      }
      defer { for w in workers { w.signal(SIGKILL) } }
      let journalPath = "\(sandbox.path)/run/journal.sqlite"
      func recorded() -> Set<Int> {
        Set(((try? Journal(path: journalPath, readOnly: true).trials()) ?? []).map(\.index))
      }
      var inFlightAtKill: [Int] = []
      for threshold in [3, 9] {
        // Killed while trials run: started (in runs.log) and not recorded.
        var inFlight = 0
        #expect(
          OrbitProcess.eventually(timeout: 60) {
            let done = recorded()
            inFlight = Self.runs(sandbox).keys.filter { !done.contains($0 - 1) }.count
            return done.count >= threshold && inFlight >= 2
          })
        coordinator.signal(SIGKILL)
        _ = coordinator.wait(timeout: 5)
        inFlightAtKill.append(inFlight)
        coordinator = try startCoordinator(address)
      }
      #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.stderr.suffix(2000))")
      for w in workers {
        #expect(w.wait(timeout: 20) == 0, "a worker left with: \(w.stderr.suffix(800))")
      }
      let rows = try Journal(path: journalPath, readOnly: true).trials()
      #expect(rows.count == 16 && rows.allSatisfy { $0.status == .ok })
      let runs = Self.runs(sandbox)
      let reruns = runs.values.reduce(0) { $0 + $1 - 1 }
      #expect(runs.keys.sorted() == Array(1...16))
      #expect(reruns == 0, "runs per x: \(runs.sorted { $0.key < $1.key })")
      let adopted = try Journal(path: journalPath, readOnly: true).events(
        kind: "held_trial_adopted")
      #expect(adopted.count >= 2)
      print(
        "restart re-adoption: in flight at the kills \(inFlightAtKill), re-adopted \(adopted.count), re-executions \(reruns) of 16"
      )
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    /// A hyperband trial: its loss is `base(x) + 1/step` for 9 steps, 0.25 s apart, so the
    /// worse half of the bases is stopped at the first band, whatever the timing, once the
    /// trials before it are in the histories.
    static let curveTrial = """
      import json, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      x = int(args["x"])
      base = [1.0, 5.0, 0.5, 6.0, 0.3, 7.0, 0.2, 8.0][x - 1]
      with open("runs.log", "a") as f:
          f.write(str(x) + "\\n")
      for step in range(1, 10):
          print(json.dumps({"step": step, "loss": base + 1.0 / step}), flush=True)
          time.sleep(0.25)
      print(json.dumps({"loss": base}))
      """

    /// The same hyperband sweep (one worker, one slot: trials in plan order, each judged against
    /// the ones before it) with and without a coordinator restart while trial 4 runs: the
    /// stopped sets are equal, because the restarted coordinator rebuilds early stopping's
    /// histories from the journal's progress rows and re-adopts trial 4 instead of running it
    /// again.
    @Test(.timeLimit(.minutes(4)))
    func aHyperbandSweepStopsTheSameTrialsWithARestart() throws {
      func sweep(restartWhileRunning x: Int?) throws -> (stopped: Set<Int>, runs: [Int: Int]) {
        let sandbox = try Sandbox()
        try sandbox.write("trial.py", Self.curveTrial)
        try sandbox.write(
          "sweep.yaml",
          """
          method: grid
          program: trial.py
          metric: {name: loss, goal: minimize}
          early_terminate: {type: hyperband, min_iter: 2, eta: 3}
          parameters:
            x: {min: 1, max: 8}

          """)
        func startCoordinator(_ bind: String) throws -> OrbitProcess {
          try OrbitProcess(
            ["coordinator", "sweep.yaml", "--bind", bind, "--run-dir", "run", "--no-report"],
            in: sandbox.path, name: "coordinator")
        }
        var coordinator = try startCoordinator("tcp://127.0.0.1:0")
        let address = try #require(coordinator.printedEndpoint())
        let worker = try OrbitProcess(
          ["worker", "--connect", address, "--slots", "1", "--allow-command", "--worker-id", "w"],
          in: sandbox.path, name: "w")
        defer { worker.signal(SIGKILL) }
        if let x {
          #expect(OrbitProcess.eventually(timeout: 60) { Self.runs(sandbox)[x] != nil })
          coordinator.signal(SIGKILL)
          _ = coordinator.wait(timeout: 5)
          coordinator = try startCoordinator(address)
        }
        #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.stderr.suffix(2000))")
        #expect(worker.wait(timeout: 20) == 0, "\(worker.stderr.suffix(800))")
        let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
          .trials()
        #expect(rows.count == 8)
        #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
        return (Set(rows.filter { $0.status == .stopped }.map { $0.index + 1 }), Self.runs(sandbox))
      }
      let plain = try sweep(restartWhileRunning: nil)
      let restarted = try sweep(restartWhileRunning: 4)
      #expect(!plain.stopped.isEmpty)
      #expect(restarted.stopped == plain.stopped)
      #expect(restarted.runs.values.allSatisfy { $0 == 1 }, "\(restarted.runs)")
      print(
        "hyperband: stopped \(plain.stopped.sorted()) without a restart, \(restarted.stopped.sorted()) with one; runs with it \(restarted.runs.sorted { $0.key < $1.key }.map(\.value))"
      )
    }
  }
}
