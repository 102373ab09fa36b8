import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// Exactly-once under real faults: real `orbit` processes SIGKILLed while they work.
  @Suite("Chaos: workers and the coordinator killed mid-sweep", .serialized)
  struct ChaosTests {
    static let script = """
      import json, sys, time, random
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      x = int(args["x"])
      time.sleep(random.uniform(0.02, 0.1))
      print(json.dumps({"loss": x * 3 + 1}))
      """

    /// A worker is killed this often: 0.7 s in CI; `ORBIT_CHAOS_KILL_MS` for harsher runs.
    static let killIntervalMicroseconds: UInt32 =
      (ProcessInfo.processInfo.environment["ORBIT_CHAOS_KILL_MS"].flatMap(UInt32.init) ?? 700)
      * 1000

    func recorded(_ sandbox: Sandbox) -> Int {
      ((try? Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()) ?? [])
        .count
    }

    @Test(.timeLimit(.minutes(5)))
    func threeHundredTrialsEachRecordedOnceWhileWorkersAndTheCoordinatorAreKilled() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.script)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: 300}\n")
      func startCoordinator(_ bind: String) throws -> OrbitProcess {
        try OrbitProcess(
          ["coordinator", "sweep.yaml", "--bind", bind, "--run-dir", "run"], in: sandbox.path,
          name: "coordinator")
      }
      var coordinator = try startCoordinator("tcp://127.0.0.1:0")
      let found = coordinator.printedEndpoint()
      #expect(found != nil)
      let address = try #require(found)
      func startWorker(_ i: Int) throws -> OrbitProcess {
        try OrbitProcess(
          [
            "worker", "--connect", address, "--slots", "2", "--allow-command", "--worker-id",
            "w\(i)", "--give-up", "10",
          ], in: sandbox.path, name: "w\(i)")
      }
      var workers = try (0..<3).map(startWorker)
      var kills = 0
      var coordinatorKills = 0
      var generator = SystemRandomNumberGenerator()
      let deadline = Date().addingTimeInterval(240)
      var finalCode: Int32?
      while Date() < deadline {
        usleep(Self.killIntervalMicroseconds)
        if let code = coordinator.exitCodeIfEnded {
          finalCode = code
          break
        }
        // A random worker SIGKILLed every 0.7 s, restarted at once under the same id.
        let i = Int.random(in: 0..<workers.count, using: &generator)
        workers[i].signal(SIGKILL)
        _ = workers[i].wait(timeout: 5)
        kills += 1
        workers[i] = try startWorker(i)
        // Twice, the coordinator too: at a third and two thirds of the sweep.
        let done = recorded(sandbox)
        if coordinatorKills < 2 && done >= (coordinatorKills + 1) * 100 {
          coordinator.signal(SIGKILL)
          _ = coordinator.wait(timeout: 5)
          coordinatorKills += 1
          coordinator = try startCoordinator(address)
        }
        // Refused or gave up: a scheduler would restart it — but not once the sweep is over
        // (a worker that left because it was told so must not be replaced by one that waits).
        for j in workers.indices
        where workers[j].exitCodeIfEnded != nil && coordinator.exitCodeIfEnded == nil {
          workers[j] = try startWorker(j)
        }
      }
      #expect(finalCode == 0, "coordinator stderr: \(coordinator.stderr.suffix(2000))")
      #expect(coordinatorKills == 2)
      #expect(kills >= 5)
      // Every worker leaves by itself: told the sweep is over (exit 0), or — one started in the
      // instant the sweep ended — after --give-up with nobody there (exit 69).
      for w in workers {
        let code = w.wait(timeout: 30)
        #expect(code == 0 || code == 69, "\(w.stderr.suffix(500))")
      }
      for w in workers { w.signal(SIGKILL) }
      let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
      #expect(rows.count == 300)
      #expect(Set(rows.map(\.id)).count == 300)
      #expect(
        rows.allSatisfy { $0.status == .ok },
        "\(rows.filter { $0.status != .ok }.map { "\($0.status) \($0.stderrTail)" }.prefix(3))")
      for row in rows {
        let params =
          try JSONSerialization.jsonObject(with: Data(row.paramsJSON.utf8)) as? [String: Any]
        let metrics =
          try JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as? [String: Any]
        let x = try #require(params?["x"] as? Int, "row \(row.id) has no parameters")
        #expect(row.index == x - 1)
        #expect((metrics?["loss"] as? Double) == Double(x * 3 + 1))
      }
      // Nothing outlives the sweep: no orbit process, and no trial process of a killed worker.
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
      // The figures bench/RESULTS.md quotes (attempts restart with a restarted coordinator, so
      // re-executions are a lower bound).
      print(
        "chaos: kill every \(Self.killIntervalMicroseconds / 1000) ms · \(kills) worker kills · \(coordinatorKills) coordinator kills · \(rows.filter { $0.status == .ok }.count) ok · \(rows.filter { $0.status == .lost }.count) lost · \(rows.reduce(0) { $0 + $1.attempt - 1 }) re-executions"
      )
    }

    @Test(.timeLimit(.minutes(3)))
    func aTrialThatKillsItsWorkerEveryTimeIsLostAndTheOthersFinish() throws {
      // A real poison pill: trial x = 3 SIGKILLs the worker that runs it. `orbit run` restarts
      // crashed local workers; after 5 deaths on an otherwise healthy sweep the trial is `lost`.
      let sandbox = try Sandbox()
      try sandbox.write(
        "pill.py",
        "import json, os, signal, sys\nargs = dict(a[2:].split('=', 1) for a in sys.argv[1:])\nif args['x'] == '3':\n    os.kill(os.getppid(), signal.SIGKILL)\nprint(json.dumps({'loss': int(args['x'])}))\n"
      )
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: pill.py\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {values: [1, 2, 3, 4, 5, 6, 7, 8]}\n"
      )
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "2", "--slots", "1", "--run-dir", "run", "--no-report"],
        in: sandbox.path, timeout: 150)
      #expect(run.code == 1, "\(run.stdout)\(run.stderr)")
      let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
        .sorted { $0.index < $1.index }
      #expect(rows.count == 8)
      #expect(rows.map(\.status) == [.ok, .ok, .lost, .ok, .ok, .ok, .ok, .ok])
      // 7 ok runs beside it: the others' death rate is (0 + 1) / (7 + 5) and 0.083⁷ × 8 < 10⁻⁶.
      #expect(
        (5...9).contains(rows[2].attempt),
        "lost after \(rows[2].attempt) runs: \(rows[2].stderrTail)")
      #expect(rows[2].stderrTail.contains("it kills its worker"))
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    @Test(.timeLimit(.minutes(2)))
    func workersThatKeepCrashingEndTheSweepWithAnErrorNotAHang() throws {
      // Every trial crashes its worker as a fault of the worker's own would (SIGSEGV): each
      // worker is restarted a few times, then `orbit run` stops, exit 69, the journal intact.
      let sandbox = try Sandbox()
      try sandbox.write(
        "crash.py", "import os, signal\nos.kill(os.getppid(), signal.SIGSEGV)\n")
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: crash.py\nparameters:\n  x: {values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}\n"
      )
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "2", "--slots", "1", "--run-dir", "run", "--no-report"],
        in: sandbox.path, timeout: 90)
      #expect(run.code == 69, "\(run.stdout)\(run.stderr)")
      #expect(run.stderr.contains("none can be restarted"), "\(run.stderr)")
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.latestSweep()?.state == "stopped")
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    @Test(.timeLimit(.minutes(2)))
    func aKilledWorkersTrialProcessesDieWithIt() throws {
      let sandbox = try Sandbox()
      try sandbox.write("sleep.py", "import time\ntime.sleep(60)\n")
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: sleep.py\nparameters:\n  x: {values: [1, 2]}\n")
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, name: "coordinator")
      let found = coordinator.printedEndpoint()
      #expect(found != nil)
      let worker = try OrbitProcess(
        ["worker", "--connect", try #require(found), "--slots", "2", "--allow-command"],
        in: sandbox.path, name: "worker")
      func trialProcesses() -> [Int32] {
        sandbox.livingProcesses().filter { pid in
          let cmd = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
          return cmd.contains("sleep.py")
        }
      }
      #expect(OrbitProcess.eventually(timeout: 20) { trialProcesses().count == 2 })
      worker.signal(SIGKILL)
      _ = worker.wait(timeout: 5)
      #expect(OrbitProcess.eventually(timeout: 5) { trialProcesses().isEmpty })
      coordinator.signal(SIGKILL)
      _ = coordinator.wait(timeout: 5)
      #expect(OrbitProcess.eventually(timeout: 5) { sandbox.livingProcesses().isEmpty })
    }
  }
}
