import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// `orbit run --workers N` told to stop (SIGTERM) while it is still starting its local
  /// workers (issue 25: SIGTERM did not stop the spawning): it starts no more, stops those it
  /// started and the sweep, and exits 130 (interrupted, README's exit codes) with no worker or
  /// trial process left, its journal sound and `stopped`, and the sweep resumable.
  @Suite("SIGTERM while local workers are being started")
  struct SpawnStopTests {
    static let trial = """
      import json, sys, time
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      time.sleep(0.3)
      print(json.dumps({"loss": int(args["x"])}))
      """

    /// Worker log files `orbit run` has created: it creates each just before starting that
    /// worker.
    static func workerLogs(_ sandbox: Sandbox) -> Int {
      ((try? FileManager.default.contentsOfDirectory(atPath: "\(sandbox.path)/run/logs")) ?? [])
        .filter { $0.hasPrefix("worker-") }.count
    }

    @Test(.timeLimit(.minutes(5)))
    func aStopWhileWorkersStartLeavesNothingBehindAndResumes() throws {
      let workers = min(16, 8 * ProcessInfo.processInfo.activeProcessorCount)
      var report: [String] = []
      for startedBeforeSignal in [1, 3, 6] {
        let sandbox = try Sandbox("spawnStop\(startedBeforeSignal)")
        try sandbox.write("trial.py", Self.trial)
        try sandbox.write(
          "sweep.yaml",
          "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: 20}\n")
        let run = try OrbitProcess(
          [
            "run", "sweep.yaml", "--workers", "\(workers)", "--slots", "1", "--run-dir", "run",
            "--no-report", "--no-http",
          ], in: sandbox.path, name: "run")
        // Signalled as soon as that many workers are being started: mid-spawn.
        let deadline = Date().addingTimeInterval(30)
        while Self.workerLogs(sandbox) < startedBeforeSignal && Date() < deadline {
          usleep(500)
        }
        run.signal(SIGTERM)
        let atSignal = Self.workerLogs(sandbox)
        let code = run.wait(timeout: 60)
        if code == nil { run.signal(SIGKILL) }
        #expect(code == 130, "run: \(run.stderr.suffix(1500))")
        let started = Self.workerLogs(sandbox)
        // The starting stopped: not every worker was started.
        #expect(started < workers, "\(started) of \(workers) workers started after the SIGTERM")
        // Every worker and trial process is gone (their working directory is the sandbox).
        let gone = OrbitProcess.eventually(timeout: 15) { sandbox.livingProcesses().isEmpty }
        #expect(gone, "left running: \(sandbox.livingProcesses())")
        for pid in sandbox.livingProcesses() { kill(pid, SIGKILL) }
        // The journal is sound and says stopped; each recorded trial once.
        let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
        #expect(try journal.damage() == nil)
        #expect(try journal.latestSweep()?.state == "stopped")
        let rows = try journal.trials()
        #expect(Set(rows.map(\.id)).count == rows.count)
        try journal.close()
        // And it resumes to the end.
        let resumed = try OrbitProcess.run(
          [
            "run", "sweep.yaml", "--workers", "2", "--slots", "2", "--run-dir", "run",
            "--no-report",
            "--no-http",
          ],
          in: sandbox.path)
        #expect(resumed.code == 0, "resume: \(resumed.stderr.suffix(1500))")
        let after = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
        #expect(try after.trials().count == 20 && after.trials().allSatisfy { $0.status == .ok })
        #expect(OrbitProcess.eventually(timeout: 10) { sandbox.livingProcesses().isEmpty })
        report.append(
          "signalled at \(atSignal) started, \(started) of \(workers) started in all, \(rows.count) recorded before the stop"
        )
      }
      print("SIGTERM while spawning: \(report.joined(separator: "; "))")
    }
  }
}
