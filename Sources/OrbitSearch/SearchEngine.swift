/// What became of one trial the search suggested (or one imported by a warm start).
public struct Observation: Sendable, Hashable {
  public enum Outcome: Sendable, Hashable {
    /// The run finished; `value` is its score (wandb: the best value it ever logged for the
    /// metric, see ``Objective/score(curve:)``).
    case finished(Double)
    /// The run failed, crashed or was killed: it counts as the objective's `impute` value or,
    /// without one, the worst score seen (wandb's rule).
    case failed
  }

  public var point: Point
  public var outcome: Outcome
  /// The worst finite value the run ever logged for the metric (highest when minimising), if
  /// known: wandb imputes a failed run at the worst value any finished or failed run logged,
  /// which can be worse than every score. nil: the score stands for it.
  public var worstLogged: Double?

  public init(point: Point, outcome: Outcome, worstLogged: Double? = nil) {
    self.point = point
    self.outcome = outcome
    self.worstLogged = worstLogged
  }

  /// A run from its logged curve: scored by its best value (wandb's rule), its worst kept for
  /// imputation; `failed` when the run failed or logged no finite value.
  public init(point: Point, curve: [Double], failed: Bool, objective: Objective) {
    let finite = curve.filter(\.isFinite)
    let worst = objective.maximize ? finite.min() : finite.max()
    if !failed, let score = objective.score(curve: curve) {
      self.init(point: point, outcome: .finished(score), worstLogged: worst)
    } else {
      self.init(point: point, outcome: .failed, worstLogged: worst)
    }
  }
}

/// The metric's direction and its failure value.
public struct Objective: Sendable, Hashable {
  public var maximize: Bool
  /// What a failed run counts as (`metric.impute`), in the metric's own units; nil: the worst
  /// score among the other runs.
  public var impute: Double?

  public init(maximize: Bool = false, impute: Double? = nil) {
    self.maximize = maximize
    self.impute = impute
  }

  /// A run's score from everything it logged for the metric: its best finite value, as wandb
  /// scores a run (`metric_extremum`), not its last; nil when it logged no finite value.
  public func score(curve: [Double]) -> Double? {
    let finite = curve.filter(\.isFinite)
    return maximize ? finite.max() : finite.min()
  }

  /// The values an engine minimises, one per observation: scores negated when maximising,
  /// failures imputed (`impute`, else the worst value any run logged, as wandb's `worst`). Observations with no finite score and no score to impute from are
  /// left out (nil), as wandb drops NaN rows.
  func minimisationTargets(_ history: [Observation]) -> [Double?] {
    var worst: Double? = nil
    for observation in history {
      var value = observation.worstLogged
      if case .finished(let score) = observation.outcome, score.isFinite {
        value = value.map { maximize ? Swift.min($0, score) : Swift.max($0, score) } ?? score
      }
      guard let value, value.isFinite else { continue }
      worst = worst.map { maximize ? Swift.min($0, value) : Swift.max($0, value) } ?? value
    }
    let failedValue = impute ?? worst
    return history.map { observation in
      let raw: Double?
      switch observation.outcome {
      case .finished(let value): raw = value.isFinite ? value : failedValue
      case .failed: raw = failedValue
      }
      return raw.map { maximize ? -$0 : $0 }
    }
  }
}

extension Objective {
  /// What an engine fits: each observation's unit-cube input in `space` and its minimisation
  /// target, the observations without a target left out.
  func trainingSet(_ history: [Observation], in space: SearchSpace) -> (
    inputs: [[Double]], targets: [Double]
  ) {
    var inputs: [[Double]] = []
    var targets: [Double] = []
    for (observation, target) in zip(history, minimisationTargets(history)) {
      guard let target else { continue }
      inputs.append(space.unit(observation.point))
      targets.append(target)
    }
    return (inputs, targets)
  }
}

/// One suggestion: the configuration to run next and why.
public struct Suggestion: Sendable, Hashable {
  public enum Source: String, Sendable, Hashable {
    /// A draw from the priors (cold start, or wandb's fall-back when its fit sits at a bound).
    case random
    /// A point of the initial space-filling design (Orbit's cold start).
    case design
    /// The maximiser of the acquisition under the fitted model.
    case model
  }

  public var point: Point
  public var source: Source
  /// The acquisition value at `point` (EI for wandb, log-EI for Orbit), when a model chose it.
  public var acquisition: Double?
  /// The model's mean at `point` in the metric's units, when a model chose it.
  public var predictedMean: Double?

  public init(
    point: Point, source: Source, acquisition: Double? = nil, predictedMean: Double? = nil
  ) {
    self.point = point
    self.source = source
    self.acquisition = acquisition
    self.predictedMean = predictedMean
  }
}

/// A source of suggestions: fed every result so far and the runs still in flight, it proposes
/// the next configuration. Pure: the same inputs and random state give the same suggestion.
public protocol SearchEngine: Sendable {
  var space: SearchSpace { get }
  var objective: Objective { get }

  /// The next configuration to run, or nil when a finite space has no configuration left that
  /// is neither finished nor pending.
  /// - Parameters:
  ///   - history: every finished or failed run, in the order results arrived.
  ///   - pending: configurations suggested and not yet back (running or queued).
  ///   - random: the search's random stream; advanced by the draws this suggestion makes.
  mutating func suggest(history: [Observation], pending: [Point], random: inout SearchRandom)
    -> Suggestion?
}
