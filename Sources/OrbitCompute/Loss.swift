#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Losses as PyTorch defines them with `reduction: "mean"`.
enum Loss {
  /// Mean squared error over `count` predictions (one output per sample):
  /// mean((prediction − target)²); writes d/dprediction into `gradient` when given.
  static func meanSquaredError(
    prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
    gradient: UnsafeMutablePointer<Float>?
  ) -> Double {
    var sum: Double = 0
    let scale = 2 / Float(count)
    for index in 0..<count {
      let difference = prediction[index] - target[index]
      sum += Double(difference * difference)
      gradient?[index] = scale * difference
    }
    return sum / Double(count)
  }

  /// Softmax cross-entropy of `count` rows of `classes` logits against integer labels, as
  /// `torch.nn.functional.cross_entropy`; writes d/dlogits into `gradient` when given.
  static func softmaxCrossEntropy(
    logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, count: Int, classes: Int,
    gradient: UnsafeMutablePointer<Float>?
  ) -> Double {
    var total: Double = 0
    for row in 0..<count {
      let line = logits + row * classes
      var largest = line[0]
      for index in 1..<classes { largest = max(largest, line[index]) }
      var sum: Double = 0
      for index in 0..<classes { sum += exp(Double(line[index] - largest)) }
      let logSum = log(sum) + Double(largest)
      let label = Int(labels[row])
      total += logSum - Double(line[label])
      if let gradient {
        let target = gradient + row * classes
        for index in 0..<classes {
          let probability = exp(Double(line[index]) - logSum)
          target[index] = Float((probability - (index == label ? 1 : 0)) / Double(count))
        }
      }
    }
    return total / Double(count)
  }
}
