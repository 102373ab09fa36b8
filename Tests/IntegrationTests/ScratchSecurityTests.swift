import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// Another local user cannot plant or swap a trial's files.
  @Suite("Private scratch space", .serialized)
  struct ScratchSecurityTests {
    @Test(.timeLimit(.minutes(2)))
    func aPlantedResultBehindThePredictableScratchPathIsNeverRead() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "trial.py",
        """
        import json, os, sys
        args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
        folder = os.path.dirname(os.environ["ORBIT_RESULT_PATH"])
        # Metrics on stdout: a result file, if one is found, would take precedence over them.
        print(json.dumps({"loss": int(args["x"]), "mode": oct(os.stat(folder).st_mode & 0o777),
                          "folder": folder}))
        """)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: 6}\n")
      // The attack on the old layout: /tmp/orbit-<worker id> made in advance as a symlink to a
      // folder of the attacker's, holding a forged result for every trial.
      let workerID = "scratch-victim-\(getpid())"
      let attacker = sandbox.path + "/attacker"
      try FileManager.default.createDirectory(atPath: attacker, withIntermediateDirectories: true)
      let plan = try OrbitProcess.run(["plan", "sweep.yaml", "--json"], in: sandbox.path)
      for line in plan.stdout.split(separator: "\n") {
        guard
          let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
          let id = object["id"] as? String
        else { continue }
        try sandbox.write("attacker/\(id.prefix(16))-1.result.json", #"{"loss": -1000000000}"#)
      }
      let predictable = "/tmp/orbit-\(workerID)"
      try? FileManager.default.removeItem(atPath: predictable)
      try FileManager.default.createSymbolicLink(atPath: predictable, withDestinationPath: attacker)
      defer { try? FileManager.default.removeItem(atPath: predictable) }
      let planted = try FileManager.default.contentsOfDirectory(atPath: attacker).sorted()
      #expect(planted.count == 6)

      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, name: "coordinator")
      let endpoint = coordinator.printedEndpoint()
      #expect(endpoint != nil)
      let worker = try OrbitProcess(
        [
          "worker", "--connect", try #require(endpoint), "--allow-command", "--worker-id", workerID,
          // The private scratch folders under test (kept folders are the default).
          "--discard-trial-dirs",
        ], in: sandbox.path, name: "worker")
      #expect(coordinator.wait(timeout: 60) == 0, "\(coordinator.stderr.suffix(1000))")
      #expect(worker.wait(timeout: 20) == 0)
      let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
      #expect(rows.count == 6)
      for row in rows {
        let metrics =
          try JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as? [String: Any]
        let params =
          try JSONSerialization.jsonObject(with: Data(row.paramsJSON.utf8)) as? [String: Any]
        #expect((metrics?["loss"] as? Double) == (params?["x"] as? Int).map(Double.init))
        #expect(metrics?["mode"] as? String == "0o700")
        #expect((metrics?["folder"] as? String)?.hasPrefix(predictable) == false)
      }
      // Nothing was written through the symlink, and the trials' folders are gone.
      #expect(try FileManager.default.contentsOfDirectory(atPath: attacker).sorted() == planted)
      let leftovers = rows.compactMap { row -> String? in
        let metrics =
          try? JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as? [String: Any]
        return metrics?["folder"] as? String
      }.filter { FileManager.default.fileExists(atPath: $0) }
      #expect(leftovers.isEmpty)
    }
  }
}
