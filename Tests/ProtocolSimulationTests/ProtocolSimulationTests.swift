import Foundation
import OrbitSimulation
import Testing

@Suite("The whole protocol on virtual time, under seeded random faults")
struct ProtocolSimulationTests {
  /// Seeds run in the suite; `ORBIT_SIM_SEEDS` runs more, `ORBIT_SIM_SEED` replays one.
  static var seeds: [UInt64] {
    let env = ProcessInfo.processInfo.environment
    if let one = env["ORBIT_SIM_SEED"].flatMap(UInt64.init) { return [one] }
    let count = env["ORBIT_SIM_SEEDS"].flatMap(Int.init) ?? 1000
    return (0..<UInt64(count)).map { $0 }
  }

  @Test func everyScheduleEndsWithEachTrialRecordedOnceWithItsParameters() {
    var failures: [String] = []
    var faults = 0
    for seed in Self.seeds {
      do {
        let report = try ProtocolSimulation.run(seed: seed)
        faults += report.kills + report.hangs + report.partitions + report.coordinatorCrashes
      } catch {
        failures.append(error.description)
        if failures.count >= 5 { break }
      }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    // The schedules did inject faults: a simulation without any would prove nothing.
    #expect(faults > Self.seeds.count)
  }

  @Test func underHeavyChurnPoisonPillsAreLostAndNoHonestTrialIs() {
    // Workers are killed five times as often as in the default schedule (about one death per
    // four honest runs), and trials 3 and 17 kill every worker that runs them.
    var config = ProtocolSimulation.Configuration()
    config.killChance = 0.02
    config.poisonPills = [3, 17]
    var failures: [String] = []
    var lost = 0
    for seed in Self.seeds.prefix(200) {
      do {
        lost += try ProtocolSimulation.run(seed: seed, config: config).lost
      } catch {
        failures.append(error.description)
        if failures.count >= 5 { break }
      }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    #expect(lost == 2 * min(200, Self.seeds.count))
  }

  @Test func aSeedReplaysExactly() throws {
    let a = try ProtocolSimulation.run(seed: 42)
    let b = try ProtocolSimulation.run(seed: 42)
    #expect(a.virtualSeconds == b.virtualSeconds)
    #expect(a.messages == b.messages)
    #expect(a.trialRuns == b.trialRuns)
  }
}
