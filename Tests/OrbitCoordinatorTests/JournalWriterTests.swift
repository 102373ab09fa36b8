import Foundation
import OrbitJournal
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitCoordinator

/// The coordinator's journal thread: group commits, results handed back only once durable.
@Suite struct JournalWriterTests {
  static func entry(_ index: Int) -> JournalEntry {
    JournalEntry(
      outcome: TrialOutcome(
        trialID: TrialID(canonicalJSON: "t\(index)"), index: index, attempt: 1, status: .ok),
      index: index, paramsJSON: #"{"x":\#(index)}"#, workerID: "w1", finishedAt: 1)
  }

  static func journal(_ sandbox: Sandbox) throws -> (path: String, sweep: String) {
    let path = sandbox.path + "/journal.sqlite"
    let journal = try Journal(path: path)
    let sweep = try journal.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 100, now: 0)
    try journal.close()
    return (path, sweep)
  }

  /// Takes completed batches until `count` results came back or `seconds` passed.
  static func take(_ writer: JournalWriter, results count: Int, seconds: Double = 10) throws
    -> [([JournalEntry], [Bool])]
  {
    var done: [([JournalEntry], [Bool])] = []
    let deadline = Date().addingTimeInterval(seconds)
    while done.reduce(0, { $0 + $1.0.count }) < count && Date() < deadline {
      done += try writer.takeCompleted()
      usleep(5_000)
    }
    return done
  }

  @Test func resultsComeBackOnceDurableWithWhichWereFresh() throws {
    let sandbox = try Sandbox()
    let (path, sweep) = try Self.journal(sandbox)
    let writer = JournalWriter(journal: try Journal(path: path), sweepID: sweep)
    writer.submit(.results([Self.entry(0), Self.entry(1)], receivedAt: 5))
    writer.submit(.results([Self.entry(1), Self.entry(2)], receivedAt: 6))
    let done = try Self.take(writer, results: 4)
    #expect(done.flatMap(\.1) == [true, true, false, true])
    writer.close()
    #expect(try Journal(path: path, readOnly: true).trialCount() == 3)
  }

  /// `close()` commits every job still queued before the thread stops: none is lost.
  @Test func closeCommitsTheJobsStillQueued() throws {
    let sandbox = try Sandbox()
    let (path, sweep) = try Self.journal(sandbox)
    let writer = JournalWriter(journal: try Journal(path: path), sweepID: sweep)
    for i in 0..<50 { writer.submit(.results([Self.entry(i)], receivedAt: 1)) }
    writer.submit(.workerLeft(id: "w1", reason: "bye", now: 2))
    writer.close()
    #expect(try Journal(path: path, readOnly: true).trialCount() == 50)
  }

  /// A commit that fails is reported by `takeCompleted()` (the loop stops the sweep with 74),
  /// never as durable results: nothing failed is acknowledged.
  @Test func aFailingCommitIsThrownNotAcknowledged() throws {
    let sandbox = try Sandbox()
    let (path, sweep) = try Self.journal(sandbox)
    // A read-only connection: every write fails.
    let writer = JournalWriter(journal: try Journal(path: path, readOnly: true), sweepID: sweep)
    writer.submit(.results([Self.entry(0)], receivedAt: 1))
    var failure: JournalError?
    let deadline = Date().addingTimeInterval(10)
    while failure == nil && Date() < deadline {
      do {
        let done = try writer.takeCompleted()
        #expect(done.isEmpty)
      } catch {
        failure = error
      }
      usleep(5_000)
    }
    #expect(failure != nil)
    writer.close()
    #expect(try Journal(path: path, readOnly: true).trialCount() == 0)
  }
}
