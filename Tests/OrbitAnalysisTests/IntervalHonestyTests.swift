import Foundation
import Testing

@testable import OrbitAnalysis

/// Issue 23, items 3 and 5: no estimate outside its own interval, and a parameter at its bound
/// (E → 0) reported as one-sided, never as a zero-width interval.
@Suite struct IntervalHonestyTests {
  @Test func anIntervalThatMissesItsEstimateIsStretchedToItAndSaysSo() throws {
    let samples = (0..<100).map { 0.001 + 1e-5 * Double($0) }
    let inside = try #require(Interval.around(0.0015, samples: samples, level: 0.95))
    #expect(!inside.stretched && inside.contains(0.0015))
    // The "A 5231 [0.00064, 0.001061]".
    let outside = try #require(Interval.around(5231, samples: samples, level: 0.95))
    #expect(outside.stretched && outside.contains(5231) && outside.lower < 0.0011)
    let below = try #require(Interval.around(1e-9, samples: samples, level: 0.95))
    #expect(below.stretched && below.lower == 1e-9)
  }

  @Test func aParameterAtItsBoundGetsAOneSidedIntervalThatIsNeverZeroWide() throws {
    // The frontier: every refit at E = 1.5e-39.
    let collapsed = [Double](repeating: 1.5e-39, count: 1000)
    let e = try #require(
      Interval.nonNegative(1.5e-39, samples: collapsed, level: 0.95, negligible: 2e-7))
    #expect(e.bound == .upper && e.lower == 0 && e.upper == 2e-7)
    #expect(valueText(1.5e-39, e) == "< 2e-07")
    #expect(equation("E", 1.5e-39, e) == "E < 2e-07")
    // Half the refits at the bound, half spread above it: E < the 95 % quantile.
    let mixed = (0..<1000).map { $0 < 500 ? 1e-30 : 1e-3 * Double($0 - 500) / 500 }
    let half = try #require(
      Interval.nonNegative(2e-4, samples: mixed, level: 0.95, negligible: 1e-7))
    #expect(half.bound == .upper && half.lower == 0 && abs(half.upper - 9e-4) < 1e-5)
    // A floor well away from 0 keeps its two-sided interval.
    let floor = (0..<1000).map { 0.05 + 1e-5 * Double($0) }
    let clear = try #require(
      Interval.nonNegative(0.055, samples: floor, level: 0.95, negligible: 1e-7))
    #expect(clear.bound == nil && clear.lower > 0.05)
  }

  /// Every interval of both laws on random data sets contains its estimate, and none is a
  /// zero-width interval at a bound.
  @Test func noEstimateLiesOutsideItsIntervalOnRandomData() throws {
    var settings = AnalysisSettings(y: "loss", xs: ["x"])
    settings.bootstrap = 25
    settings.threads = 2
    var oneSided = 0
    for index in 0..<40 as Range<UInt64> {
      let law = SimulatedLaw.random(index)
      let d = law.data(index: index)
      let family = try FamilyFit.fit(
        group: "g", axis: "x", x: d.x, y: d.y, seeds: d.seeds, settings: settings)
      for fit in [family.withFloor, family.pure] {
        for (i, name) in fit.fit.law.parameterNames.enumerated() {
          let interval = fit.intervals[i]
          #expect(
            interval.contains(fit.fit.parameters[i]),
            "\(index): \(law): \(fit.fit.law) \(name) \(fit.fit.parameters[i]) \(interval)")
          if interval.bound != nil {
            oneSided += 1
            #expect(interval.upper > interval.lower, "\(index): \(name) \(interval)")
          }
        }
      }
    }
    // A third of the laws have no floor: some of their floors sit at the bound.
    #expect(oneSided > 0)
  }

  /// Comparisons too: Δα and every multiplier k inside their intervals, for a family on a floor,
  /// a steeper one and a shifted one against the plain one.
  @Test func comparisonsKeepTheirEstimatesInsideTheirIntervals() throws {
    let table = StudyData.trials([
      StudyData.plain, StudyData.augment, StudyData.floored, StudyData.steeper,
    ])
    var settings = StudyData.settings(table)
    settings.bootstrap = 40
    settings.threads = 2
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.comparisons.count == 3)
    for c in analysis.comparisons {
      let difference = try #require(c.exponentDifferenceInterval)
      #expect(difference.contains(c.exponentDifference), "\(c.subject): \(difference)")
      for m in c.multipliers where m.k.isFinite {
        #expect(m.interval?.contains(m.k) == true, "\(c.subject) at \(m.x): \(m.k) \(m.interval!)")
      }
    }
  }

  /// Chinchilla's law on a 5 × 5 sweep of N and D with no floor goes through the same guards: no
  /// worse than its sub-laws, E one-sided at its bound, every interval (a and b too) around its
  /// estimate.
  @Test func chinchillaWithoutAFloorGoesThroughTheSameGuards() throws {
    var rng = SplitMix64(seed: 5)
    var (n, d, y) = ([Double](), [Double](), [Double]())
    for i in 0..<5 {
      for j in 0..<5 {
        n.append(1e6 * pow(4, Double(i)))
        d.append(1e8 * pow(4, Double(j)))
        y.append(
          (400 * pow(n.last!, -0.34) + 2000 * pow(d.last!, -0.37)) * exp(0.01 * rng.normal()))
      }
    }
    var settings = AnalysisSettings(y: "loss", xs: [])
    settings.bootstrap = 20
    settings.threads = 2
    let law = try ChinchillaFit.make(n: n, d: d, y: y, settings: settings)
    let fit = law.result
    // (The tie-break may report any run within the tie tolerance of the lowest.)
    let sub = try #require(fit.fit.subModelObjective)
    #expect(fit.fit.objective <= sub * (1 + 2 * LawFitter.tieTolerance))
    for (i, name) in fit.fit.law.parameterNames.enumerated() {
      #expect(fit.intervals[i].contains(fit.fit.parameters[i]), "\(name) \(fit.intervals[i])")
    }
    let e = try #require(fit.interval("E"))
    #expect(e.bound == .upper && e.upper > e.lower, "\(e) \(fit.fit.parameters)")
    #expect(try #require(law.aInterval).contains(law.a))
    #expect(try #require(law.bInterval).contains(law.b))
    #expect(law.summary(level: 0.95).contains("E < "))
  }

  /// A compute frontier of a law with no floor: the "E = 1.5e-39 [1.5e-39, 1.5e-39]".
  static func frontierTable() -> Table {
    var rng = SplitMix64(seed: 23)
    var rows: [[String]] = []
    // Five model sizes per budget, the best near the compute-optimal one: the frontier is a
    // pure power law in C, L = 2e3·C^−0.2 (no floor).
    for k in 0..<10 {
      let c = 1e15 * pow(10, Double(k) / 2)
      for size in 0..<5 {
        let penalty = 1 + 0.05 * Double((size - 2) * (size - 2))
        let loss = 2e3 * pow(c, -0.2) * penalty * exp(0.01 * rng.normal())
        rows.append(["\(rows.count)", "ok", "\(c)", "\(size)", "\(loss)"])
      }
    }
    return Table(columns: ["trial_id", "status", "flops", "size", "test_loss"], rows: rows)
  }

  @Test func aFrontierWithoutAFloorSaysEIsAtItsBound() throws {
    var settings = AnalysisSettings(y: "test_loss", xs: ["flops"])
    settings.bootstrap = 200
    settings.threads = 2
    let analysis = Analysis.run(table: Self.frontierTable(), settings: settings)
    let frontier = try #require(analysis.frontiers.first)
    let fit = try #require(frontier.fit)
    let e = try #require(fit.interval("E"))
    #expect(e.bound == .upper && e.lower == 0 && e.upper > 0, "\(e)")
    #expect(e.contains(fit.fit.parameter("E")))
    #expect(fit.parametersAtBound == ["E"])
    // fits.json marks it; report.html and the terminal say "E < …".
    let json = analysis.fitsJSON()
    #expect(json.contains("\"bound\" : \"upper\""), "\(json)")
    #expect(ReportTables.frontiers(analysis).contains("&lt; \(format(e.upper))"))
    #expect(analysis.summary().contains("E < \(format(e.upper))"), "\(analysis.summary())")
  }
}
