import Foundation
import OrbitJournal
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitSession

/// `orbit logs --story`: one trial's history from the journal, or why not.
@Suite struct TrialStoryTests {
  static func journal(events: [(TrialID, String, Int64)]) throws -> Journal {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "orbit-trial-story-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let journal = try Journal(path: dir.appendingPathComponent("journal.sqlite").path)
    let sweep = try journal.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 2, now: 0)
    _ = try journal.apply(
      events.map { id, kind, stimulus in
        .event(
          kind: kind, trialID: id, workerID: "w1", detail: "attempt 1", now: 1_765_000_000,
          stimulus: stimulus)
      }, sweepID: sweep)
    return journal
  }

  @Test func theStoryOfOneTrialIsOneLinePerMoment() throws {
    let t: TrialID = "t"
    let journal = try Self.journal(events: [(t, "dispatched", 4)])
    let lines = try TrialStory.lines(journal: journal, prefix: String(t.hex.prefix(8)).uppercased())
    #expect(lines == ["trial \(t.hex)", "2025-12-06T05:46:40.000Z  #4  dispatched  w1  attempt 1"])
  }

  @Test func noTrialOrSeveralSayWhichExitCode() throws {
    let journal = try Self.journal(events: [("t", "dispatched", 1), ("u", "dispatched", 2)])
    #expect(throws: SessionError.self) { try TrialStory.lines(journal: journal, prefix: "zz") }
    do {
      _ = try TrialStory.lines(journal: journal, prefix: "0123456789abcdef")
      Issue.record("a prefix of no trial told a story")
    } catch {
      #expect(error.exitCode == ExitStatus.noInput)
    }
    do {
      _ = try TrialStory.lines(journal: journal, prefix: "")
      Issue.record("an empty prefix told a story")
    } catch {
      #expect(error.exitCode == ExitStatus.noInput)
    }
  }
}
