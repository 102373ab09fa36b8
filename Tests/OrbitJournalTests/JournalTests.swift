import Foundation
import GRDB
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitJournal

@Suite("SQLite journal on a real file")
struct JournalTests {
  func temporaryPath() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "orbit-journal-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("journal.sqlite").path
  }

  func entry(_ id: TrialID, _ status: TrialStatus = .ok, attempt: Int = 1, worker: String = "w1")
    -> JournalEntry
  {
    JournalEntry(
      outcome: TrialOutcome(
        trialID: id, index: 0, attempt: attempt, status: status,
        metricsJSON: #"{"loss":\#(attempt)}"#),
      index: 0, paramsJSON: #"{"x":1}"#, workerID: worker, finishedAt: 1)
  }

  @Test func firstResultWinsAndDuplicatesAreLoggedAsEvents() throws {
    let path = temporaryPath()
    let journal = try Journal(path: path)
    let sweep = try journal.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 2, now: 0)
    #expect(try journal.record([entry("a"), entry("b")], sweepID: sweep) == [true, true])
    #expect(
      try journal.record([entry("a", .failed, attempt: 2, worker: "w2")], sweepID: sweep) == [false]
    )
    let trials = try journal.trials()
    #expect(trials.count == 2)
    let a = try #require(trials.first { $0.id == "a" })
    #expect(a.status == .ok)
    #expect(a.metricsJSON == #"{"loss":1}"#)
    #expect(try journal.events(kind: "duplicate_result").count == 1)
    try journal.close()
  }

  @Test func workerJobsAreRecordedFromASecondConnectionAndUpdatedInPlace() throws {
    let path = temporaryPath()
    let coordinator = try Journal(path: path)
    #expect(try coordinator.workerJobs() == [])
    // The Slurm pool writes on a connection of its own while the coordinator's is open.
    let pool = try Journal(path: path)
    var job = WorkerJobRecord(jobID: "42", sweepID: "s", state: "pending", submittedAt: 10)
    try pool.recordWorkerJob(job)
    job.state = "ended"
    job.startedAt = 12
    job.connectedAt = 13
    job.endedAt = 20
    job.reason = "cancelled: idle 30 s with no queued trials"
    job.workerID = "slurm-42"
    try pool.recordWorkerJob(job)
    try pool.recordWorkerJob(
      WorkerJobRecord(jobID: "43", sweepID: "s", state: "pending", submittedAt: 11))
    let sweep = try coordinator.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 1, now: 0)
    try coordinator.record([entry("a")], sweepID: sweep)
    let reader = try Journal(path: path, readOnly: true)
    #expect(try reader.workerJobs().map(\.jobID) == ["42", "43"])
    #expect(try reader.workerJobs().first == job)
  }

  @Test func reopenedJournalKnowsWhatFinished() throws {
    let path = temporaryPath()
    do {
      let journal = try Journal(path: path)
      let sweep = try journal.beginSweep(
        name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 3, now: 0)
      try journal.record([entry("a"), entry("c", .failed)], sweepID: sweep)
      try journal.close()
    }
    let reopened = try Journal(path: path)
    #expect(try reopened.finishedTrialIDs() == ["a", "c"])
    #expect(try reopened.statusCounts() == ["ok": 1, "failed": 1])
    #expect(try reopened.latestSweep()?.trialCount == 3)
  }

  @Test func journalIsInWALModeWithFullSync() throws {
    let path = temporaryPath()
    let journal = try Journal(path: path)
    let mode = try journal.read("mode") { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
    #expect(mode == "wal")
    let sync = try journal.read("sync") { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
    #expect(sync == 2)
  }

  @Test func readOnlyOpenOfAMissingJournalSaysWhatToPass() {
    #expect {
      _ = try Journal(path: "/nonexistent/journal.sqlite", readOnly: true)
    } throws: { error in
      (error as? JournalError)?.description.contains("run directory") == true
    }
  }

  @Test func readerSeesCommittedResultsWhileWriterIsOpen() throws {
    let path = temporaryPath()
    let writer = try Journal(path: path)
    let sweep = try writer.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 1, now: 0)
    try writer.record([entry("a")], sweepID: sweep)
    let reader = try Journal(path: path, readOnly: true)
    #expect(try reader.trials().map(\.id) == ["a"])
  }

  @Test func theSchemaRefusesATrialRowWithoutItsPlanIndexOrParameters() throws {
    let journal = try Journal(path: temporaryPath())
    let sweep = try journal.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 2, now: 0)
    var noIndex = entry("a")
    noIndex.index = -1
    #expect(throws: JournalError.self) { try journal.record([noIndex], sweepID: sweep) }
    var noParams = entry("b")
    noParams.paramsJSON = "{}"
    #expect(throws: JournalError.self) { try journal.record([noParams], sweepID: sweep) }
    #expect(try journal.trials().isEmpty)
    #expect(try journal.record([entry("c")], sweepID: sweep) == [true])
  }

  @Test func aSoundJournalPassesItsIntegrityCheck() throws {
    let journal = try Journal(path: temporaryPath())
    #expect(try journal.damage() == nil)
  }

  @Test func retryFailedForgetsExactlyTheStatusesThatCountAsFailures() throws {
    let journal = try Journal(path: temporaryPath())
    let sweep = try journal.beginSweep(
      name: "s", specPath: "s.yaml", specText: "x", fingerprint: "ab", trialCount: 6, now: 0)
    let all = TrialStatus.allCases
    try journal.record(all.map { entry("t-\($0.rawValue)", $0) }, sweepID: sweep)
    let forgotten = try journal.forgetFailures()
    #expect(forgotten.count == all.filter(\.isFailure).count)
    #expect(forgotten.values.allSatisfy { $0 == 1 }, "each forgotten trial's attempt")
    let kept = Set(try journal.trials().map(\.status))
    #expect(kept == Set(all.filter { !$0.isFailure }))
    #expect(kept == [.ok, .diverged, .stopped])
  }
}

@Suite("Where the journal lives")
struct JournalPlacementTests {
  @Test func networkFilesystemsAreKnownByTheirMagic() {
    #expect(FileSystemKind.kind(magic: 0x6969) == .network("NFS"))
    #expect(FileSystemKind.kind(magic: 0x0BD0_0BD0) == .network("Lustre"))
    #expect(FileSystemKind.kind(magic: 0x4750_4653) == .network("GPFS"))
    #expect(FileSystemKind.kind(magic: 0xEF53) == .local)  // ext4
    #expect(FileSystemKind.network("NFS").journalMode == "DELETE")
    #expect(FileSystemKind.local.journalMode == "WAL")
  }

  @Test func aJournalOnALocalDiskIsInWALMode() throws {
    let path = JournalTests().temporaryPath()
    let journal = try Journal(path: path)
    #expect(journal.fileSystem == .local)
    try journal.close()
    // The mode is in the file: a reader (orbit status) sees it.
    let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(20)
    #expect(header[18] == 2 && header[19] == 2, "WAL files have read/write versions 2")
  }
}
