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
  }
}
