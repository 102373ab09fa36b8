import Foundation
import OrbitJournal
import OrbitTesting
import Testing

extension RealProcesses {
  /// `orbit run` on a user's own program and W&B sweep (lr × width × seed, no `analysis:`), then
  /// `orbit report RUN_DIR --spec FILE` with an edited `analysis:` block: re-analysis without
  /// re-running (issue 23, items 2 and 6).
  @Suite("Re-analysis of a finished sweep", .serialized)
  struct ReportSpecTests {
    static let train = """
      import json, math, random, sys
      args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
      lr, width, seed = float(args["lr"]), int(args["width"]), int(args.get("seed", 0))
      random.seed(seed)
      floor = 0.1 + 5.0 * width ** -0.5 + 0.3 * math.log10(lr / 0.01) ** 2
      for step in range(1, 201):
          if step % 50 == 0:
              print(json.dumps({"step": step, "train_loss": floor + 2.0 * math.exp(-step * lr * 5)}))
      print(json.dumps({"val_loss": floor * random.uniform(0.98, 1.02)}))
      """
    static let sweep = """
      name: width-scaling
      method: grid
      program: train.py
      metric: {name: val_loss, goal: minimize}
      parameters:
        lr: {values: [0.003, 0.01, 0.03]}
        width: {values: [64, 128, 256, 512]}
        seed: {values: [0, 1]}

      """

    func fits(_ sandbox: Sandbox) throws -> [String: Any] {
      let text = try #require(sandbox.read("run/fits.json"))
      return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(.timeLimit(.minutes(3)))
    func anEditedAnalysisBlockIsFittedWithoutRerunning() throws {
      let sandbox = try Sandbox()
      try sandbox.write("train.py", Self.train)
      try sandbox.write("sweep.yaml", Self.sweep)
      let run = try OrbitProcess.run(
        ["run", "sweep.yaml", "--workers", "2", "--run-dir", "run", "--no-http"],
        in: sandbox.path, timeout: 150)
      #expect(run.code == 0, "stderr: \(run.stderr)")
      // The summary fits 100 columns and leads with the best trial, then the roles and verdict.
      let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      let best = lines.firstIndex { $0.hasPrefix("  best val_loss (minimize): ") }
      let summary = lines[(best ?? 0)...]
      #expect(summary.allSatisfy { $0.count <= 100 }, "\(summary.map(\.count).max() ?? 0) columns")
      let roles = lines.firstIndex { $0.contains("axes: width · tuned: lr") }
      let verdict = lines.firstIndex { $0 == "  verdict:" }
      let status = lines.firstIndex { $0 == "  status      trials" }
      #expect(best != nil && roles != nil && verdict != nil && status != nil)
      if let best, let roles, let verdict, let status {
        #expect(best < roles && roles < verdict && verdict < status)
      }
      #expect(!run.stdout.contains("powerlaw-no-floor"), "the full table is in fits.json")
      #expect(run.stdout.filter { $0 == "\n" }.count < 45)
      var fits = try fits(sandbox)
      #expect(fits["xs"] as? [String] == ["width"])
      #expect(fits["tune"] as? [String] == ["lr"])
      let ranWith = try #require(fits["roles"] as? [String: Any])
      #expect((ranWith["analysis_from"] as? String)?.hasPrefix("the sweep's spec") == true)
      let recordedBefore = try Journal(
        path: "\(sandbox.path)/run/journal.sqlite", readOnly: true
      ).latestSweep()?.specText

      // The same sweep, its analysis edited: lr becomes the group, nothing is run again.
      try sandbox.write(
        "edited.yaml", Self.sweep + "analysis:\n  group: [lr]\n  bootstrap: 100\n")
      let report = try OrbitProcess.run(
        ["report", "run", "--spec", "edited.yaml"], in: sandbox.path, timeout: 120)
      #expect(report.code == 0, "stderr: \(report.stderr)")
      #expect(report.stdout.contains("axes: width · tuned: none · groups: lr"))
      #expect(report.stdout.contains("analysis from edited.yaml"))
      fits = try self.fits(sandbox)
      #expect(fits["group_by"] as? [String] == ["lr"])
      #expect(fits["bootstrap"] as? Int == 100)
      #expect((fits["families"] as? [Any])?.count == 3)
      #expect((fits["comparisons"] as? [Any])?.isEmpty == false)
      let roles2 = try #require(fits["roles"] as? [String: Any])
      #expect((roles2["analysis_from"] as? String)?.hasPrefix("edited.yaml") == true)
      #expect(sandbox.read("run/report.html")?.contains("analysis from edited.yaml") == true)
      let trials = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
      #expect(trials.count == 24, "nothing ran again")
      let recordedAfter = try Journal(
        path: "\(sandbox.path)/run/journal.sqlite", readOnly: true
      ).latestSweep()?.specText
      #expect(recordedAfter == recordedBefore, "the journal keeps the spec the sweep ran with")

      // Without --spec, the journal's spec again; --verbose prints every fit.
      let again = try OrbitProcess.run(["report", "run", "--verbose"], in: sandbox.path)
      #expect(again.stdout.contains("tuned: lr"))
      #expect(again.stdout.contains("powerlaw-no-floor"))
      // A missing spec file is 66, a bad one 65.
      #expect(
        try OrbitProcess.run(["report", "run", "--spec", "nope.yaml"], in: sandbox.path).code == 66)
      try sandbox.write("bad.yaml", Self.sweep + "analysis:\n  axes: [width]\n")
      #expect(
        try OrbitProcess.run(["report", "run", "--spec", "bad.yaml"], in: sandbox.path).code == 65)
      #expect(sandbox.livingProcesses().isEmpty)
    }
  }
}
