import ArgumentParser
import Foundation
import Logging
import OrbitCoordinator
import OrbitJournal
import OrbitSpec
import ZeroMQ

/// A coordinator for one spec in one run directory: journal opened, resume computed, the
/// coordinator's I/O loop on a thread of its own. Shared by `orbit run` and `orbit coordinator`.
final class SweepSession {
  let spec: Spec
  let specPath: String
  let runDirectory: String
  let journal: Journal
  let sweepID: String
  let status = CoordinatorStatus()
  let context: ZMQContext
  let resumed: Int
  let startedAt = Date()
  private var thread: Thread?
  private let outcome = OutcomeBox()

  init(specPath: String, runDirectory: String?, retryFailed: Bool) throws(ExitCode) {
    spec = try SpecLoading.load(specPath)
    self.specPath = specPath
    let base = URL(fileURLWithPath: specPath).deletingPathExtension().lastPathComponent
    self.runDirectory = runDirectory ?? "runs/\(base)"
    do {
      try FileManager.default.createDirectory(
        atPath: self.runDirectory + "/logs", withIntermediateDirectories: true)
    } catch {
      throw fail(
        "cannot create the run directory \(self.runDirectory): \(error.localizedDescription)",
        Exit.ioError)
    }
    do {
      journal = try Journal(path: self.runDirectory + "/journal.sqlite")
      if retryFailed { try journal.forgetFailures() }
      let done = try journal.finishedTrials()
      resumed = done.count
      sweepID = try journal.beginSweep(
        name: spec.name ?? base, specPath: specPath, specText: spec.text,
        fingerprint: spec.fingerprint,
        trialCount: spec.trialCount, now: Date().timeIntervalSince1970)
      finished = done
    } catch {
      throw fail(error.description, Exit.ioError)
    }
    do {
      context = try ZMQContext()
    } catch {
      throw fail("cannot start ZeroMQ: \(error)", Exit.unavailable)
    }
  }

  private var finished: [(id: String, index: Int)]

  /// Starts the coordinator thread and waits until it has bound (or failed to).
  func start(bind: String, logger: Logger, curve: (keypair: ZMQCurveKeypair, allowed: Set<String>)?)
    throws(ExitCode) -> String
  {
    let spec = self.spec
    let plan = TrialPlan(count: spec.trialCount) { index in
      let trial = spec.trial(at: index)
      return PlannedTrial(index: index, id: trial.id.hex, paramsJSON: trial.paramsJSON)
    }
    var settings = CoordinatorSettings(
      requiredRunner: spec.runner.rawValue, sweepID: sweepID, specText: spec.text,
      specFileName: URL(fileURLWithPath: specPath).standardizedFileURL.path)
    settings.retries = spec.retries
    let machine = CoordinatorStateMachine(
      settings: settings, plan: plan, resumed: ResumeSet(recorded: finished, plan: plan))
    finished = []
    // Handed to the coordinator thread, which alone uses it (and the journal) from here on.
    nonisolated(unsafe) let server = CoordinatorServer(
      context: context, bind: bind, journal: journal, machine: machine, resumed: resumed,
      status: status, logger: logger, curve: curve)
    let outcome = self.outcome
    let thread = Thread {
      do throws(CoordinatorError) {
        try server.run()
        outcome.set(nil)
      } catch {
        outcome.set(error)
      }
    }
    thread.name = "orbit-coordinator"
    thread.start()
    self.thread = thread
    while status.boundEndpoint == nil && !outcome.isSet { usleep(5000) }
    if let error = outcome.error {
      throw fail(error.message, error.kind == .cannotBind ? Exit.unavailable : Exit.ioError)
    }
    return status.boundEndpoint!
  }

  /// Blocks until the coordinator thread ends; throws its failure as an exit code.
  func wait() throws(ExitCode) {
    while !outcome.isSet { usleep(20_000) }
    if let error = outcome.error {
      throw fail(error.message, error.kind == .journal ? Exit.ioError : Exit.unavailable)
    }
  }

  var isDone: Bool { outcome.isSet }

  /// Marks the sweep finished, writes trials.csv, and closes the journal.
  func finish(interrupted: Bool) throws(ExitCode) {
    do {
      try journal.finishSweep(
        id: sweepID, state: interrupted ? "stopped" : "finished", now: Date().timeIntervalSince1970)
      try TrialsCSV.write(journal: journal, to: runDirectory + "/trials.csv")
    } catch {
      throw fail("\(error)", Exit.ioError)
    }
  }

  /// Prints the summary table, then ends the command with its exit code: 130 when interrupted,
  /// 1 when a trial failed.
  func printSummary(interrupted: Bool) throws {
    let summary = try Summary(
      journal: journal, spec: spec, wallSeconds: Date().timeIntervalSince(startedAt))
    print(summary.render(runDirectory: runDirectory))
    if interrupted { throw Exit.interrupted }
    if summary.failures > 0 { throw Exit.trialsFailed }
  }
}

/// The coordinator thread's result, read by the main thread.
final class OutcomeBox: @unchecked Sendable {
  // @unchecked: every access goes through `lock`.
  private let lock = NSLock()
  private var done = false
  private var failure: CoordinatorError?

  func set(_ error: CoordinatorError?) {
    lock.withLock {
      done = true
      failure = error
    }
  }
  var isSet: Bool { lock.withLock { done } }
  var error: CoordinatorError? { lock.withLock { failure } }
}
