import Foundation
import OrbitJournal
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitSession

@Suite struct DashboardModelTests {
  @Test func etaSpreadsTheWorkLeftOverTheSlots() throws {
    // 10 queued + 2 running (half done) of 4 s each on 4 slots: (10 + 1) × 4 / 4 = 11 s.
    #expect(SweepOverview.eta(remaining: 12, running: 2, meanSeconds: 4, slots: 4) == 11)
    // One queued trial on 64 slots still needs its whole duration.
    #expect(SweepOverview.eta(remaining: 1, running: 0, meanSeconds: 30, slots: 64) == 30)
    // Only running trials left: about half of one more duration.
    #expect(SweepOverview.eta(remaining: 3, running: 3, meanSeconds: 10, slots: 8) == 5)
    #expect(SweepOverview.eta(remaining: 0, running: 0, meanSeconds: nil, slots: 0) == 0)
    // Nothing completed yet, or nobody to run it: no number rather than a wrong one.
    #expect(SweepOverview.eta(remaining: 5, running: 0, meanSeconds: nil, slots: 4) == nil)
    #expect(SweepOverview.eta(remaining: 5, running: 0, meanSeconds: 3, slots: 0) == nil)
  }

  /// A family's label names its group columns' values; filtering by it uses the values
  /// themselves (`DashboardRoutesTests.familiesAreFilteredByTheirTypedValues`).
  @Test func familyLabelsNameTheGroupValues() {
    let params: [String: ParamValue] = [
      "model.width": 128, "lr": 0.003, "opt": "adam", "aug": true,
    ]
    let columns = ["opt", "lr", "model.width", "aug"]
    let label = Reporting.familyLabel(params, groupColumns: columns)
    #expect(label == "adam / 0.003 / 128 / True")
    #expect(Reporting.familyLabel(params, groupColumns: []) == "all")
  }

  @Test func theProgressLineFitsTheTerminal() {
    let text = "38/54 done · 2 running · 0 failed · 2 workers · 7.9 trials/s · ETA 2.0s"
    let wide = TerminalLine.fit(text, done: 27, total: 54, columns: 200)
    #expect(wide.hasPrefix("██████████░░░░░░░░░░ "))
    #expect(wide.hasSuffix(text))
    for columns in [80, 60, 40] {
      let line = TerminalLine.fit(text, done: 27, total: 54, columns: columns)
      // One row: never as wide as the terminal (the cursor would wrap).
      #expect(line.count <= columns - 1, "\(columns): \(line)")
    }
    #expect(TerminalLine.fit(text, done: 0, total: 54, columns: 80) == text)
    #expect(TerminalLine.fit(text, done: 0, total: 54, columns: 40).hasSuffix("…"))
  }

  @Test func workersOfAFinishedOrRestartedSweepAreNotConnected() throws {
    let sandbox = try Sandbox()
    try recordSweep(in: sandbox.path, specText: commandSpecText(values: [1, 2])) { spec in
      [entry(spec.trial(at: 0), metrics: "{\"loss\":0.5}"), entry(spec.trial(at: 1), .failed)]
    }
    let journal = try Journal(path: sandbox.path + "/journal.sqlite", readOnly: true)
    let overview = try SweepOverview.read(journal)
    #expect(overview.state == "finished")
    #expect(!overview.live)
    #expect(overview.workersConnected == 0)
    #expect(overview.etaSeconds == nil)
    #expect(overview.counts == [.ok: 1, .failed: 1])
    #expect(overview.best?.metric == "loss")
    #expect(overview.best?.value == 0.5)
    let json = try #require(
      JSONSerialization.jsonObject(with: Data(JSONDocument.encode(overview).utf8)) as? [String: Any]
    )
    #expect(json["recorded"] as? Int == 2)
  }
}
