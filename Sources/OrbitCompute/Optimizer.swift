#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which update rule a trial trains with.
enum OptimizerKind: String, Sendable, CaseIterable {
  /// SGD with momentum (PyTorch: buf = μ·buf + g, p −= lr·buf; L2 weight decay added to g).
  case sgd
  /// Adam (PyTorch's `torch.optim.Adam`; weight decay is L2, added to the gradient).
  case adam
  /// AdamW (PyTorch's `torch.optim.AdamW`; decoupled decay p ← p·(1 − lr·λ)).
  case adamw
}

/// An optimiser over a network's flat parameter vector, with its state allocated once.
///
/// One loop over all parameters per step, written so that LLVM vectorises it.
final class Optimizer {
  let kind: OptimizerKind
  let beta1: Float
  let beta2: Float
  let epsilon: Float
  let momentum: Float
  let weightDecay: Float
  private let firstMoment: FloatBuffer
  private let secondMoment: FloatBuffer
  /// Steps taken so far (PyTorch's `state["step"]`).
  private(set) var stepCount = 0

  init(
    kind: OptimizerKind, parameterCount: Int, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8, momentum: Double = 0.9, weightDecay: Double = 0
  ) {
    self.kind = kind
    self.beta1 = Float(beta1)
    self.beta2 = Float(beta2)
    self.epsilon = Float(epsilon)
    self.momentum = Float(momentum)
    self.weightDecay = Float(weightDecay)
    firstMoment = FloatBuffer(count: parameterCount)
    secondMoment = FloatBuffer(count: kind == .sgd ? 0 : parameterCount)
  }

  /// Moment buffers and a step count to save the optimiser's state into: allocated with the
  /// trial, so a cooldown branch copies state without allocating in the step loop.
  func makeSnapshot() -> OptimizerSnapshot {
    OptimizerSnapshot(
      firstMoment: FloatBuffer(count: firstMoment.count),
      secondMoment: FloatBuffer(count: secondMoment.count))
  }

  /// Copies the whole state (moments and step count) into `snapshot`.
  func save(into snapshot: OptimizerSnapshot) {
    snapshot.firstMoment.copy(from: firstMoment)
    snapshot.secondMoment.copy(from: secondMoment)
    snapshot.stepCount = stepCount
  }

  /// Puts back a state saved by `save(into:)`.
  func restore(from snapshot: OptimizerSnapshot) {
    firstMoment.copy(from: snapshot.firstMoment)
    secondMoment.copy(from: snapshot.secondMoment)
    stepCount = snapshot.stepCount
  }

  /// This step's learning rate and Adam's bias-corrected coefficients, set by `beginStep`.
  private var learningRate: Float = 0
  private var stepSize: Float = 0
  private var inverseRoot2: Float = 1

  /// Applies one update with learning rate `learningRate` to all parameters.
  func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
    beginStep(learningRate: learningRate)
    update(parameters.pointer, gradients: gradients.pointer, offset: 0, count: parameters.count)
  }

  /// Starts a step with learning rate `learningRate`: `update` then applies it to slices of the
  /// parameters, each exactly once (a network updates each layer as soon as its gradient is
  /// ready, while that gradient is still in cache). Every rule is elementwise, so slices give the
  /// same result as one pass.
  func beginStep(learningRate: Double) {
    stepCount += 1
    self.learningRate = Float(learningRate)
    if kind != .sgd {
      let t = Double(stepCount)
      stepSize = Float(learningRate / (1 - pow(Double(beta1), t)))
      inverseRoot2 = Float(1 / (1 - pow(Double(beta2), t)).squareRoot())
    }
  }

  /// Updates `count` parameters starting at `offset` of the flat vector, given as `parameters` and
  /// `gradients` already advanced by `offset`.
  func update(
    _ parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, offset: Int,
    count: Int
  ) {
    let p = parameters
    let g = gradients
    let m = firstMoment.pointer + offset
    let lr = learningRate
    let decay = weightDecay
    switch kind {
    case .sgd:
      let mu = momentum
      if stepCount == 1 {
        for index in 0..<count {
          let grad = g[index] + decay * p[index]
          m[index] = grad
          p[index] -= lr * grad
        }
      } else {
        for index in 0..<count {
          let grad = g[index] + decay * p[index]
          let buffer = mu * m[index] + grad
          m[index] = buffer
          p[index] -= lr * buffer
        }
      }
    case .adam, .adamw:
      let l2: Float = kind == .adam ? decay : 0
      let shrink: Float = kind == .adamw ? 1 - lr * decay : 1
      Kernels.adam(
        parameters: p, gradients: g, firstMoment: m, secondMoment: secondMoment.pointer + offset,
        count: count, beta1: beta1, beta2: beta2, stepSize: stepSize, inverseRoot2: inverseRoot2,
        epsilon: epsilon, l2: l2, shrink: shrink)
    }
  }
}

/// A saved optimiser state (see `Optimizer.save(into:)`).
final class OptimizerSnapshot {
  let firstMoment: FloatBuffer
  let secondMoment: FloatBuffer
  var stepCount = 0

  init(firstMoment: FloatBuffer, secondMoment: FloatBuffer) {
    self.firstMoment = firstMoment
    self.secondMoment = secondMoment
  }
}

/// The learning rate at each step: linear warm-up, then constant or cosine to a floor; or, for
/// `wsd`, constant after the warm-up with short cooldowns branching off it.
struct LearningRateSchedule: Sendable {
  enum Shape: String, Sendable, CaseIterable {
    case constant
    case cosine
    /// Warm-up, stable (constant), decay: the trunk stays at `base`; `cooldownRate` gives the
    /// decay of each cooldown branch (Hägele et al. 2024, arXiv 2405.18392).
    case wsd
  }

  var base: Double
  var shape: Shape
  /// Warm-up steps (the rate rises linearly to `base` over them).
  var warmupSteps: Int
  var totalSteps: Int
  /// The cosine's final rate, and the rate a cooldown decays towards.
  var floor: Double
  /// How a `wsd` cooldown decays.
  var cooldownShape: CooldownShape = .oneMinusSqrt

  /// The rate for the step with 0-based index `step` (for `wsd`: of the trunk).
  func rate(at step: Int) -> Double {
    if step < warmupSteps { return base * Double(step + 1) / Double(warmupSteps) }
    switch shape {
    case .constant, .wsd:
      return base
    case .cosine:
      let span = max(1, totalSteps - warmupSteps)
      let progress = min(1, Double(step - warmupSteps) / Double(span))
      return floor + (base - floor) * 0.5 * (1 + cos(Double.pi * progress))
    }
  }

  /// The rate for step `index` (0-based) of a cooldown of `length` steps: from `base` at its
  /// first step towards `floor`, with progress index/length as the cosine counts it (the last
  /// step is not spent at the floor, where an update would do nothing).
  func cooldownRate(at index: Int, length: Int) -> Double {
    let progress = min(1, Double(index) / Double(max(1, length)))
    let remaining: Double
    switch cooldownShape {
    case .linear: remaining = 1 - progress
    case .oneMinusSqrt: remaining = 1 - progress.squareRoot()
    }
    return floor + (base - floor) * remaining
  }
}

/// How a `wsd` cooldown takes the learning rate down.
public enum CooldownShape: String, Sendable, CaseIterable {
  /// Linearly to the floor.
  case linear
  /// 1 − √progress: steep at first, flat at the end; Hägele et al.'s best shape, which matches a
  /// cosine run of the same length (arXiv 2405.18392, Fig. 4).
  case oneMinusSqrt = "1-sqrt"
}

/// One cooldown branch of a `wsd` schedule, in optimiser steps. The branch leaves the trunk after
/// `branchStep` steps and runs `cooldownSteps` more: its model has seen `endStep` × batch samples.
public struct CooldownBranch: Sendable, Equatable {
  /// The `train.cooldowns` entry it comes from (samples).
  public var requestedSamples: Int
  /// Trunk steps before the branch (the cooldown's first step has this 0-based index).
  public var branchStep: Int
  /// Steps of its cooldown.
  public var cooldownSteps: Int
  /// Steps the branch's model has taken in all.
  public var endStep: Int { branchStep + cooldownSteps }

  public init(requestedSamples: Int, branchStep: Int, cooldownSteps: Int) {
    self.requestedSamples = requestedSamples
    self.branchStep = branchStep
    self.cooldownSteps = cooldownSteps
  }
}
