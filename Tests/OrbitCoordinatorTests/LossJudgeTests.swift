import Testing

@testable import OrbitCoordinator

@Suite("When a trial that died with its worker again is a poison pill")
struct LossJudgeTests {
  /// A judge that has seen `runs` other runs end, `deaths` of them with their worker.
  func judge(trials: Int, runs: Int, deaths: Int) -> LossJudge {
    var j = LossJudge(minimumLosses: 5, trials: trials)
    for i in 0..<runs { j.runEnded(died: i < deaths) }
    return j
  }

  /// Adds one trial's own `losses` deaths to the judge's counts, as the coordinator does.
  func withOwnDeaths(_ j: LossJudge, _ losses: Int) -> LossJudge {
    var j = j
    for _ in 0..<losses { j.runEnded(died: true) }
    return j
  }

  @Test func onAHealthySweepFiveDeathsAreAPill() {
    let j = withOwnDeaths(judge(trials: 300, runs: 1000, deaths: 10), 5)
    #expect(j.isPoisonPill(losses: 5, ownRuns: 5))
    #expect(!j.isPoisonPill(losses: 4, ownRuns: 4), "never before the minimum")
  }

  @Test func underChurnFiveDeathsAreChanceAndTheThresholdRisesWithTheRate() {
    // A quarter of the other runs die (251 / 1005 = 0.2498 with the prior): 0.2498^k × 300 < 10⁻⁶
    // first at k = 15.
    let base = judge(trials: 300, runs: 1000, deaths: 250)
    #expect(!withOwnDeaths(base, 5).isPoisonPill(losses: 5, ownRuns: 5))
    #expect(!withOwnDeaths(base, 14).isPoisonPill(losses: 14, ownRuns: 14))
    #expect(withOwnDeaths(base, 15).isPoisonPill(losses: 15, ownRuns: 15))
  }

  @Test func theTrialsOwnDeathsDoNotCountAsChurn() {
    // Every run that ended is this trial's death: the others' rate is the prior's, 1 in 5, and
    // 0.2^k < 10⁻⁶ first at k = 9.
    let j = withOwnDeaths(judge(trials: 1, runs: 0, deaths: 0), 8)
    #expect(abs(j.backgroundRate(excludingLosses: 8, ownRuns: 8) - 1.0 / 5) < 1e-12)
    #expect(!j.isPoisonPill(losses: 8, ownRuns: 8))
    #expect(withOwnDeaths(j, 1).isPoisonPill(losses: 9, ownRuns: 9))
  }

  @Test func atFourTimesTheMinimumAPillIsLostWhateverTheChurn() {
    let storm = judge(trials: 300, runs: 1000, deaths: 990)
    #expect(!withOwnDeaths(storm, 19).isPoisonPill(losses: 19, ownRuns: 19))
    #expect(withOwnDeaths(storm, 20).isPoisonPill(losses: 20, ownRuns: 20))
  }
}
