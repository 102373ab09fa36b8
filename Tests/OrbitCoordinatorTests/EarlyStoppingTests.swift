import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitCoordinator

@Suite("Early stopping: histories, hyperband, target")
struct EarlyStoppingTests {
  static func point(_ trial: TrialID, step: Int, _ metrics: String, attempt: Int = 1)
    -> TrialProgress
  {
    TrialProgress(trialID: trial, index: 0, attempt: attempt, step: step, metricsJSON: metrics)
  }

  @Test func aHistoryKeepsFiniteValuesAtRisingStepsAndRestartsWithANewAttempt() {
    var stopping = EarlyStopping(
      metric: Metric(name: "acc", goal: .maximize), termination: EarlyTermination(minIter: 2))
    let t: TrialID = "t"
    stopping.note(Self.point(t, step: 1, #"{"acc":0.5}"#), attempt: 1, worker: "w")
    #expect(stopping.changed)
    stopping.note(Self.point(t, step: 1, #"{"acc":0.6}"#), attempt: 1, worker: "w")  // same step
    stopping.note(Self.point(t, step: 2, #"{"acc":"NaN"}"#), attempt: 1, worker: "w")
    stopping.note(Self.point(t, step: 3, #"{"loss":1}"#), attempt: 1, worker: "w")
    #expect(stopping.histories[t]?.values == [-0.5])  // maximised: negated
    stopping.note(Self.point(t, step: 1, #"{"acc":0.7}"#, attempt: 2), attempt: 2, worker: "v")
    #expect(stopping.histories[t] == .init(attempt: 2, values: [-0.7], lastStep: 1, worker: "v"))
    // Data points (negative steps) replace the curve from the first one on.
    stopping.note(Self.point(t, step: -1, #"{"acc":0.8}"#, attempt: 2), attempt: 2, worker: "v")
    stopping.note(Self.point(t, step: 5, #"{"acc":0.9}"#, attempt: 2), attempt: 2, worker: "v")
    #expect(stopping.histories[t]?.values == [-0.8])
    #expect(stopping.histories[t]?.onPoints == true)
  }

  @Test func judgingClearsTheChangeAndALaggardIsStopped() {
    var stopping = EarlyStopping(
      metric: Metric(name: "loss", goal: .minimize),
      termination: EarlyTermination(minIter: 2, eta: 2))
    let trials: [TrialID] = ["a", "b", "c", "d"]
    for (i, t) in trials.enumerated() {
      for step in 1...2 {
        stopping.note(
          Self.point(t, step: step, #"{"loss":\#(Double(i + 1) * Double(step))}"#), attempt: 1,
          worker: "w\(i)")
      }
    }
    let stops = stopping.judge(running: trials.sorted())
    #expect(!stopping.changed)
    #expect(stops.contains("d"))
    #expect(!stops.contains("a"))
    stopping.askedToStop("d", attempt: 1)
    #expect(stopping.wasAskedToStop("d", attempt: 1))
    #expect(!stopping.wasAskedToStop("d", attempt: 2))
    stopping.forgetStop("d")
    #expect(stopping.askedStops.isEmpty)
  }

  @Test func theTargetIsReachedOnceByAnOkResult() {
    var stopping = EarlyStopping(
      metric: Metric(name: "acc", goal: .maximize, target: 0.9), termination: nil)
    func outcome(_ acc: Double, _ status: TrialStatus = .ok) -> TrialOutcome {
      TrialOutcome(
        trialID: "t", index: 0, attempt: 1, status: status, metricsJSON: #"{"acc":\#(acc)}"#)
    }
    #expect(stopping.reachesTarget(outcome(0.95, .failed)) == nil)
    #expect(stopping.reachesTarget(outcome(0.5)) == nil)
    #expect(stopping.reachesTarget(outcome(0.95))?.target == 0.9)
    #expect(stopping.targetReached)
    #expect(stopping.reachesTarget(outcome(0.99)) == nil)  // once
  }
}
