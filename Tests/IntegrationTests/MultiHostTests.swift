import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// A coordinator and two workers on three hosts (network namespaces with a bridge between them),
  /// faults that only a network has: a partition longer than liveness, a stopped worker.
  @Suite(
    "Across hosts (network namespaces)", .serialized,
    .enabled(if: NetworkLab.available, "needs root and iproute2 to make network namespaces"))
  struct MultiHostTests {
    static let script = """
      import json, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      x = int(args["x"])
      time.sleep(0.3)
      print(json.dumps({"loss": x * 7 + 2}))
      """

    enum Fault { case partition, stop }

    func sweep(with fault: Fault) throws {
      let lab = try NetworkLab(["coordinator", "w1", "w2"])
      defer { lab.destroy() }
      let sandbox = try Sandbox("multihost-\(fault)")
      try sandbox.write("trial.py", Self.script)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: 60}\n")
      let endpoint = "tcp://\(lab["coordinator"].address):5555"
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", endpoint, "--run-dir", "run", "--insecure"],
        in: sandbox.path, name: "coordinator", host: lab["coordinator"])
      func worker(_ name: String) throws -> OrbitProcess {
        try OrbitProcess(
          [
            "worker", "--connect", endpoint, "--slots", "2", "--allow-command", "--worker-id", name,
            "--insecure",
          ], in: sandbox.path, name: name, host: lab[name])
      }
      let w1 = try worker("w1")
      let w2 = try worker("w2")
      func rows() -> [TrialRecord] {
        (try? Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()) ?? []
      }
      #expect(
        OrbitProcess.eventually(timeout: 30) { rows().filter { $0.worker == "w1" }.count >= 4 },
        "w1 never recorded a trial: \(w1.stderr.suffix(1000)) / coordinator: \(coordinator.stderr.suffix(1000))"
      )
      // Longer than liveness (5 × 1 s): the coordinator declares w1 dead and re-queues its trials
      // while w1 goes on running them; both sides must settle to one row per trial afterwards.
      switch fault {
      case .partition:
        try lab.partition(lab["w1"])
        usleep(8_000_000)
        try lab.heal(lab["w1"])
      case .stop:
        w1.signal(SIGSTOP)
        usleep(8_000_000)
        w1.signal(SIGCONT)
      }
      #expect(
        coordinator.wait(timeout: 120) == 0, "coordinator: \(coordinator.stderr.suffix(2000))")
      #expect(w2.wait(timeout: 30) == 0, "w2: \(w2.stderr.suffix(1000))")
      #expect(w1.wait(timeout: 60) != nil, "w1 did not leave: \(w1.stderr.suffix(1000))")
      let recorded = rows()
      #expect(recorded.count == 60)
      #expect(Set(recorded.map(\.id)).count == 60)
      for row in recorded {
        #expect(row.status == .ok)
        let params =
          try JSONSerialization.jsonObject(with: Data(row.paramsJSON.utf8)) as? [String: Any]
        let metrics =
          try JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as? [String: Any]
        let x = try #require(params?["x"] as? Int)
        #expect(row.index == x - 1)
        #expect((metrics?["loss"] as? Double) == Double(x * 7 + 2))
      }
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.events(kind: "worker_left").contains { $0.workerID == "w1" })
      // Served with --insecure off loopback: status and the report say so.
      let status = try OrbitProcess.run(["status", "run"], in: sandbox.path)
      #expect(status.stdout.contains("plain TCP (--insecure)"))
      _ = try OrbitProcess.run(["report", "run"], in: sandbox.path, timeout: 120)
      #expect(sandbox.read("run/report.html")?.contains("could have joined this sweep") == true)
      #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
    }

    @Test(.timeLimit(.minutes(4)))
    func aPartitionLongerThanLivenessHealsWithOneRowPerTrial() throws {
      try sweep(with: .partition)
    }

    @Test(.timeLimit(.minutes(4)))
    func aStoppedWorkerThatResumesLeavesOneRowPerTrial() throws {
      try sweep(with: .stop)
    }
  }
}
