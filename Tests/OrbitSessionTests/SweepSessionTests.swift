import Foundation
import OrbitJournal
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitSession

/// What a session does before any coordinator runs: refusals, the lock, resume, and the end.
@Suite("A sweep session in a run directory")
struct SweepSessionTests {
  func refusal(
    _ specPath: String, runDirectory: String, newSweep: Bool = false, maxTrials: Int = 1000
  ) -> SessionError? {
    do {
      _ = try SweepSession(
        specPath: specPath, runDirectory: runDirectory, retryFailed: false, newSweep: newSweep,
        maxTrials: maxTrials)
      return nil
    } catch {
      return error
    }
  }

  @Test func aSpecTooLargeForWelcomeIsRefusedBeforeTheRunDirectoryIsMade() throws {
    let sandbox = try Sandbox()
    try sandbox.write("x.py", "")  // the program must exist (checked at load)
    let padding = "# " + String(repeating: "x", count: 4 << 20) + "\n"
    let path = try sandbox.file("huge.yaml", padding + commandSpecText(values: [1]))
    let error = try #require(refusal(path, runDirectory: sandbox.path + "/run"))
    #expect(error.exitCode == ExitStatus.badData)
    #expect(error.message.contains("a spec must fit the \(4 << 20) bytes"))
    #expect(!sandbox.exists("run"))
  }

  @Test func aSpecOverMaxTrialsIsRefusedBeforeTheRunDirectoryIsMade() throws {
    let sandbox = try Sandbox()
    try sandbox.write("x.py", "")  // the program must exist (checked at load)
    let path = try sandbox.file(
      "big.yaml", "method: grid\nprogram: x.py\nparameters:\n  a: {min: 1, max: 1000}\n")
    let error = try #require(refusal(path, runDirectory: sandbox.path + "/run", maxTrials: 999))
    #expect(error.exitCode == ExitStatus.badData)
    #expect(
      error.message
        == "\(path) has 1000 trials, over --max-trials 999: check the grid (orbit plan shows it), or raise --max-trials if you mean it."
    )
    #expect(!sandbox.exists("run"))
    let atLimit = try SweepSession(
      specPath: path, runDirectory: sandbox.path + "/run", retryFailed: false, maxTrials: 1000)
    #expect(atLimit.spec.trialCount == 1000)
  }

  @Test func aBadSpecIsRefusedWithTheLoadersCode() throws {
    let sandbox = try Sandbox()
    try sandbox.write("x.py", "")  // the program must exist (checked at load)
    let missing = try #require(refusal(sandbox.path + "/nope.yaml", runDirectory: sandbox.path))
    #expect(missing.exitCode == ExitStatus.noInput)
  }

  @Test func aSecondSessionOnTheSameRunDirectoryIsRefusedWith75() throws {
    let sandbox = try Sandbox()
    try sandbox.write("x.py", "")  // the program must exist (checked at load)
    let path = try sandbox.file("s.yaml", commandSpecText(values: [1, 2]))
    let first = try SweepSession(
      specPath: path, runDirectory: sandbox.path + "/run", retryFailed: false)
    #expect(sandbox.exists("run/logs"))
    #expect(sandbox.exists("run/journal.sqlite"))
    let error = try #require(refusal(path, runDirectory: sandbox.path + "/run"))
    #expect(error.exitCode == ExitStatus.tempFailure)
    #expect(error.message.contains("another coordinator is using \(sandbox.path)/run"))
    #expect(first.resumed == 0)
  }

  @Test func aResumeSkipsRecordedTrialsAndRetryFailedForgetsFailures() throws {
    let sandbox = try Sandbox()
    try sandbox.write("x.py", "")  // the program must exist (checked at load)
    let text = commandSpecText(values: [1, 2, 3])
    let path = try sandbox.file("s.yaml", text)
    for directory in ["a", "b"] {
      try FileManager.default.createDirectory(
        atPath: "\(sandbox.path)/\(directory)", withIntermediateDirectories: true)
      try recordSweep(in: "\(sandbox.path)/\(directory)", specText: text, specPath: path) { spec in
        [entry(spec.trial(at: 0)), entry(spec.trial(at: 1), .failed)]
      }
    }
    let resumed = try SweepSession(
      specPath: path, runDirectory: sandbox.path + "/a", retryFailed: false)
    #expect(resumed.resumed == 2)
    #expect(resumed.keptJournal == nil)
    let retried = try SweepSession(
      specPath: path, runDirectory: sandbox.path + "/b", retryFailed: true)
    #expect(retried.resumed == 1)
  }

  @Test func aSpecThatDoesNotContinueTheRecordedSweepNeedsNewSweep() throws {
    let sandbox = try Sandbox()
    try sandbox.write("x.py", "")  // the program must exist (checked at load)
    let run = sandbox.path + "/run"
    try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
    let old = commandSpecText(values: [1, 2, 3])
    try recordSweep(in: run, specText: old) { spec in [entry(spec.trial(at: 1))] }
    let path = try sandbox.file("s.yaml", commandSpecText(values: [1, 3]))
    let error = try #require(refusal(path, runDirectory: run))
    #expect(error.exitCode == ExitStatus.badData)
    #expect(error.message.hasPrefix("\(path) does not continue the sweep recorded in \(run): "))
    #expect(error.message.contains("--new-sweep"))
    // The refused session left the directory unlocked: --new-sweep opens it at once.
    let fresh = try SweepSession(
      specPath: path, runDirectory: run, retryFailed: false, newSweep: true)
    #expect(fresh.resumed == 0)
    let kept = try #require(fresh.keptJournal)
    #expect(kept.hasPrefix(run + "/journal-"))
    #expect(kept.hasSuffix(".sqlite"))
    let keptTrials = try Journal(path: kept, readOnly: true).trials()
    #expect(keptTrials.count == 1)
  }

  @Test func finishMarksTheSweepAndWritesTrialsCSV() throws {
    let sandbox = try Sandbox()
    try sandbox.write("x.py", "")  // the program must exist (checked at load)
    let text = commandSpecText(values: [1, 2])
    let path = try sandbox.file("s.yaml", text)
    for (name, interrupted) in [("stopped", true), ("finished", false)] {
      let run = "\(sandbox.path)/\(name)"
      try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
      try recordSweep(in: run, specText: text, specPath: path, state: "running") { spec in
        [entry(spec.trial(at: 0), metrics: #"{"loss":0.25}"#)]
      }
      let session = try SweepSession(specPath: path, runDirectory: run, retryFailed: false)
      try session.finish(interrupted: interrupted)
      let journal = try Journal(path: run + "/journal.sqlite", readOnly: true)
      #expect(try journal.latestSweep()?.state == name)
      let csv = try #require(try? String(contentsOfFile: run + "/trials.csv", encoding: .utf8))
      #expect(csv == TrialsCSV.render(try journal.trials()))
      #expect(csv.split(separator: "\n").count == 2)
      let summary = try session.summary()
      #expect(summary.counts == [.ok: 1])
      #expect(summary.best?.value == 0.25)
    }
  }
}

@Suite("Warnings when a sweep starts")
struct StartWarningTests {
  @Test func hyperbandOverAScaleAxisWarnsThatItStopsTheLargeModels() throws {
    let overWidth = try spec(
      """
      method: grid
      program: x.py
      metric: {name: loss, goal: minimize}
      early_terminate: {type: hyperband, min_iter: 2}
      parameters:
        width: {values: [64, 128, 256]}
        lr: {values: [0.01, 0.1]}
      """)
    let warning = try #require(SweepSession.earlyTerminationWarning(overWidth))
    #expect(warning.contains("width") && warning.contains("slow starters"))
    // Tuning lr alone: nothing is a scale, nothing to warn about.
    let tuning = try spec(
      """
      method: grid
      program: x.py
      metric: {name: loss, goal: minimize}
      early_terminate: {type: hyperband, min_iter: 2}
      parameters:
        lr: {values: [0.01, 0.1]}
      """)
    #expect(SweepSession.earlyTerminationWarning(tuning) == nil)
  }
}
