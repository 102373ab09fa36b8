import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// What batch schedulers do to a sweep: signal every process of a step (twice), end a job at
  /// its time limit, and start workers that must find the coordinator on their own.
  @Suite("Under a batch scheduler: signals, lifetimes, endpoints", .serialized)
  struct BatchSchedulerTests {
    static let script = """
      import json, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      x = int(args["x"])
      time.sleep(float(args.get("sleep", "0.5")))
      print(json.dumps({"loss": x * 3 + 1}))
      """

    func sweepState(_ sandbox: Sandbox) throws -> String? {
      try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).latestSweep()?.state
    }

    @Test(.timeLimit(.minutes(2)))
    func aRepeatedSigtermIsOneCleanStopAndTheEndpointFileFindsTheCoordinator() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.script)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: 40}\n  sleep: {value: 0.5}\n"
      )
      let coordinator = try OrbitProcess(
        [
          "coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--advertise", "127.0.0.1",
          "--run-dir", "run",
        ], in: sandbox.path, name: "coordinator")
      #expect(coordinator.printedEndpoint() != nil)
      // A worker started separately finds the coordinator from the run directory alone.
      let endpoint = try String(contentsOfFile: "\(sandbox.path)/run/endpoint", encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
      let worker = try OrbitProcess(
        ["worker", "--connect", endpoint, "--slots", "2", "--allow-command"], in: sandbox.path,
        name: "worker")
      #expect(
        OrbitProcess.eventually(timeout: 30) {
          ((try? Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials())?
            .count ?? 0) >= 4
        })
      // As Slurm's stepd and a batch script's trap do: two SIGTERMs a few ms apart.
      coordinator.signal(SIGTERM)
      usleep(5_000)
      coordinator.signal(SIGTERM)
      let code = coordinator.wait(timeout: 30)
      #expect(code == 130, "a stopped sweep exits 130; got \(String(describing: code))")
      #expect(try sweepState(sandbox) == "stopped")
      // The trials the worker held were let finish (drain), not cut: every row is ok.
      let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
      #expect(rows.count < 40 && rows.allSatisfy { $0.status == .ok })
      #expect(worker.wait(timeout: 15) == 0, "the worker was released: \(worker.stderr)")
    }

    @Test(.timeLimit(.minutes(2)))
    func aStopWaitsForHeldTrialsOnlyUpToTheGrace() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.script)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nparameters:\n  x: {values: [1, 2]}\n  sleep: {value: 60}\n"
      )
      let coordinator = try OrbitProcess(
        [
          "coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run",
          "--stop-grace", "2",
        ], in: sandbox.path, name: "coordinator")
      let endpoint = try #require(coordinator.printedEndpoint())
      let worker = try OrbitProcess(
        ["worker", "--connect", endpoint, "--slots", "2", "--allow-command"], in: sandbox.path,
        name: "worker")
      #expect(
        OrbitProcess.eventually(timeout: 20) { coordinator.stderr.contains("worker joined") })
      usleep(1_000_000)
      let stoppedAt = Date()
      coordinator.signal(SIGTERM)
      #expect(coordinator.wait(timeout: 20) == 130)
      let waited = Date().timeIntervalSince(stoppedAt)
      #expect(waited >= 1.5 && waited < 10, "stopped \(waited) s after SIGTERM with a 2 s grace")
      #expect(try sweepState(sandbox) == "stopped")
      worker.signal(SIGTERM)
      _ = worker.wait(timeout: 15)
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    @Test(.timeLimit(.minutes(2)))
    func aWorkerWithALifetimeLeavesCleanlyAndItsTrialsRunElsewhereOnce() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.script)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: 30}\n  sleep: {value: 1.5}\n"
      )
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, name: "coordinator")
      let endpoint = try #require(coordinator.printedEndpoint())
      // Its job ends in 16 s: after a 1.5 s trial it takes new ones until fewer than 11.5 s
      // are left, then finishes what it runs and leaves, exit 0, well before the end.
      let started = Date()
      let mortal = try OrbitProcess(
        [
          "worker", "--connect", endpoint, "--slots", "2", "--allow-command", "--worker-id",
          "mortal", "--lifetime", "16s",
        ], in: sandbox.path, name: "mortal")
      let code = mortal.wait(timeout: 30)
      let lived = Date().timeIntervalSince(started)
      #expect(code == 0, "\(mortal.stderr)")
      #expect(lived > 4 && lived < 16, "left after \(lived) s of a 16 s lifetime")
      let survivor = try OrbitProcess(
        ["worker", "--connect", endpoint, "--slots", "4", "--allow-command"], in: sandbox.path,
        name: "survivor")
      #expect(coordinator.wait(timeout: 60) == 0)
      _ = survivor.wait(timeout: 15)
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      let rows = try journal.trials()
      #expect(rows.count == 30 && Set(rows.map(\.id)).count == 30)
      #expect(rows.allSatisfy { $0.status == .ok })
      #expect(rows.contains { $0.worker == "mortal" })
      let left = try journal.events(kind: "worker_left").filter { $0.workerID == "mortal" }
      #expect(left.first?.detail.contains("lifetime ends") == true, "\(left.map(\.detail))")
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }
  }
}
