import Foundation

/// What a tuned envelope (`analysis.tune`) chose for one family on one axis: the winning setting
/// at each scale, and how the optimum of each numeric tuned column drifts with scale.
public struct TunedEnvelope: Sendable {
  /// The tuned columns, e.g. ["train.lr"].
  public var columns: [String]
  /// The validation metric that picked the winners, e.g. "val_loss".
  public var select: String
  /// One per scale, ascending.
  public var optima: [Optimum]
  /// lr* ∝ x^−γ: the fit of the optimum against scale (one tuned numeric column, ≥ 3 scales).
  public var drift: Drift?
  /// Resamples in which the optimum at some scale differed from the full data's.
  public var choiceChanged: Int = 0
  /// Resamples drawn.
  public var resamples: Int = 0

  /// The choice at one scale.
  public struct Optimum: Sendable {
    public var x: Double
    /// The setting with the lowest median validation metric over seeds (its label).
    public var setting: String
    /// The tuned columns' values of that setting.
    public var values: [String: String]
    /// The optimum between grid values: the vertex of the parabola through the best setting and
    /// its neighbours in log(value) (one numeric column); the best value itself at an edge.
    public var optimum: Double?
    /// The best setting is the smallest or largest swept: the true optimum may lie beyond it.
    public var atEdge: Bool
    /// How many seeds each setting won (its own winner per seed: the envelope's points).
    public var seedWinners: [String: Int]
  }

  /// The fitted drift of the optimum: optimum ≈ c·x^−γ.
  public struct Drift: Sendable {
    public var column: String
    public var gamma: Double
    public var gammaInterval: Interval?
    public var coefficient: Double
    /// γ's interval excludes 0 (without a bootstrap: never claimed).
    public var drifts: Bool { gammaInterval.map { !$0.contains(0) } ?? false }
    /// Some optimum lies at an edge of the swept values: γ is then a bound, not a measurement.
    public var boundedByGrid: Bool
    /// Every resample chose the same settings at every scale, so γ's resamples have no spread:
    /// the grid is too coarse to give γ an interval (a zero-width one would claim certainty).
    public var unresolvedByGrid = false
  }

  /// The choices on the data and on `settings.bootstrap` resamples of the envelope's points
  /// (`family`'s, in `points`' order), drawn as its law bootstrap draws them (same scheme, seed and generator per
  /// resample): a resample keeps a seed's trials together — they share its data and init, so
  /// drawing them independently would pair one seed's good lr with another's bad one — and the
  /// optimum at each scale is re-picked from the drawn seeds.
  static func make(
    candidates: TuningCandidates, points: [TuningCandidates.Point], family: FamilyFit,
    columns: [String], select: String, settings: AnalysisSettings
  ) -> TunedEnvelope {
    let resampling = family.resampling
    let numeric = numericValues(candidates, columns: columns)
    let choices = candidates.medianValidations { _, _ in 1 }.map {
      choose($0, numeric: numeric)
    }
    let optima = candidates.scales.indices.map { s -> Optimum in
      let best = choices[s].best
      var winners: [String: Int] = [:]
      for p in points where p.x == candidates.scales[s] {
        winners[candidates.settings[p.setting], default: 0] += 1
      }
      let parts = candidates.settings[best].components(separatedBy: " / ")
      var values: [String: String] = [:]
      if parts.count == columns.count {
        for (column, value) in zip(columns, parts) { values[column] = value }
      }
      return Optimum(
        x: candidates.scales[s], setting: candidates.settings[best], values: values,
        optimum: choices[s].optimum, atEdge: choices[s].atEdge, seedWinners: winners)
    }
    var envelope = TunedEnvelope(columns: columns, select: select, optima: optima)
    let fit = numeric == nil ? nil : driftFit(x: candidates.scales, optimum: choices.map(\.optimum))
    var gammas: [Double] = []
    // The residual scheme (one seed) cannot redraw a choice: the optimum stays the data's.
    if settings.bootstrap > 0, resampling.scheme != .residuals, points.count > 1 {
      var bootstrap = Bootstrap()
      bootstrap.seed = settings.randomSeed
      bootstrap.oneFewer = !settings.textbookBootstrap
      let objective = HuberLogObjective(
        logX: points.map { log($0.x) }, logSecondX: [], logY: points.map { log($0.loss) },
        delta: settings.huberDelta, hasFloor: false)
      let scaleIndex = Dictionary(
        uniqueKeysWithValues: candidates.scales.enumerated().map { ($1, $0) })
      let pointIndex = Dictionary(
        points.enumerated().map { ("\(scaleIndex[$1.x]!) \($1.seed)", $0) },
        uniquingKeysWith: { first, _ in first })
      for b in 0..<settings.bootstrap {
        let weights = bootstrap.resample(
          objective, fit: family.pure.fit, resampling: resampling, index: b
        ).objective.weights
        let resampled = candidates.medianValidations { s, seed in
          pointIndex["\(s) \(seed)"].map { weights[$0] } ?? 0
        }.map { choose($0, numeric: numeric) }
        if zip(resampled, choices).contains(where: { $0.best != $1.best }) {
          envelope.choiceChanged += 1
        }
        if fit != nil, let g = driftFit(x: candidates.scales, optimum: resampled.map(\.optimum)) {
          gammas.append(g.gamma)
        }
      }
      envelope.resamples = settings.bootstrap
    }
    if let fit, let column = columns.first {
      var interval = Interval.around(fit.gamma, samples: gammas, level: settings.level)
      // Resamples re-pick among the grid's values; when none moves an optimum the percentile
      // interval is one point — not a measurement of γ's uncertainty, so none is claimed.
      let unresolved =
        interval.map { $0.upper - $0.lower <= 1e-9 * max(1, abs(fit.gamma)) } ?? false
      if unresolved { interval = nil }
      envelope.drift = Drift(
        column: column, gamma: fit.gamma, gammaInterval: interval,
        coefficient: fit.coefficient, boundedByGrid: optima.contains(where: \.atEdge),
        unresolvedByGrid: unresolved)
    }
    return envelope
  }

  /// The settings' values as positive numbers, ascending, when one column is tuned and every
  /// value is a positive number (three or more: a parabola needs them); else nil.
  static func numericValues(_ candidates: TuningCandidates, columns: [String]) -> [Double]? {
    guard columns.count == 1, candidates.settings.count >= 3 else { return nil }
    let values = candidates.settings.compactMap(Double.init)
    guard values.count == candidates.settings.count, values.allSatisfy({ $0 > 0 }) else {
      return nil
    }
    return values
  }

  /// The best setting by validation metric, and (numeric values) the parabolic optimum.
  static func choose(_ validation: [Double], numeric: [Double]?) -> (
    best: Int, optimum: Double?, atEdge: Bool
  ) {
    let best = validation.indices.min { validation[$0] < validation[$1] } ?? 0
    let measured = validation.indices.filter { validation[$0].isFinite }
    let atEdge = best == measured.first || best == measured.last
    guard let numeric else { return (best, nil, atEdge) }
    guard !atEdge, let i = measured.firstIndex(of: best) else {
      return (best, numeric[best], atEdge)
    }
    let (l, r) = (measured[i - 1], measured[i + 1])
    let (u0, u1, u2) = (log(numeric[l]), log(numeric[best]), log(numeric[r]))
    let (f0, f1, f2) = (validation[l], validation[best], validation[r])
    // Vertex of the parabola through three points, clamped to the neighbours' span.
    let numerator = (u1 - u0) * (u1 - u0) * (f1 - f2) - (u1 - u2) * (u1 - u2) * (f1 - f0)
    let denominator = (u1 - u0) * (f1 - f2) - (u1 - u2) * (f1 - f0)
    let vertex = denominator == 0 ? u1 : u1 - 0.5 * numerator / denominator
    return (best, exp(min(max(vertex, u0), u2)), false)
  }

  /// Least squares of log optimum on log x: optimum ≈ c·x^−γ (≥ 3 scales with an optimum).
  static func driftFit(x: [Double], optimum: [Double?]) -> (gamma: Double, coefficient: Double)? {
    let pairs = zip(x, optimum).compactMap { x, o in o.map { (log(x), log($0)) } }
    guard pairs.count >= 3 else { return nil }
    let n = Double(pairs.count)
    let mx = pairs.map(\.0).reduce(0, +) / n
    let my = pairs.map(\.1).reduce(0, +) / n
    let sxx = pairs.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
    guard sxx > 0 else { return nil }
    let slope = pairs.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / sxx
    return (-slope, exp(my - slope * mx))
  }

  /// "train.lr* ∝ n^−γ, γ = 0.5 [0.4, 0.6]: drifts" in words.
  func driftSentence(axis: String) -> String? {
    guard let drift else { return nil }
    let gamma = equation("γ", drift.gamma, drift.gammaInterval)
    let bound =
      drift.boundedByGrid
      ? " (an optimum lies at an edge of the swept values, so this is a bound: sweep wider)" : ""
    let claim =
      drift.unresolvedByGrid
      ? " (every resample chose the same settings at every scale: the grid is too coarse to give γ"
        + " an interval; sweep it finer)"
      : drift.gammaInterval == nil
        ? "" : drift.drifts ? ": the optimum drifts with scale" : ": no drift resolved"
    return "\(drift.column)* ∝ \(axis)^−γ with \(gamma)\(claim)\(bound)"
  }
}
