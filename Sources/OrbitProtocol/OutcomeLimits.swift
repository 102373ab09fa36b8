import OrbitSpec

extension TrialOutcome {
  /// An outcome within the wire's limits: metrics over `Wire.maxMetricsBytes` make it `failed`
  /// with a message saying so (a result must never be too large to send), and the stderr tail is
  /// cut to its last `TrialOutcome.stderrTailLimit` bytes.
  ///
  /// `checkMetricsSyntax`: also make metrics that are not one JSON object a failure (the
  /// coordinator, which trusts no peer, always does; a worker leaves it to the coordinator).
  /// Whether the sizes are within the limits already (metrics syntax not checked): the common
  /// case, tested without copying the outcome.
  public var isWithinWireLimits: Bool {
    metricsJSON.utf8.count <= Wire.maxMetricsBytes
      && stderrTail.utf8.count <= TrialOutcome.stderrTailLimit
      && stdoutTail.utf8.count <= TrialOutcome.stderrTailLimit
  }

  public func boundedForWire(checkMetricsSyntax: Bool = true) -> TrialOutcome {
    var o = self
    if o.metricsJSON.utf8.count > Wire.maxMetricsBytes {
      // Last, so cutting the tail to its limit keeps it.
      o.stderrTail +=
        "\norbit: the trial reported \(o.metricsJSON.utf8.count) bytes of metrics, over the limit of \(Wire.maxMetricsBytes): report a few numbers as metrics and write artifacts (curves, checkpoints) to files"
      o.metricsJSON = "{}"
      o.status = .failed
    } else if checkMetricsSyntax, o.metricsJSON != "{}", !Self.isJSONObject(o.metricsJSON) {
      // The journal, CSV and analysis read metrics as one JSON object: anything else is not a
      // result of the trial.
      o.stderrTail += "\norbit: the trial's metrics were not a JSON object; recorded as failed"
      o.metricsJSON = "{}"
      o.status = .failed
    }
    if o.stdoutTail.utf8.count > TrialOutcome.stderrTailLimit {
      o.stdoutTail = String(
        decoding: o.stdoutTail.utf8.suffix(TrialOutcome.stderrTailLimit), as: UTF8.self)
    }
    if o.stderrTail.utf8.count > TrialOutcome.stderrTailLimit {
      o.stderrTail = String(
        decoding: o.stderrTail.utf8.suffix(TrialOutcome.stderrTailLimit), as: UTF8.self)
    }
    return o
  }

  public static func isJSONObject(_ text: String) -> Bool { JSONSyntax.isObject(text) }
}
