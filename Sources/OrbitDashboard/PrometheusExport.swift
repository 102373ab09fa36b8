import Foundation
import OrbitCoordinator
import OrbitSpec
import Prometheus

/// The coordinator's metrics in Prometheus's text format: swift-metrics handles backed by one
/// registry per coordinator (not the process-global one, so tests can run several).
public struct PrometheusExport: Sendable {
  public let registry = PrometheusCollectorRegistry()
  public let metrics: CoordinatorMetrics

  /// Buckets for trial durations, in seconds: from sub-second test trials to day-long runs.
  static let trialBuckets: [Duration] = [
    .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(60),
    .seconds(300), .seconds(900), .seconds(3600), .seconds(4 * 3600), .seconds(24 * 3600),
  ]
  /// Buckets for journal commits: an fsync takes 1–20 ms on a local disk, far more on NFS.
  static let commitBuckets: [Duration] = [
    .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
    .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
    .milliseconds(250), .seconds(1), .seconds(5),
  ]

  /// - Parameter recorded: the journal's counts by status when the coordinator starts.
  public init(recorded: [TrialStatus: Int]) {
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.durationHistogramBuckets = [
      CoordinatorMetrics.Name.trialSeconds: Self.trialBuckets,
      CoordinatorMetrics.Name.commitSeconds: Self.commitBuckets,
    ]
    metrics = CoordinatorMetrics(factory: factory, recorded: recorded)
  }

  /// The text a scrape receives.
  public func render() -> String { registry.emitToString() }
}
