import CoreMetrics
import Foundation
import OrbitProtocol
import OrbitSpec
import Synchronization

/// What the coordinator counts for monitoring (Prometheus at the dashboard's `/metrics`),
/// through swift-metrics: the backend is the factory given, and without one every handle is a
/// no-op, so a coordinator nobody scrapes pays nothing.
///
/// Names follow Prometheus conventions: `_total` counters, `_seconds` histograms, base units.
/// Counters count this process's events; `orbit_trials_total` starts at the journal's counts
/// so that it equals the journal's own at the end of the sweep.
public final class CoordinatorMetrics: Sendable {
  private let factory: any MetricsFactory
  private let trials: Mutex<[TrialStatus: Counter]>
  private let dispatches: Counter
  private let results: Counter
  private let queued: Gauge
  private let leases: Gauge
  private let workers: Gauge
  private let workersJoined: Counter
  private let workersRefused: Counter
  private let refused: Counter
  private let leaseExpiries: Counter
  private let disconnects: Counter
  private let malformed: Mutex<[String: Counter]>
  private let commitSeconds: CoreMetrics.Timer
  private let trialSeconds: CoreMetrics.Timer
  private let busy: Mutex<[String: Gauge]>

  /// Metric names, for the backend's bucket settings and for tests.
  public enum Name {
    public static let trials = "orbit_trials_total"
    public static let dispatches = "orbit_dispatches_total"
    public static let results = "orbit_results_received_total"
    public static let queued = "orbit_queue_length"
    public static let leases = "orbit_leases"
    public static let workers = "orbit_workers_connected"
    public static let workersJoined = "orbit_workers_joined_total"
    public static let workersRefused = "orbit_workers_refused_total"
    public static let refused = "orbit_results_refused_total"
    public static let leaseExpiries = "orbit_lease_expiries_total"
    public static let disconnects = "orbit_worker_disconnects_total"
    public static let malformed = "orbit_malformed_messages_total"
    public static let commitSeconds = "orbit_journal_commit_seconds"
    public static let trialSeconds = "orbit_trial_duration_seconds"
    public static let busy = "orbit_worker_busy_slots"
  }

  /// - Parameter recorded: the journal's counts by status when the coordinator starts.
  public init(
    factory: any MetricsFactory = NOOPMetricsHandler.instance, recorded: [TrialStatus: Int] = [:]
  ) {
    self.factory = factory
    var trials: [TrialStatus: Counter] = [:]
    for status in TrialStatus.allCases {
      let counter = Counter(
        label: Name.trials, dimensions: [("status", status.rawValue)], factory: factory)
      if let n = recorded[status], n > 0 { counter.increment(by: n) }
      trials[status] = counter
    }
    self.trials = Mutex(trials)
    dispatches = Counter(label: Name.dispatches, factory: factory)
    results = Counter(label: Name.results, factory: factory)
    queued = Gauge(label: Name.queued, factory: factory)
    leases = Gauge(label: Name.leases, factory: factory)
    workers = Gauge(label: Name.workers, factory: factory)
    workersJoined = Counter(label: Name.workersJoined, factory: factory)
    workersRefused = Counter(label: Name.workersRefused, factory: factory)
    refused = Counter(label: Name.refused, factory: factory)
    leaseExpiries = Counter(label: Name.leaseExpiries, factory: factory)
    disconnects = Counter(label: Name.disconnects, factory: factory)
    malformed = Mutex([:])
    commitSeconds = CoreMetrics.Timer(label: Name.commitSeconds, factory: factory)
    trialSeconds = CoreMetrics.Timer(label: Name.trialSeconds, factory: factory)
    busy = Mutex([:])
  }

  func dispatched() { dispatches.increment() }
  /// Results received (each result of a RESULT message, which batches them): a count of
  /// messages made the figure depend on how the worker happened to batch (a flaky test).
  func received(_ count: Int) { results.increment(by: Int64(count)) }

  /// A batch of results became durable; `fresh` are those the journal did not hold before.
  func recorded(_ fresh: some Sequence<TrialOutcome>) {
    trials.withLock { counters in
      for outcome in fresh {
        counters[outcome.status]?.increment()
        trialSeconds.recordNanoseconds(Int64((outcome.wallSeconds * 1e9).rounded()))
      }
    }
  }

  func committed(seconds: Double) {
    commitSeconds.recordNanoseconds(Int64((seconds * 1e9).rounded()))
  }

  func joined() { workersJoined.increment() }

  /// A peer was sent REJECT: a HELLO refused (version, runner, revoked key) or a peer dropped.
  func refusedWorker() { workersRefused.increment() }

  /// A worker left: on its own (BYE), silent past liveness (its leases expire), or dropped when
  /// its connection closed or it misbehaved.
  func left(reason: LeaveReason) {
    switch reason {
    case .bye: break
    case .silent: leaseExpiries.increment()
    case .connectionClosed, .dropped, .replaced, .revoked: disconnects.increment()
    }
  }

  func malformedMessage(kind: String) {
    malformed.withLock { counters in
      if counters[kind] == nil {
        counters[kind] = Counter(
          label: Name.malformed, dimensions: [("kind", kind)], factory: factory)
      }
      counters[kind]!.increment()
    }
  }

  /// The gauges, from the state machine's counts; `refusedTotal` is its running total.
  func update(
    queued: Int, leases: Int, workers: Int, refusedTotal: Int, busyByWorker: [String: Int]
  ) {
    self.queued.record(queued)
    self.leases.record(leases)
    self.workers.record(workers)
    refusedSeen.withLock { seen in
      if refusedTotal > seen {
        refused.increment(by: refusedTotal - seen)
        seen = refusedTotal
      }
    }
    busy.withLock { gauges in
      for id in Set(gauges.keys).union(busyByWorker.keys) {
        if gauges[id] == nil {
          gauges[id] = Gauge(label: Name.busy, dimensions: [("worker", id)], factory: factory)
        }
        gauges[id]!.record(busyByWorker[id] ?? 0)
      }
    }
  }
  private let refusedSeen = Mutex(0)
}
