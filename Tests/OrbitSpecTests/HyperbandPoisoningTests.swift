import Testing

@testable import OrbitSpec

@Suite("Hyperband's thresholds under a poisoning peer")
struct HyperbandPoisoningTests {
  /// 12 honest trials on two workers, losses falling at different rates, 6 values each.
  static func honest() -> (histories: [String: [Double]], sources: [String: String]) {
    var histories: [String: [Double]] = [:]
    var sources: [String: String] = [:]
    for i in 0..<12 {
      let rate = 0.05 + 0.02 * Double(i)
      histories["h\(i)"] = (1...6).map { step in 1 + 2 * (1 - rate) * 1 / Double(step) + rate }
      sources["h\(i)"] = i % 2 == 0 ? "node-a" : "node-b"
    }
    return (histories, sources)
  }

  @Test func aPeerReportingImpossibleLossesForItsLeasesChangesNoHonestDecision() {
    let termination = EarlyTermination(minIter: 2)
    let (histories, sources) = Self.honest()
    let running = histories.keys.sorted()
    let clean = termination.trialsToStop(histories: histories, running: running, sources: sources)
    #expect(!clean.isEmpty, "the honest sweep stops some trials by itself")
    // A peer holding 8 leases reports loss = -1000 for each of them at every step.
    var poisoned = histories
    var poisonedSources = sources
    for k in 0..<8 {
      poisoned["evil\(k)"] = Array(repeating: -1000, count: 6)
      poisonedSources["evil\(k)"] = "evil"
    }
    let withAttack = termination.trialsToStop(
      histories: poisoned, running: running, sources: poisonedSources)
    #expect(Set(withAttack) == Set(clean))
    // wandb's rule without sources: the attack stops every honest trial.
    let naive = termination.trialsToStop(histories: poisoned, running: running)
    #expect(Set(naive) == Set(running))
  }

  @Test func oneWorkersOwnTrialsStillJudgeEachOther() {
    // `orbit run --workers 1`: every history comes from one source, the trial's own, and the
    // rule is wandb's.
    let termination = EarlyTermination(minIter: 2)
    let (histories, _) = Self.honest()
    let one = Dictionary(uniqueKeysWithValues: histories.keys.map { ($0, "local-1") })
    let running = histories.keys.sorted()
    #expect(
      Set(termination.trialsToStop(histories: histories, running: running, sources: one))
        == Set(termination.trialsToStop(histories: histories, running: running)))
  }
}
