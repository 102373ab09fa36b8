import Foundation

/// The trials a tuned envelope chooses among, for one family on one axis: at each scale, the
/// trials of each tuned setting (one combination of the tuned columns' values), each with the
/// validation metric that picks it and the loss that is fitted.
public struct TuningCandidates: Sendable {
  /// One trial: its seed, its validation metric (lower is better) and its loss.
  public struct Trial: Sendable {
    public var seed: String
    public var validation: Double
    public var loss: Double

    public init(seed: String, validation: Double, loss: Double) {
      self.seed = seed
      self.validation = validation
      self.loss = loss
    }
  }

  /// One point of the envelope: the winner at one scale and seed.
  public struct Point: Sendable {
    public var x: Double
    public var seed: String
    /// Index into `settings` of the winning setting.
    public var setting: Int
    public var loss: Double
  }

  /// Distinct scales, ascending.
  public var scales: [Double]
  /// Tuned settings, in label order ("0.001" < "0.003"; several columns joined by " / ").
  public var settings: [String]
  /// `trials[s][v]`: the trials of setting v at scale s.
  public var trials: [[[Trial]]]

  /// Groups trials by scale and setting.
  /// - Parameters:
  ///   - x: each trial's scale; `setting`: its tuned values' label; `seed`, `validation`, `loss`.
  public init(
    x: [Double], setting: [String], seed: [String], validation: [Double], loss: [Double]
  ) {
    let scales = Array(Set(x)).sorted()
    let settings = Array(Set(setting)).sorted(by: labelPrecedes)
    let scaleIndex = Dictionary(uniqueKeysWithValues: scales.enumerated().map { ($1, $0) })
    let settingIndex = Dictionary(uniqueKeysWithValues: settings.enumerated().map { ($1, $0) })
    var trials = scales.map { _ in settings.map { _ in [Trial]() } }
    for i in x.indices {
      trials[scaleIndex[x[i]]!][settingIndex[setting[i]]!].append(
        Trial(seed: seed[i], validation: validation[i], loss: loss[i]))
    }
    self.scales = scales
    self.settings = settings
    self.trials = trials
  }

  /// The seeds measured at scale `s`, sorted: one envelope point each.
  public func seeds(at s: Int) -> [String] {
    Array(Set(trials[s].flatMap { $0.map(\.seed) })).sorted(by: labelPrecedes)
  }

  /// The envelope: at each scale and seed, that seed's trial with the lowest validation metric
  /// over the settings (ties to the first setting). Ordered by scale, then seed.
  public func envelope() -> [Point] {
    var points: [Point] = []
    for s in scales.indices {
      for seed in seeds(at: s) {
        var best: (setting: Int, trial: Trial)?
        for v in settings.indices {
          for trial in trials[s][v] where trial.seed == seed {
            if best == nil || trial.validation < best!.trial.validation { best = (v, trial) }
          }
        }
        if let best {
          points.append(
            Point(x: scales[s], seed: seed, setting: best.setting, loss: best.trial.loss))
        }
      }
    }
    return points
  }

  /// Each setting's median validation metric at each scale over the seeds, a seed weighing
  /// `weight(scale, seed)` (a resample's count of that seed's envelope point; 1 for the data).
  /// `.infinity` for a setting with no weighed trial at a scale.
  func medianValidations(weight: (Int, String) -> Double) -> [[Double]] {
    trials.indices.map { s in
      trials[s].map { perSetting in
        let weights = perSetting.map { weight(s, $0.seed) }
        let median = weightedMedian(perSetting.map(\.validation), weights)
        return median.isNaN ? .infinity : median
      }
    }
  }
}
