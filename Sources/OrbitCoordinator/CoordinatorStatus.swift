import OrbitSpec
import Synchronization

/// A point-in-time view of a running coordinator, for progress displays.
public struct CoordinatorSnapshot: Sendable {
  public var endpoint: String = ""
  public var total: Int = 0
  /// Results recorded this run (fresh ones, by status).
  public var counts: [TrialStatus: Int] = [:]
  /// Results recorded by earlier runs of this sweep (resume).
  public var resumed: Int = 0
  public var running: Int = 0
  public var queued: Int = 0
  public var workers: Int = 0
  public var malformed: Int = 0
  public var duplicates: Int = 0
  /// Results refused: no lease of the sender's, a bad lease token, not in the plan, another sweep.
  public var refused: Int = 0
  public var finished: Bool = false
  /// Each connected worker's slots and the trials it holds, by worker id.
  public var slotsByWorker: [String: Int] = [:]
  public var busyByWorker: [String: Int] = [:]

  public var recorded: Int { counts.values.reduce(0, +) }
  public var failures: Int { counts.filter { $0.key.isFailure }.values.reduce(0, +) }
}

/// Shared between the coordinator's I/O thread and whoever watches or stops it.
public final class CoordinatorStatus: Sendable {
  private let state = Mutex(CoordinatorSnapshot())
  private let stop = Mutex(false)
  private let bound = Mutex<String?>(nil)

  public init() {}

  public var snapshot: CoordinatorSnapshot { state.withLock { $0 } }
  func update(_ body: (inout CoordinatorSnapshot) -> Void) { state.withLock { body(&$0) } }

  /// Asks the coordinator to stop dispatching and let workers leave (SIGINT, SIGTERM).
  public func requestStop() { stop.withLock { $0 = true } }
  var stopRequested: Bool { stop.withLock { $0 } }

  /// Default of `stopGraceSeconds`: under Kubernetes' default 30 s grace plus its own
  /// pre-stop margin it would be cut short, so recipes set it; 50 s fits Slurm's usual signal
  /// offsets (60 s and more) and a 60 s `terminationGracePeriodSeconds`.
  public static let defaultStopGraceSeconds = 50.0
  private let grace = Mutex(CoordinatorStatus.defaultStopGraceSeconds)
  /// Seconds after a stop request that the coordinator waits for workers to return what they
  /// run; then it stops anyway, and those trials run again on resume.
  public var stopGraceSeconds: Double {
    get { grace.withLock { $0 } }
    set { grace.withLock { $0 = newValue } }
  }

  private let allowList = Mutex<[String: String]?>(nil)

  /// Hands the coordinator a new CURVE allow-list (SIGHUP): keys no longer in it are refused at
  /// their next connection, and their current connections dropped.
  public func replaceAllowList(_ keys: [String: String]) { allowList.withLock { $0 = keys } }
  func takeAllowList() -> [String: String]? {
    allowList.withLock { list in
      defer { list = nil }
      return list
    }
  }

  /// The endpoint once bound (port 0 resolved), or nil before.
  public var boundEndpoint: String? { bound.withLock { $0 } }
  func setBound(_ endpoint: String) { bound.withLock { $0 = endpoint } }
}
