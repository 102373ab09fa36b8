import Foundation
import Testing

@testable import OrbitCompute

/// Whole trials through the public entry point.
struct TrialTests {
  static func config(_ extra: [String: CoreValue] = [:]) throws -> CoreTrialConfig {
    var parameters: [String: CoreValue] = [
      "task.kind": .string("manifold"), "task.n_train": .int(512), "task.n_test": .int(512),
      "task.n_val": .int(256), "model.width": .int(32), "train.steps": .int(300),
      "train.batch": .int(64), "train.lr": .double(3e-3), "seed": .int(7),
    ]
    parameters.merge(extra) { _, new in new }
    return try CoreTrialConfig(parameters: parameters)
  }

  @Test func manifoldTrialLearnsAndReportsWhatAScalingLawNeeds() throws {
    var points: [CurvePoint] = []
    let report = runCoreTrial(
      try Self.config(), progress: { points.append($0) }, isCancelled: { false })
    #expect(report.status == .ok)
    let metrics = report.metrics
    // 32→32→32→1: (32·32+32) + (32·32+32) + (32+1).
    #expect(metrics["n_params"] == 2145)
    #expect(metrics["n_params_no_bias"] == 2080)
    #expect(metrics["samples_seen"] == 19_200)
    #expect(metrics["steps"] == 300)
    // The first layer has no input gradient: 4·in·out; the others 6·in·out per sample.
    let perSample: Double = 4 * 1024 + 6 * 1024 + 6 * 32
    #expect(metrics["flops"] == perSample * 64 * 300)
    // The target has unit variance; a trained student beats predicting the mean by far.
    #expect(metrics["test_loss"]! < 0.3)
    #expect(metrics["train_loss"]! < metrics["test_loss"]! * 1.5)
    #expect(points.count == report.curve.count)
    #expect(points.first!.testLoss > points.last!.testLoss)
    #expect(points.last!.step == 300)
    #expect(zip(points, points.dropFirst()).allSatisfy { $0.step < $1.step })
  }

  @Test func everyTrialReportsTheCPUTimeOfItsOwnThread() throws {
    let noop = try CoreTrialConfig(parameters: ["task.kind": .string("noop")])
    for config in [try Self.config(), noop] {
      let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
      let cpu = try #require(report.metrics["cpu_seconds"])
      let wall = try #require(report.metrics["wall_seconds"])
      #expect(cpu >= 0)
      // One thread cannot use more CPU time than wall time (slack: the two clocks' reads).
      #expect(cpu <= wall + 1e-3)
      if config.task.kind != .noop {
        // 300 steps of a 2k-parameter MLP take milliseconds of CPU, not nothing.
        #expect(cpu > 1e-3)
      }
    }
  }

  @Test func sameSeedGivesTheSameBitsAndAnotherSeedDoesNot() throws {
    let first = runCoreTrial(try Self.config(), progress: { _ in }, isCancelled: { false })
    let second = runCoreTrial(try Self.config(), progress: { _ in }, isCancelled: { false })
    let other = runCoreTrial(
      try Self.config(["seed": .int(8)]), progress: { _ in }, isCancelled: { false })
    #expect(first.metrics["test_loss"]!.bitPattern == second.metrics["test_loss"]!.bitPattern)
    #expect(first.curve == second.curve)
    #expect(first.metrics["test_loss"] != other.metrics["test_loss"])
  }

  @Test func noopReturnsAtOnceWithZeroTestLoss() throws {
    let config = try CoreTrialConfig(parameters: ["task.kind": .string("noop")])
    let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
    #expect(report.status == .ok)
    #expect(report.metrics["test_loss"] == 0)
    #expect(report.curve.isEmpty)
  }

  @Test func cancellationStopsBetweenSteps() throws {
    var polls = 0
    let report = runCoreTrial(
      try Self.config(), progress: { _ in },
      isCancelled: {
        polls += 1
        return polls > 10
      })
    #expect(report.status == .cancelled)
    #expect(report.metrics["steps"] == 10)
  }

  @Test func aHugeLearningRateDiverges() throws {
    let config = try Self.config(["train.lr": .double(1e12), "train.optimizer": .string("sgd")])
    let report = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
    #expect(report.status == .diverged)
    #expect(report.metrics["diverged_step"]! < 300)
    #expect(report.metrics["test_loss"] == nil)
  }
}

/// Trials running beside each other on other threads do not change a trial's bits.
struct ThreadDeterminismTests {
  @Test func aTrialAloneAndBesideAnotherGiveTheSameBits() async throws {
    let config = try TrialTests.config(["task.kind": .string("cyclic"), "train.steps": .int(150)])
    let other = try TrialTests.config(["model.width": .int(48), "seed": .int(99)])
    let alone = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
    async let first = Self.onThread(config)
    async let second = Self.onThread(other)
    async let third = Self.onThread(config)
    let (a, _, c) = await (first, second, third)
    for report in [a, c] {
      #expect(report.metrics["test_loss"]!.bitPattern == alone.metrics["test_loss"]!.bitPattern)
      #expect(report.curve == alone.curve)
    }
  }

  /// Runs a trial on a thread of its own, as the worker does.
  static func onThread(_ config: CoreTrialConfig) async -> CoreTrialReport {
    await withCheckedContinuation { continuation in
      let thread = Thread {
        continuation.resume(
          returning: runCoreTrial(config, progress: { _ in }, isCancelled: { false }))
      }
      thread.start()
    }
  }
}
