import Foundation
import OrbitJournal
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitSession

@Suite("The summary printed when a sweep ends")
struct SummaryTests {
  func summary(
    _ records: [TrialRecord], goal: String = "minimize", trials: Int = 10, wall: Double = 4
  ) throws -> Summary {
    let text = """
      method: grid
      program: x.py
      metric: {name: loss, goal: \(goal)}
      parameters:
        a: {values: [\((0..<trials).map(String.init).joined(separator: ", "))]}
      """
    var summary = Summary(spec: try spec(text), wallSeconds: wall)
    for r in records { summary.add(r) }
    return summary
  }

  @Test func countsEachStatusAndTheTotalOfThePlan() throws {
    let s = try summary([
      record("a", status: .ok), record("b", status: .ok), record("c", status: .diverged),
      record("d", status: .failed),
    ])
    let text = s.render(runDirectory: "runs/x")
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.contains("  ok          2"))
    #expect(lines.contains("  diverged    1"))
    #expect(lines.contains("  failed      1"))
    #expect(!lines.contains { $0.hasPrefix("  timeout") })
    #expect(lines.contains("  total       4 of 10"))
    // One wall time everywhere: the union of the trials' intervals (each 1.5 s, together),
    // as the report's, not the 4 s the session measured.
    #expect(lines.contains("  wall time   1.5s"))
    #expect(lines.contains("  journal  runs/x/journal.sqlite"))
    #expect(lines.contains("  results  runs/x/trials.csv"))
  }

  /// One definition of a failure: the summary counts exactly the statuses
  /// `TrialStatus.isFailure` names, and that count is what makes `orbit run` exit 1.
  @Test func failuresAreTheStatusesIsFailureNames() throws {
    let records = TrialStatus.allCases.enumerated().map { i, status in
      record("f\(i)", index: i, status: status)
    }
    let s = try summary(records)
    let expected = TrialStatus.allCases.filter(\.isFailure).count
    #expect(expected > 0 && expected < TrialStatus.allCases.count)
    #expect(s.failures == expected)
    #expect(s.render(runDirectory: "r").contains("  \(expected) trial(s) failed."))
    #expect(try summary([record("d", status: .diverged), record("o")]).failures == 0)
  }

  @Test func theBestTrialFollowsTheGoalAmongOkTrialsWithAFiniteMetric() throws {
    let records = [
      record("a", params: #"{"a":1}"#, metrics: #"{"loss":0.5}"#),
      record("b", params: #"{"a":2}"#, metrics: #"{"loss":0.2}"#),
      record("c", params: #"{"a":3}"#, status: .diverged, metrics: #"{"loss":0.01}"#),
      record("d", params: #"{"a":4}"#, metrics: #"{"other":0.0}"#),
      record("e", params: #"{"a":5}"#, metrics: #"{"loss":0.9}"#),
      record("f", params: #"{"a":6}"#, status: .failed, metrics: #"{"loss":99}"#),
    ]
    let b: TrialID = "b"
    let e: TrialID = "e"
    let minimize = try summary(records).render(runDirectory: "r")
    #expect(minimize.contains("  best loss (minimize): 0.2 · trial \(b.short) · {\"a\":2}"))
    let maximize = try summary(records, goal: "maximize").render(runDirectory: "r")
    #expect(maximize.contains("  best loss (maximize): 0.9 · trial \(e.short) · {\"a\":5}"))
    let none = try summary([records[2], records[3]]).render(runDirectory: "r")
    #expect(!none.contains("best loss"))
  }

  @Test func failuresShowTheFirstThreeWithTheirStderrTailAndHowToRetry() throws {
    let records = (0..<5).map { i in
      record(
        "x\(i)", index: i, status: i == 1 ? .timeout : .failed,
        stderr: "line one\nline two \(i)\nlast line \(i)\n", exitCode: i == 1 ? nil : 3)
    }
    let text = try summary(records + [record("ok")]).render(runDirectory: "runs/q")
    let x0: TrialID = "x0"
    let x1: TrialID = "x1"
    let x3: TrialID = "x3"
    #expect(text.contains("  5 trial(s) failed. First failures (stderr tail):"))
    #expect(text.contains("    \(x0.short) failed exit 3: line two 0 | last line 0"))
    #expect(text.contains("    \(x1.short) timeout exit -: line two 1 | last line 1"))
    #expect(!text.contains(x3.short))
    #expect(text.contains("  Re-run them with: orbit run SPEC --run-dir runs/q --retry-failed"))
    let clean = try summary([record("ok")]).render(runDirectory: "runs/q")
    #expect(!clean.contains("failed"))
    #expect(!clean.contains("--retry-failed"))
  }

  @Test func theReportLineOnlyWhenThereIsAReport() throws {
    let sandbox = try Sandbox()
    let s = try summary([record("a")])
    #expect(!s.render(runDirectory: sandbox.path).contains("report.html"))
    try sandbox.write("report.html", "<html></html>")
    #expect(s.render(runDirectory: sandbox.path).contains("  report   \(sandbox.path)/report.html"))
  }

  @Test func readsEveryTrialOfAJournal() throws {
    let sandbox = try Sandbox()
    let text = commandSpecText(values: [1, 2, 3, 4])
    try recordSweep(in: sandbox.path, specText: text) { spec in
      [
        entry(spec.trial(at: 0), metrics: #"{"loss":0.3}"#),
        entry(spec.trial(at: 1), .lost), entry(spec.trial(at: 2), metrics: #"{"loss":0.1}"#),
      ]
    }
    let journal = try Journal(path: sandbox.path + "/journal.sqlite", readOnly: true)
    let s = try Summary(journal: journal, spec: try spec(text), wallSeconds: 1)
    #expect(s.counts == [.ok: 2, .lost: 1])
    #expect(s.failures == 1)
    #expect(s.best?.value == 0.1)
    #expect(s.total == 4)
  }

  @Test func durationsAreShortAndReadable() {
    #expect(Summary.duration(4) == "4.0s")
    #expect(Summary.duration(59.94) == "59.9s")
    #expect(Summary.duration(187) == "3m07s")
    #expect(Summary.duration(7500) == "2h05m")
  }
}
