/// How a trial ended.
public enum TrialStatus: String, Sendable, CaseIterable, Codable, CodingKeyRepresentable {
  /// Finished and reported its metrics.
  case ok
  /// The program exited non-zero, or the runner could not start it. Run again while the spec's
  /// `retries` allows (default 0: the failure is the result), as `timeout` is.
  case failed
  /// The loss became NaN or infinite; training stopped at once.
  case diverged
  /// Its run was cancelled before it ended (a CANCEL, or its worker leaving). Not a result: the
  /// coordinator runs the trial again. A run that early stopping cancelled is recorded
  /// `stopped`, not this.
  case cancelled
  /// Killed after exceeding the spec's per-trial `timeout`.
  case timeout
  /// Stopped early by the sweep's `early_terminate` (hyperband): its curve so far is kept, and
  /// the analysis leaves it out of scaling fits (a truncated run is not a point of the law).
  case stopped
  /// Lost with its worker (dead while running it) as many times as the coordinator's
  /// `lossLimit` allows.
  case lost

  /// The one definition of a failure: what the summary counts, what makes the exit code 1, and
  /// what `--retry-failed` runs again. `diverged` is a result (the loss blew up at that point of
  /// the grid), not a failure of the run; `cancelled` is: the trial did not finish.
  public var isFailure: Bool {
    switch self {
    case .failed, .timeout, .lost, .cancelled: true
    case .ok, .diverged, .stopped: false
    }
  }
}

/// What one attempt of a trial produced: the value a worker sends and the journal records.
public struct TrialOutcome: Sendable, Equatable {
  public var trialID: TrialID
  /// The trial's position in the plan: with the id, what the coordinator checks the trial against.
  public var index: Int
  /// 1 for the first dispatch, then one more for each run after it: a lost lease, a cancelled
  /// run, a `retries` retry, or `--retry-failed` (`ORBIT_ATTEMPT`, docs/PROGRAMS.md).
  public var attempt: Int
  public var status: TrialStatus
  /// A JSON object of the metrics reported (may be `{}`).
  public var metricsJSON: String
  /// Seconds between the runner's start and end of this attempt.
  public var wallSeconds: Double
  /// Unix time (seconds) at which the attempt started.
  public var startedAt: Double
  /// The last bytes of stderr (at most `TrialOutcome.stderrTailLimit`) for failed commands.
  public var stderrTail: String
  /// The program's exit code when a command runner ran one.
  public var exitCode: Int?
  /// The last bytes of a command's stdout (at most `stderrTailLimit`), ok runs included: what
  /// `orbit logs` shows when the trial's folder is not at hand.
  public var stdoutTail: String

  /// How much of a failing program's stderr is kept: enough for a traceback, small enough to
  /// journal thousands of failures.
  public static let stderrTailLimit = 4096

  public init(
    trialID: TrialID, index: Int, attempt: Int, status: TrialStatus, metricsJSON: String = "{}",
    wallSeconds: Double = 0, startedAt: Double = 0, stderrTail: String = "", exitCode: Int? = nil,
    stdoutTail: String = ""
  ) {
    self.stdoutTail = stdoutTail
    self.trialID = trialID
    self.index = index
    self.attempt = attempt
    self.status = status
    self.metricsJSON = metricsJSON
    self.wallSeconds = wallSeconds
    self.startedAt = startedAt
    self.stderrTail = stderrTail
    self.exitCode = exitCode
  }
}
