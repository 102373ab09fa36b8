/// `early_terminate: {type: hyperband, …}` with wandb's exact semantics (its `sweeps` engine,
/// `hyperband_stopping.py`): an "iteration" is the k-th logged value of `metric.name`; at each
/// band b, a running trial whose value (strict: at b; else its best so far) is worse than the
/// top 1/eta of all trials' values at b is stopped.
public struct EarlyTermination: Sendable, Equatable {
  /// The iterations at which trials are judged, ascending.
  public var bands: [Int]
  public var eta: Double
  public var strict: Bool

  /// wandb's defaults: eta 3, strict true.
  public static let defaultEta = 3.0

  /// Bands from `max_iter` and `s`: max_iter/eta, max_iter/eta², … (s of them, truncated,
  /// stopping below 1), ascending.
  public init(maxIter: Int, s: Int, eta: Double = defaultEta, strict: Bool = true) {
    var band = Double(maxIter)
    var bands: [Int] = []
    for _ in 0..<max(0, s) {
      band /= eta
      if band < 1 { break }
      bands.append(Int(band))
    }
    self.bands = bands.sorted()
    self.eta = eta
    self.strict = strict
  }

  /// Bands from `min_iter`: min_iter, min_iter·eta, … (wandb takes 100 of them).
  public init(minIter: Int, eta: Double = defaultEta, strict: Bool = true) {
    var band = Double(minIter)
    var bands: [Int] = []
    for _ in 0..<100 {
      // Past Int's range the band can never be reached: wandb's list goes on, harmlessly.
      guard band < 9e18 else { break }
      bands.append(Int(band))
      band *= eta
    }
    self.bands = bands
    self.eta = eta
    self.strict = strict
  }

  /// The trials to stop: `running` ones past a band whose value there (strict) or best value
  /// (not strict) is worse than the band's threshold over `histories` — every trial's logged
  /// values of the metric in order, already negated for `maximize` (lower is better).
  ///
  /// `sources` names who reported each history (the worker). At each band, a source whose
  /// values (two or more) all lie below every other source's is left out of the threshold: a
  /// peer that reports `loss = -1000` for the leases it holds cannot drag the threshold below
  /// every honest value (issue 25: all 12 honest trials were stopped so), while honest workers,
  /// whose trials are dispatched alike, overlap and are all counted — wandb's rule exactly, as
  /// it is without `sources`.
  public func trialsToStop<ID: Hashable>(
    histories: [ID: [Double]], running: [ID], sources: [ID: String] = [:]
  ) -> [ID] {
    let r = 1 / eta
    let thresholds = bands.map { band -> Double in
      var bySource: [String: [Double]] = [:]
      var unattributed: [Double] = []
      for (id, history) in histories where history.count >= band {
        if let source = sources[id] {
          bySource[source, default: []].append(history[band - 1])
        } else {
          unattributed.append(history[band - 1])
        }
      }
      // The two lowest sources' minima: every other source's minimum is one of them.
      let minima = bySource.map { (source: $0.key, low: $0.value.min()!) }
        .sorted { $0.low < $1.low }.prefix(2)
      let unattributedLow = unattributed.min() ?? .infinity
      var counted = unattributed
      for (source, values) in bySource {
        let othersLow = min(
          unattributedLow, minima.first { $0.source != source }?.low ?? .infinity)
        let separated = values.count >= 2 && othersLow.isFinite && values.max()! < othersLow
        if !separated { counted += values }
      }
      counted.sort()
      return counted.isEmpty ? .infinity : counted[Int(r * Double(counted.count))]
    }
    return running.filter { id in
      guard let history = histories[id], !history.isEmpty else { return false }
      guard let last = bands.indices.last(where: { bands[$0] <= history.count }) else {
        return false
      }
      let value = strict ? history[bands[last] - 1] : history.min()!
      return value > thresholds[last]
    }
  }

}
