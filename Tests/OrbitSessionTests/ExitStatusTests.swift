import Foundation
import OrbitAnalysis
import OrbitCompute
import OrbitJournal
import OrbitSession
import OrbitSpec
import OrbitTesting
import Testing
import ZeroMQ

@testable import OrbitWorker

/// The one table from a module's error to the code `orbit` exits with.
@Suite struct ExitStatusTests {
  @Test func eachModulesErrorHasItsSysexitsCode() {
    let cases: [(any Error, Int32?)] = [
      (SessionError("x", exitCode: 75), 75),
      (WorkerError(message: "refused", exitCode: 77), 77),
      (SpecError(.invalid, "bad"), ExitStatus.badData),
      (SpecError(.unreadable, "missing"), ExitStatus.noInput),
      (CoreConfigError(key: "train.lr", message: "bad"), ExitStatus.badData),
      (AnalysisError(.missingColumn, "no y"), ExitStatus.badData),
      (JournalError(.io, "disk full"), ExitStatus.ioError),
      (ZMQError(errno: EADDRINUSE, operation: "bind"), ExitStatus.unavailable),
      (CocoaError(.fileNoSuchFile), nil),
    ]
    for (error, code) in cases {
      #expect(ExitStatus.code(for: error) == code, "\(error)")
    }
    // Wrapped for a session step: the same code, 74 for an error the table does not know.
    #expect(SessionError(SpecError(.unreadable, "missing")).exitCode == ExitStatus.noInput)
    #expect(SessionError(CocoaError(.fileNoSuchFile)).exitCode == ExitStatus.ioError)
  }

  /// `orbit status --json`: the overview's keys and `workers` in one object.
  @Test func statusJSONIsTheOverviewWithItsWorkers() throws {
    let sandbox = try Sandbox()
    try recordSweep(in: sandbox.path, specText: commandSpecText(values: [1, 2])) { spec in
      [entry(spec.trial(at: 0), metrics: "{\"loss\":0.5}"), entry(spec.trial(at: 1), .failed)]
    }
    let journal = try Journal(path: sandbox.path + "/journal.sqlite", readOnly: true)
    let overview = try SweepOverview.read(journal)
    let workers = try WorkerOverview.read(journal, overview: overview)
    let text = JSONDocument.encode(SweepStatus(overview: overview, workers: workers))
    let object = try #require(
      JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(object["id"] as? String == overview.id)
    #expect(object["counts"] as? [String: Int] == ["ok": 1, "failed": 1])
    #expect((object["workers"] as? [[String: Any]])?.count == workers.count)
  }
}
