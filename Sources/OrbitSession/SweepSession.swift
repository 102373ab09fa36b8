import Foundation
import Logging
import OrbitAnalysis
import OrbitCoordinator
import OrbitJournal
import OrbitProtocol
import OrbitSpec
import ZeroMQ

/// A coordinator for one spec in one run directory: journal opened, resume computed, the
/// coordinator's I/O loop on a thread of its own. Shared by `orbit run` and `orbit coordinator`.
public final class SweepSession {
  public let spec: Spec
  let specPath: String
  public let runDirectory: String
  let journal: Journal
  /// What to tell the user about where the journal lives, if anything: on a network
  /// filesystem it runs without WAL (see `FileSystemKind`).
  public var journalPlacementNotice: String? {
    guard case .network(let name) = journal.fileSystem else { return nil }
    return
      "\(runDirectory) is on \(name): the journal uses SQLite's rollback journal there (WAL needs one host's shared memory), so orbit status works from other hosts; a local disk (--run-dir) is faster"
  }
  public let sweepID: String
  /// The live counts and controls shared with the coordinator thread (progress, stop, allow-list).
  public let status = CoordinatorStatus()
  let context: ZMQContext
  /// Trials already recorded when this session began (skipped by the coordinator).
  public let resumed: Int
  /// With `newSweep`, where the journal of the sweep recorded before was moved; nil otherwise.
  public let keptJournal: String?
  let startedAt = Date()
  private let outcome = OutcomeBox()
  /// With `retryFailed`: the last attempt of each failed trial forgotten, so its retry is the
  /// next attempt.
  private var priorAttempts: [TrialID: Int] = [:]

  /// The run directory's lock, held for the process's life once the session is open (see
  /// `RunDirectory.lock`).
  private let lockFD: Int32
  let leaseSecret: [UInt8]

  /// Default of `--max-trials`: far above any study here (10^7-point grids are benchmarked), low
  /// enough that a typo such as a 10^12-point grid is caught before anything starts.
  public static let defaultMaxTrials = 100_000_000

  /// `runs/<name>` for a spec with `name:` (its unsafe bytes as `-`), else `runs/<spec file's
  /// base name>` — which is also kept when a sweep was already recorded there, so naming a spec
  /// later does not lose its sweep.
  static func defaultRunDirectory(spec: Spec, specPath: String) -> String {
    let base = "runs/" + URL(fileURLWithPath: specPath).deletingPathExtension().lastPathComponent
    guard let name = spec.name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
      return base
    }
    let safe = String(
      decoding: name.utf8.map { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
          || b == 0x2D || b == 0x5F || b == 0x2E ? b : 0x2D
      }, as: UTF8.self)
    guard safe != "." && safe != ".." else { return base }
    if FileManager.default.fileExists(atPath: base + "/journal.sqlite") { return base }
    return "runs/" + safe
  }

  /// Said when the sweep starts: hyperband on a sweep over a scale stops the slow starters, the
  /// large models, and the fits of those scales are biased (issue 23); the report says it
  /// again with what was stopped.
  static func earlyTerminationWarning(_ spec: Spec) -> String? {
    guard spec.earlyTermination != nil else { return nil }
    let scales = spec.parameterNames.filter { ParameterRole.of($0) == .scale }
    guard !scales.isEmpty else { return nil }
    return
      "\(spec.fileName): early_terminate: hyperband stops the trials that are worst at each rung, and over \(scales.joined(separator: ", ")) those are the slow starters (large models): the scaling fits of the scales it thins are biased. For a scaling study, run without early_terminate (use it to tune at one scale)."
  }

  /// A `program:` the command runs must exist beside the spec (it runs in the spec's folder):
  /// a typo found now, not when every trial has failed. Only for `orbit run` and the
  /// coordinator; a worker on another filesystem checks nothing here.
  static func checkProgramExists(spec: Spec, specPath: String) throws(SessionError) {
    guard spec.runner == .command, let program = spec.program,
      spec.command.contains(where: { $0.contains("${program}") })
    else { return }
    let folder = URL(fileURLWithPath: specPath).deletingLastPathComponent().path
    let path = program.hasPrefix("/") ? program : folder + "/" + program
    guard !FileManager.default.fileExists(atPath: path) else { return }
    throw SessionError(
      "\(specPath): program '\(program)' not found (\(path)); programs run in the spec's folder, so give its path relative to the spec",
      exitCode: ExitStatus.noInput)
  }

  /// Loads and checks the spec, takes the run directory (created if needed, default
  /// `runs/<name>`, see `defaultRunDirectory`) and opens its journal: the sweep recorded there is resumed,
  /// or a new one begun.
  public init(
    specPath: String, runDirectory: String?, retryFailed: Bool, newSweep: Bool = false,
    maxTrials: Int = SweepSession.defaultMaxTrials
  ) throws(SessionError) {
    var loaded = try SpecLoading.load(specPath)
    if let warning = Self.earlyTerminationWarning(loaded) { loaded.warnings.append(warning) }
    spec = loaded
    // Every worker receives the spec in WELCOME, one string field: a larger spec could never be
    // served, so it is refused before anything starts.
    if spec.text.utf8.count > Wire.maxStringBytes {
      throw SessionError(
        "\(specPath) is \(spec.text.utf8.count) bytes; a spec must fit the \(Wire.maxStringBytes) bytes a worker receives it in. Use ranges (min/max, distributions) instead of long value lists, or split the sweep.",
        exitCode: ExitStatus.badData)
    }
    if spec.trialCount > maxTrials {
      throw SessionError(
        "\(specPath) has \(spec.trialCount) trials, over --max-trials \(maxTrials): check the grid (orbit plan shows it), or raise --max-trials if you mean it.",
        exitCode: ExitStatus.badData)
    }
    self.specPath = specPath
    try Self.checkProgramExists(spec: spec, specPath: specPath)
    let directory = runDirectory ?? Self.defaultRunDirectory(spec: spec, specPath: specPath)
    self.runDirectory = directory
    do {
      // Private on a shared login node (issue 25): a new run directory is the user's alone
      // (0700), and the journal, which holds every parameter and output, is 0600. A directory
      // that already exists keeps the mode it was given (chmod g+rx to share with a group).
      if !FileManager.default.fileExists(atPath: directory) {
        try FileManager.default.createDirectory(
          atPath: directory, withIntermediateDirectories: true,
          attributes: [.posixPermissions: 0o700])
      }
      try FileManager.default.createDirectory(
        atPath: directory + "/logs", withIntermediateDirectories: true)
    } catch {
      throw SessionError(
        "cannot create the run directory \(directory): \(error.localizedDescription)",
        exitCode: ExitStatus.ioError)
    }
    let lock = try RunDirectory.lock(directory)
    // A session that fails to open leaves the directory to the next one (in this process too).
    var opened = false
    defer { if !opened { close(lock) } }
    lockFD = lock
    leaseSecret = try RunDirectory.leaseSecret(directory)
    let journalPath = directory + "/journal.sqlite"
    var journal: Journal
    var kept: String?
    do {
      journal = try Journal(path: journalPath)
      chmod(journalPath, 0o600)  // SQLite gives its -wal and -shm files the same mode
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
          let keptPath = directory + "/journal-\(latest.id).sqlite"
          try? FileManager.default.removeItem(atPath: journalPath + "-wal")
          try? FileManager.default.removeItem(atPath: journalPath + "-shm")
          guard rename(journalPath, keptPath) == 0 else {
            throw JournalError(
              .io, "cannot move \(journalPath) to \(keptPath): \(String(cString: strerror(errno)))"
            )
          }
          kept = keptPath
          journal = try Journal(path: journalPath)
          continuing = nil
        } else if let why = SweepContinuity.difference(
          spec: spec, recordedSpecText: latest.specText, recordedFileName: latest.specPath,
          recorded: recorded)
        {
          throw SessionError(
            "\(specPath) does not continue the sweep recorded in \(directory): \(why). Pass --new-sweep to start a new sweep there (the recorded one is kept beside it), or --run-dir to use another directory.",
            exitCode: ExitStatus.badData)
        }
      }
      if retryFailed { priorAttempts = try journal.forgetFailures() }
      let done = try journal.finishedTrials()
      resumed = done.count
      if let latest = continuing {
        // The same sweep, resumed: it keeps its id, so leases issued before a restart and the
        // results re-sent for them stay valid, and the runs its workers still hold are
        // re-adopted. Those workers are the ones the journal shows connected (read before
        // `resumeSweep` marks them gone).
        sweepID = latest.id
        expectedWorkers = Set(try journal.connectedWorkerIDs())
        if let live = try journal.live(sweepID: latest.id) {
          judgedRuns = (live.endedRuns, live.deaths)
        }
        try journal.resumeSweep(
          id: latest.id, specPath: specPath, specText: spec.text, fingerprint: spec.fingerprint,
          trialCount: spec.trialCount)
      } else {
        sweepID = try journal.beginSweep(
          name: spec.name
            ?? URL(fileURLWithPath: specPath).deletingPathExtension().lastPathComponent,
          specPath: specPath, specText: spec.text,
          fingerprint: spec.fingerprint,
          trialCount: spec.trialCount, now: Date().timeIntervalSince1970)
      }
      finished = done
      isResumed = continuing != nil
    } catch {
      throw SessionError(error)
    }
    self.journal = journal
    keptJournal = kept
    do {
      context = try ZMQContext()
    } catch {
      throw SessionError("cannot start ZeroMQ: \(error)", exitCode: ExitStatus.unavailable)
    }
    opened = true
  }

  private var finished: [(id: TrialID, index: Int)]
  /// Workers connected to the coordinator this one replaces (a resumed sweep).
  private var expectedWorkers: Set<String> = []
  /// The loss judge's counts that coordinator journaled last.
  private var judgedRuns = (endedRuns: 0, deaths: 0)
  /// Whether this session continues a sweep recorded before (a restart or a resume).
  private var isResumed = false

  /// The journal's counts by status, before `start` (the coordinator owns the journal after).
  public func recordedCounts() -> [TrialStatus: Int] {
    var counts: [TrialStatus: Int] = [:]
    for (name, n) in (try? journal.statusCounts()) ?? [:] {
      if let status = TrialStatus(rawValue: name) { counts[status] = n }
    }
    return counts
  }

  /// Starts the coordinator thread and waits until it has bound (or failed to); returns the
  /// endpoint it listens on (the port chosen when `bind` asks for port 0).
  public func start(
    bind: String, logger: Logger, curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?,
    metrics: CoordinatorMetrics = CoordinatorMetrics()
  )
    throws(SessionError) -> String
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
    settings.metric = spec.metric
    settings.earlyTermination = spec.earlyTermination
    settings.leaseSecret = leaseSecret
    settings.priorAttempts = priorAttempts
    if isResumed {
      // A restart: the workers still running this sweep's trials re-introduce themselves
      // before anything is dispatched (at most liveness heartbeats, when one of them is gone).
      settings.adoptionGraceSeconds = settings.heartbeatInterval * Double(settings.liveness)
      settings.expectedWorkers = expectedWorkers
      settings.judgedRuns = judgedRuns
    }
    var machine = CoordinatorStateMachine(
      settings: settings, plan: plan, resumed: ResumeSet(recorded: finished, plan: plan))
    finished = []
    if spec.earlyTermination != nil && isResumed {
      // Early stopping judges as the coordinator before it did: its histories from the journal's
      // progress rows (in the order written), its stops still unanswered.
      do {
        try journal.forEachProgressRow { trialID, attempt, step, metrics, worker in
          machine.restoreProgress(
            trialID: trialID, attempt: attempt, step: step, metricsJSON: metrics,
            workerID: worker)
        }
        for stop in try journal.pendingStopRequests() {
          machine.restoreStop(trialID: stop.trialID, attempt: stop.attempt)
        }
      } catch {
        throw SessionError(error.description, exitCode: ExitStatus.ioError)
      }
    }
    // Handed to the coordinator thread, which alone uses it (and the journal) from here on.
    nonisolated(unsafe) let server = CoordinatorServer(
      context: context, bind: bind, journal: journal, machine: machine, resumed: resumed,
      status: status, logger: logger, curve: curve, metrics: metrics)
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
    while status.boundEndpoint == nil && !outcome.isSet { usleep(5000) }
    if let error = outcome.error {
      throw SessionError(
        error.message,
        exitCode: error.kind == .cannotBind ? ExitStatus.unavailable : ExitStatus.ioError)
    }
    return status.boundEndpoint!
  }

  /// Notes in the journal that this coordinator serves plain TCP off loopback (`orbit status`
  /// and the report say so).
  public func recordInsecure(_ bind: String) {
    try? journal.recordEvent(
      kind: "insecure", detail: "served \(bind) with plain TCP (--insecure)",
      now: Date().timeIntervalSince1970)
  }

  /// Blocks until the coordinator thread ends; throws its failure (journal: 74, socket: 69).
  public func wait() throws(SessionError) {
    outcome.wait()
    if let error = outcome.error {
      throw SessionError(
        error.message,
        exitCode: error.kind == .journal ? ExitStatus.ioError : ExitStatus.unavailable)
    }
  }

  /// Whether the coordinator thread has ended (every trial recorded, or stopped).
  public var isDone: Bool { outcome.isSet }

  /// Whether the coordinator thread ends within `seconds` (its last workers, drained at the
  /// sweep's end, may leave just before it does).
  public func isDone(within seconds: Double) -> Bool {
    outcome.wait(until: Date().addingTimeInterval(seconds))
  }

  /// Marks the sweep finished (or, interrupted, stopped) and writes trials.csv: the one time an
  /// `orbit run` writes it (its report reuses the journal). The journal stays open for `summary`.
  public func finish(interrupted: Bool) throws(SessionError) {
    do {
      try journal.finishSweep(
        id: sweepID, state: interrupted ? "stopped" : "finished", now: Date().timeIntervalSince1970)
      try TrialsCSV.write(journal: journal, to: runDirectory + "/trials.csv")
    } catch {
      throw SessionError("\(error)", exitCode: ExitStatus.ioError)
    }
  }

  /// The table printed when the sweep ends, from the journal as it stands.
  public func summary() throws(SessionError) -> Summary {
    var summary = try Summary(
      journal: journal, spec: spec, wallSeconds: Date().timeIntervalSince(startedAt))
    summary.specPath = specPath
    return summary
  }
}

/// The coordinator thread's result, read by the main thread, which can wait for it.
final class OutcomeBox: @unchecked Sendable {
  // @unchecked: every access goes through `condition`'s lock.
  private let condition = NSCondition()
  private var done = false
  private var failure: CoordinatorError?

  func set(_ error: CoordinatorError?) {
    condition.withLock {
      done = true
      failure = error
      condition.broadcast()
    }
  }
  var isSet: Bool { condition.withLock { done } }
  var error: CoordinatorError? { condition.withLock { failure } }

  /// Blocks until the outcome is set.
  func wait() {
    condition.withLock { while !done { condition.wait() } }
  }

  /// Blocks until the outcome is set or `deadline` passes; whether it is set.
  func wait(until deadline: Date) -> Bool {
    condition.withLock {
      while !done && condition.wait(until: deadline) {}
      return done
    }
  }
}
