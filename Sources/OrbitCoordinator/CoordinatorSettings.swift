import OrbitProtocol
import OrbitSpec

/// Settings of the dispatch logic.
public struct CoordinatorSettings: Sendable {
  /// Seconds between heartbeats sent to a silent peer.
  public var heartbeatInterval: Double = Double(Wire.heartbeatIntervalMilliseconds) / 1000
  /// Heartbeat intervals a worker may stay silent before it is declared dead.
  public var liveness: Int = Wire.heartbeatLiveness
  /// Fewest times a trial must be lost with a dead worker (while running on it) before it can be
  /// recorded `lost`; `LossJudge` decides past it, by whether that many deaths are plausible by
  /// chance given the sweep's churn, and at 4 × `lossLimit` at the latest. Generous: a worker
  /// dying is the cluster's fault, not the trial's, unless the trial is the common factor.
  public var lossLimit: Int = 5
  /// How often a trial that failed by itself (`failed`, `timeout`) is run again: the spec's
  /// `retries` (default 0: a failure is a result).
  public var retries: Int = Spec.defaultRetries
  /// The last attempt of trials whose failures `--retry-failed` forgot: their next run is
  /// attempt + 1, so a program sees `ORBIT_ATTEMPT=2` on its retry.
  public var priorAttempts: [TrialID: Int] = [:]
  /// The secret lease tokens are signed with (32 random bytes kept in the run directory).
  public var leaseSecret: [UInt8] = []
  /// Most trials in one TASK message.
  public var maxBatch: Int = 1024
  /// Results received but not yet durable above which dispatch pauses: backpressure from the
  /// journal, so a disk slower than the workers bounds memory instead of growing a backlog.
  public var maxUnpersisted: Int = 16_384
  /// The runner every worker must offer.
  public var requiredRunner: RunnerKind
  /// The spec's metric: what early termination judges and `target` ends the sweep on.
  public var metric: Metric?
  /// The spec's `early_terminate` (hyperband), or nil.
  public var earlyTermination: EarlyTermination?
  public var sweepID: String
  public var specText: String
  public var specFileName: String
  /// After a restart: seconds during which nothing is dispatched, so the workers still running
  /// this sweep's trials re-introduce themselves first (their HELLO lists what they run, and
  /// those runs are re-adopted); a trial dispatched before its worker is back would run twice.
  /// It ends early once every worker of `expectedWorkers` is back. 0: a fresh sweep.
  public var adoptionGraceSeconds = 0.0
  /// Workers the journal showed connected when this coordinator started (the ones it waits for).
  public var expectedWorkers: Set<String> = []
  /// The loss judge's counts an earlier coordinator of this sweep journaled (runs ended, deaths).
  public var judgedRuns = (endedRuns: 0, deaths: 0)

  public init(requiredRunner: RunnerKind, sweepID: String, specText: String, specFileName: String) {
    self.requiredRunner = requiredRunner
    self.sweepID = sweepID
    self.specText = specText
    self.specFileName = specFileName
  }
}
