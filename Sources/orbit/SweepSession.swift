import ArgumentParser
import Foundation
import Logging
import OrbitCoordinator
import OrbitJournal
import OrbitProtocol
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

  /// The run directory's lock, held for the process's life (see `RunDirectory.lock`).
  private let lockFD: Int32
  let leaseSecret: [UInt8]

  /// Default of `--max-trials`: far above any study here (10^7-point grids are benchmarked), low
  /// enough that a typo such as a 10^12-point grid is caught before anything starts.
  static let defaultMaxTrials = 100_000_000

  init(
    specPath: String, runDirectory: String?, retryFailed: Bool, newSweep: Bool = false,
    maxTrials: Int = SweepSession.defaultMaxTrials
  ) throws(ExitCode) {
    spec = try SpecLoading.load(specPath)
    // Every worker receives the spec in WELCOME, one string field: a larger spec could never be
    // served, so it is refused before anything starts.
    if spec.text.utf8.count > Wire.maxStringBytes {
      throw fail(
        "\(specPath) is \(spec.text.utf8.count) bytes; a spec must fit the \(Wire.maxStringBytes) bytes a worker receives it in. Use ranges (min/max, distributions) instead of long value lists, or split the sweep.",
        Exit.badData)
    }
    if spec.trialCount > maxTrials {
      throw fail(
        "\(specPath) has \(spec.trialCount) trials, over --max-trials \(maxTrials): check the grid (orbit plan shows it), or raise --max-trials if you mean it.",
        Exit.badData)
    }
    self.specPath = specPath
    let base = URL(fileURLWithPath: specPath).deletingPathExtension().lastPathComponent
    let directory = runDirectory ?? "runs/\(base)"
    self.runDirectory = directory
    do {
      try FileManager.default.createDirectory(
        atPath: directory + "/logs", withIntermediateDirectories: true)
    } catch {
      throw fail(
        "cannot create the run directory \(directory): \(error.localizedDescription)",
        Exit.ioError)
    }
    lockFD = try RunDirectory.lock(directory)
    leaseSecret = try RunDirectory.leaseSecret(directory)
    let journalPath = directory + "/journal.sqlite"
    var journal: Journal
    do {
      journal = try Journal(path: journalPath)
      if let damage = try journal.damage() {
        throw JournalError(
          .io,
          "\(journalPath) is damaged (\(damage)). Move it away and start again, or restore it from a copy; trials.csv beside it lists what was recorded."
        )
      }
      var continuing = try journal.latestSweep()
      if let latest = continuing {
        let recorded = try journal.finishedTrials()
        if newSweep {
          try journal.close()
          let kept = directory + "/journal-\(latest.id).sqlite"
          try? FileManager.default.removeItem(atPath: journalPath + "-wal")
          try? FileManager.default.removeItem(atPath: journalPath + "-shm")
          guard rename(journalPath, kept) == 0 else {
            throw JournalError(
              .io, "cannot move \(journalPath) to \(kept): \(String(cString: strerror(errno)))")
          }
          FileHandle.standardError.write(
            Data("orbit: new sweep in \(directory); the previous one is kept in \(kept)\n".utf8))
          journal = try Journal(path: journalPath)
          continuing = nil
        } else if let why = SweepContinuity.difference(
          spec: spec, recordedSpecText: latest.specText, recordedFileName: latest.specPath,
          recorded: recorded)
        {
          throw fail(
            "\(specPath) does not continue the sweep recorded in \(directory): \(why). Pass --new-sweep to start a new sweep there (the recorded one is kept beside it), or --run-dir to use another directory.",
            Exit.badData)
        }
      }
      if retryFailed { try journal.forgetFailures() }
      let done = try journal.finishedTrials()
      resumed = done.count
      if let latest = continuing {
        // The same sweep, resumed: it keeps its id, so leases issued before a restart and the
        // results re-sent for them stay valid.
        sweepID = latest.id
        try journal.resumeSweep(
          id: latest.id, specPath: specPath, specText: spec.text, fingerprint: spec.fingerprint,
          trialCount: spec.trialCount)
      } else {
        sweepID = try journal.beginSweep(
          name: spec.name ?? base, specPath: specPath, specText: spec.text,
          fingerprint: spec.fingerprint,
          trialCount: spec.trialCount, now: Date().timeIntervalSince1970)
      }
      finished = done
    } catch let error as JournalError {
      throw fail(error.description, Exit.ioError)
    } catch let code as ExitCode {
      throw code
    } catch {
      throw fail("\(error)", Exit.ioError)
    }
    self.journal = journal
    do {
      context = try ZMQContext()
    } catch {
      throw fail("cannot start ZeroMQ: \(error)", Exit.unavailable)
    }
  }

  private var finished: [(id: TrialID, index: Int)]

  /// Starts the coordinator thread and waits until it has bound (or failed to).
  func start(
    bind: String, logger: Logger, curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?
  )
    throws(ExitCode) -> String
  {
    let spec = self.spec
    let plan = TrialPlan(count: spec.trialCount) { index in
      let trial = spec.trial(at: index)
      return PlannedTrial(index: index, id: trial.id, paramsJSON: trial.paramsJSON)
    }
    var settings = CoordinatorSettings(
      requiredRunner: spec.runner, sweepID: sweepID, specText: spec.text,
      specFileName: URL(fileURLWithPath: specPath).standardizedFileURL.path)
    settings.retries = spec.retries
    settings.leaseSecret = leaseSecret
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

  /// Notes in the journal that this coordinator serves plain TCP off loopback (`orbit status`
  /// and the report say so).
  func recordInsecure(_ bind: String) {
    try? journal.recordEvent(
      kind: "insecure", detail: "served \(bind) with plain TCP (--insecure)",
      now: Date().timeIntervalSince1970)
  }

  /// Blocks until the coordinator thread ends; throws its failure as an exit code.
  func wait() throws(ExitCode) {
    while !outcome.isSet { usleep(20_000) }
    if let error = outcome.error {
      throw fail(error.message, error.kind == .journal ? Exit.ioError : Exit.unavailable)
    }
  }

  var isDone: Bool { outcome.isSet }

  /// Marks the sweep finished (or stopped) and writes trials.csv; the journal stays open for the
  /// summary.
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
