import Foundation
import OrbitSearch

/// A benchmark function: a search space, the objective (minimised) and its known minimum.
/// bench/bayes/peers.py defines the same three for wandb's and Optuna's engines.
struct Problem: Sendable {
  var name: String
  var space: SearchSpace
  var minimum: Double
  var evaluate: @Sendable (Point) -> Double

  static let all: [Problem] = [branin, hartmann6, tuning]

  /// Branin-Hoo on [−5, 10] × [0, 15]; minimum 0.397887 (three optima).
  static let branin = Problem(
    name: "branin",
    space: SearchSpace([
      SearchDimension(name: "x1", prior: .uniform(min: -5, max: 10)),
      SearchDimension(name: "x2", prior: .uniform(min: 0, max: 15)),
    ]), minimum: 0.397887357729738
  ) { p in
    let (x1, x2) = (p[0], p[1])
    let b = 5.1 / (4 * Double.pi * Double.pi)
    let c = 5 / Double.pi
    let t = 1 / (8 * Double.pi)
    let u = x2 - b * x1 * x1 + c * x1 - 6
    return u * u + 10 * (1 - t) * cos(x1) + 10
  }

  /// Hartmann-6 on [0, 1]⁶; minimum −3.32237.
  static let hartmann6 = Problem(
    name: "hartmann6",
    space: SearchSpace(
      (1...6).map { SearchDimension(name: "x\($0)", prior: .uniform(min: 0, max: 1)) }),
    minimum: -3.322368011415515
  ) { x in
    let alpha = [1.0, 1.2, 3.0, 3.2]
    let a: [[Double]] = [
      [10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
      [17, 8, 0.05, 10, 0.1, 14],
    ]
    let p: [[Double]] = [
      [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
      [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
      [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
      [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ]
    var total = 0.0
    for i in 0..<4 {
      var inner = 0.0
      for j in 0..<6 { inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
      total -= alpha[i] * exp(-inner)
    }
    return total
  }

  /// A synthetic tuning task shaped like a real one: the loss of a width-w model trained at
  /// learning rate lr (log-uniform on [1e-5, 1]) with `warmup` steps (int_uniform 0…2,000).
  /// Wider is better (a power law), the best rate shrinks as 1/√w, a bowl in log lr around it,
  /// a rate 3× too high without warm-up diverges (a cliff), and warm-up has its own optimum.
  static let widths: [Double] = [64, 128, 256, 512, 1024]
  static let tuning = Problem(
    name: "lr-width-warmup",
    space: SearchSpace([
      SearchDimension(name: "lr", prior: .logUniformValues(min: 1e-5, max: 1)),
      SearchDimension(name: "width", prior: .categorical(count: widths.count)),
      SearchDimension(name: "warmup", prior: .intUniform(min: 0, max: 2_000)),
    ]), minimum: tuningLoss(lr: 0.02 * (256.0 / 1024).squareRoot(), width: 1024, warmup: 500)
  ) { p in tuningLoss(lr: p[0], width: widths[Int(p[1])], warmup: p[2]) }

  static func tuningLoss(lr: Double, width: Double, warmup: Double) -> Double {
    let best = 0.02 * (256 / width).squareRoot()
    let offset = log10(lr / best)
    let bowl = 0.25 * offset * offset
    let cliff = 2 * max(0, offset - log10(3)) * exp(-warmup / 300)
    let w = log((warmup + 50) / 550)
    return 1.7 + 4 * pow(width, -0.3) + bowl + cliff + 0.02 * w * w
  }
}
