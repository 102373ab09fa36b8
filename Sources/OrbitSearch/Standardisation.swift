/// The affine map that gives targets mean 0 and standard deviation 1 (wandb's
/// `fit_normalized_gaussian_process`), so that kernel amplitudes and noise have fixed scales.
struct Standardisation: Sendable {
  var mean: Double
  var scale: Double

  /// wandb's constant: keeps a sweep whose results are all equal from dividing by zero.
  static let epsilon = 1e-6

  /// From `y`: one value gives (y₀, 1), as wandb does; more give the mean and the population
  /// standard deviation plus ``epsilon``.
  init(_ y: [Double]) {
    if y.count == 1 {
      mean = y[0]
      scale = 1
      return
    }
    mean = y.reduce(0, +) / Double(y.count)
    var sum = 0.0
    for v in y { sum += (v - mean) * (v - mean) }
    scale = (sum / Double(y.count)).squareRoot() + Self.epsilon
  }

  func apply(_ y: [Double]) -> [Double] { y.map { ($0 - mean) / scale } }
  func apply(_ y: Double) -> Double { (y - mean) / scale }
  func invert(_ z: Double) -> Double { z * scale + mean }
}
