import Foundation

@testable import OrbitAnalysis

/// Synthetic trials.csv tables shaped like the symmetry study, from known laws.
enum StudyData {
  struct Family: Sendable {
    var symmetry: String
    var loss: @Sendable (Double) -> Double
    var seeds = 4
  }

  static let plain = Family(symmetry: "none") { 1.5 * pow($0, -0.32) }
  /// Augmentation worth 16× data: the same curve shifted.
  static let augment = Family(symmetry: "augment") { 1.5 * pow(16 * $0, -0.32) }
  /// Symmetrized: worth ~52× data, but stuck on a floor from too small a model.
  static let floored = Family(symmetry: "symmetrize", loss: { 0.03 + 1.5 * pow(52 * $0, -0.32) })
  /// Steeper and on a floor: the floor can only flatten it, so the difference is real.
  static let steeperFloored = Family(symmetry: "steeper-floored") { 0.02 + 3 * pow($0, -0.6) }
  /// A genuinely steeper curve.
  static let steeper = Family(symmetry: "steeper") { 8 * pow($0, -0.55) }

  /// One row per (family, n, seed), 2 % log-normal noise, plus one failed trial.
  static func trials(_ families: [Family], noise: Double = 0.02) -> Table {
    var rng = SplitMix64(seed: 7)
    func normal() -> Double {
      let u1 = Double(rng.next() >> 11) / Double(1 << 53) + 1e-300
      let u2 = Double(rng.next() >> 11) / Double(1 << 53)
      return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    let columns = [
      "trial_id", "index", "status", "attempt", "worker", "wall_seconds", "model.kind",
      "model.symmetry", "task.n_train", "seed", "test_loss", "n_params", "samples_seen", "flops",
    ]
    var rows: [[String]] = []
    for family in families {
      for seed in 0..<family.seeds {
        let seedOffset = 0.01 * normal()
        for k in 6...13 {
          let n = pow(2, Double(k))
          let loss = family.loss(n) * exp(seedOffset + noise * normal())
          rows.append([
            "t\(rows.count)", "\(rows.count)", "ok", "1", "w\(rows.count % 2)", "1.5", "mlp",
            family.symmetry, "\(Int(n))", "\(seed)", "\(loss)", "5313", "768000", "2.4e10",
          ])
        }
      }
    }
    rows.append([
      "t\(rows.count)", "\(rows.count)", "failed", "2", "w0", "0.1", "mlp", "none", "64", "9", "",
      "5313", "0", "0",
    ])
    return Table(columns: columns, rows: rows)
  }

  static func settings(_ table: Table) -> AnalysisSettings {
    var settings = AnalysisSettings.inferred(from: table, y: "test_loss")
    settings.bootstrap = 200
    return settings
  }
}
