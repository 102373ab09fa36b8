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

  /// Whether a resample can differ from the data: some setting has two trials at one scale.
  public var canResampleChoice: Bool {
    trials.contains { $0.contains { $0.count >= 2 } }
  }

  /// One resample at one scale: the slots' winners, and each setting's drawn validations.
  struct ScaleDraw {
    /// Per slot: the winning setting and its trial's loss.
    var winners: [(setting: Int, loss: Double)]
    /// Per setting: the validation metric of the trial drawn into each slot.
    var validations: [[Double]]
    /// Envelope points at this scale (the slots stand for them).
    var points: Int
  }

  /// Draws one resample: at each scale with c envelope points, c − 1 slots (1 when c = 1, or c
  /// with `oneFewer` false); each slot draws one trial of every setting with replacement from
  /// that setting's trials at the scale, and the winner is re-picked by the validation metric.
  /// - Returns: per scale, its draw; `key` is equal for equal resamples.
  func draw(_ rng: inout SplitMix64, oneFewer: Bool) -> (scales: [ScaleDraw], key: [Int]) {
    var draws: [ScaleDraw] = []
    var key: [Int] = []
    for s in scales.indices {
      let points = seeds(at: s).count
      let slots = oneFewer && points > 1 ? points - 1 : points
      var winners: [(setting: Int, loss: Double)] = []
      var validations = settings.map { _ in [Double]() }
      for _ in 0..<slots {
        var best: (setting: Int, validation: Double, loss: Double)?
        for v in settings.indices where !trials[s][v].isEmpty {
          let pick = Int(rng.next() % UInt64(trials[s][v].count))
          key.append(pick)
          let trial = trials[s][v][pick]
          validations[v].append(trial.validation)
          if best == nil || trial.validation < best!.validation {
            best = (v, trial.validation, trial.loss)
          }
        }
        if let best { winners.append((best.setting, best.loss)) }
      }
      draws.append(ScaleDraw(winners: winners, validations: validations, points: points))
    }
    return (draws, key)
  }
}
