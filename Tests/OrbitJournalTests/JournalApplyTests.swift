import Foundation
import OrbitSpec
import Testing

@testable import OrbitJournal

/// `Journal.apply`: the coordinator's group commit, every kind of job in one transaction.
@Suite struct JournalApplyTests {
  static func entry(_ id: TrialID, index: Int, attempt: Int = 1) -> JournalEntry {
    JournalEntry(
      outcome: TrialOutcome(
        trialID: id, index: index, attempt: attempt, status: .ok,
        metricsJSON: #"{"loss":\#(attempt)}"#),
      index: index, paramsJSON: #"{"x":\#(index)}"#, workerID: "w1", finishedAt: 1)
  }

  static func journal() throws -> (Journal, String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "orbit-apply-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let journal = try Journal(path: dir.appendingPathComponent("journal.sqlite").path)
    let sweep = try journal.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 3, now: 0)
    return (journal, sweep)
  }

  @Test func everyJobKindLandsInOneCommitAndFirstResultsWin() throws {
    let (journal, sweep) = try Self.journal()
    let inserted = try journal.apply(
      [
        .workerJoined(id: "w1", host: "h", pid: 7, slots: 2, gpus: "0;1", now: 10),
        .results([Self.entry("a", index: 0), Self.entry("b", index: 1)], receivedAt: 20),
        .progress(trialID: "c", attempt: 1, step: 5, metricsJSON: #"{"loss":3}"#, workerID: "w1"),
        // The first point per (trial, attempt, step) is kept.
        .progress(trialID: "c", attempt: 1, step: 5, metricsJSON: #"{"loss":9}"#, workerID: "w1"),
        .stopRequested(trialID: "c", attempt: 1),
        .results(
          [Self.entry("a", index: 0, attempt: 2), Self.entry("c", index: 2)], receivedAt: 21),
        .event(kind: "note", trialID: "a", workerID: "w1", detail: "d", now: 22),
        .live(running: 1, queued: 0, workers: 1, busy: ["w1": 1], endedRuns: 4, deaths: 1, now: 23),
        .workerLeft(id: "w1", reason: "bye", now: 30),
      ], sweepID: sweep)
    // One list per results job, in order: `a` again is a duplicate.
    #expect(inserted == [[true, true], [false, true]])
    let trials = try journal.trials()
    #expect(trials.count == 3)
    #expect(trials.first { $0.id == "a" }?.attempt == 1)
    #expect(trials.first { $0.id == "a" }?.finishedAt == 20)
    #expect(try journal.progressPoints(of: "c").map(\.metricsJSON) == [#"{"loss":3}"#])
    let worker = try #require(try journal.workers().first)
    #expect(worker.id == "w1" && worker.slots == 2 && worker.gpus == ["0", "1"])
    #expect(worker.leftAt == 30)
    #expect(worker.busy == 1)
    #expect(try journal.events(kind: "note").map(\.detail) == ["d"])
    let live = try #require(try journal.live(sweepID: sweep))
    #expect(live.running == 1 && live.endedRuns == 4 && live.deaths == 1 && live.updatedAt == 23)
    try journal.close()
  }

  /// A failing job rolls the whole group back: nothing of it is half-written.
  @Test func aFailingGroupWritesNothing() throws {
    let (journal, sweep) = try Self.journal()
    #expect(throws: JournalError.self) {
      _ = try journal.apply(
        [
          .results([Self.entry("a", index: 0)], receivedAt: 1),
          // Against the schema: a trial row's index must not be negative.
          .results([Self.entry("b", index: -1)], receivedAt: 1),
        ], sweepID: sweep)
    }
    #expect(try journal.trials().isEmpty)
    try journal.close()
  }
}
