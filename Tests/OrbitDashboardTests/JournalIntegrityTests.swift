import Foundation
import OrbitDashboard
import OrbitJournal
import OrbitSession
import OrbitSpec
import OrbitTesting
import Testing

@Suite("A damaged journal is named, not served")
struct JournalIntegrityTests {
  @Test func servingADamagedJournalFailsWith74NamingTheDamage() throws {
    let sandbox = try Sandbox()
    let dir = sandbox.path + "/run"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/journal.sqlite"
    let s = try Spec.parse(
      yaml: """
        method: grid
        program: x.py
        metric: {name: loss, goal: minimize}
        parameters:
          a: {values: [\(Array(1...400).map(String.init).joined(separator: ", "))]}
        """, fileName: "s.yaml")
    do {
      let journal = try Journal(path: path)
      let sweep = try journal.beginSweep(
        name: "s", specPath: "s.yaml", specText: s.text, fingerprint: s.fingerprint,
        trialCount: s.trialCount, now: 0)
      _ = try journal.record(
        s.trials.map { trial in
          JournalEntry(
            outcome: TrialOutcome(
              trialID: trial.id, index: trial.index, attempt: 1, status: .ok,
              metricsJSON: #"{"loss":\#(trial.index)}"#, wallSeconds: 0.25, startedAt: 100,
              stderrTail: "", exitCode: nil),
            index: trial.index, paramsJSON: trial.paramsJSON, workerID: "w1", finishedAt: 101)
        }, sweepID: sweep)
      try journal.close()
    }
    // A sound journal is served.
    _ = try DashboardData(runDirectory: dir)
    // Scribble over the b-tree page headers past the file's first page: the file still opens
    // as SQLite, its pages no longer parse.
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    let pages = try handle.seekToEnd() / 4096
    #expect(pages > 4)
    for page in 1..<pages {
      try handle.seek(toOffset: page * 4096)
      handle.write(Data(repeating: 0x5A, count: 16))
    }
    try handle.close()
    #expect {
      _ = try DashboardData(runDirectory: dir)
    } throws: { error in
      let e = error as? SessionError
      return e?.exitCode == ExitStatus.ioError && e!.message.contains("is damaged")
    }
  }
}
