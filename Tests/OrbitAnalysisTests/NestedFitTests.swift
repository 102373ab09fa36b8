import Foundation
import Testing

@testable import OrbitAnalysis

/// Issue 23, item 2: a law never reports a worse objective than a law it contains. The floor
/// law starts from the pure law's optimum (E → 0), Chinchilla from each law with a term fewer,
/// and a fit that still ends worse is refused by the fitter.
@Suite struct NestedFitTests {
  /// Hoffmann et al.'s raw-unit grid, which the fitter used before issue 23.
  static var hoffmannStarts: [[Double]] {
    var starts: [[Double]] = []
    for a in stride(from: 0.0, through: 25, by: 5) {
      for e in stride(from: -1.0, through: 1, by: 0.5) {
        for alpha in stride(from: 0.0, through: 2, by: 0.5) { starts.append([a, alpha, e]) }
      }
    }
    return starts
  }

  @Test func theFloorLawIsNeverWorseThanThePureLawOnRandomData() throws {
    for index in 0..<60 as Range<UInt64> {
      let law = SimulatedLaw.random(index)
      let d = law.data(index: index)
      var floor = LawFitter(law: .powerLaw)
      floor.threads = 2
      var pure = LawFitter(law: .powerLawNoFloor)
      pure.threads = 2
      let withFloor = try floor.fit(x: d.x, y: d.y)
      let without = try pure.fit(x: d.x, y: d.y)
      #expect(
        withFloor.objective <= without.objective * (1 + 2 * LawFitter.tieTolerance),
        "\(index): \(law): \(withFloor.objective) vs \(without.objective)")
      // The sub-law the fitter compared against is the pure law's own fit.
      let sub = try #require(withFloor.subModelObjective)
      #expect(abs(sub - without.objective) <= 1e-9 * without.objective, "\(index): \(law)")
    }
  }

  /// The defect, kept reproducible: raw units, Hoffmann's grid and no start from the
  /// pure law give α < 0 and an objective several times the pure law's; the fitter refuses it.
  @Test func theOldSearchEndsWorseThanThePureLawAndIsRefused() throws {
    let d = SimulatedLaw.dataFraction.data(index: SimulatedLaw.failedDraw)
    var old = LawFitter(law: .powerLaw)
    old.normalises = false
    old.startsFromSubModels = false
    old.starts = Self.hoffmannStarts
    let objective = try old.makeObjective(x: d.x, y: d.y)
    let fit = old.fit(objective)
    let pure = try LawFitter(law: .powerLawNoFloor).fit(x: d.x, y: d.y)
    #expect(fit.parameter("alpha") < 0)
    #expect(fit.objective > 3 * pure.objective)
    // (Raw and normalised units round differently: the same optimum to 1e-6.)
    #expect(abs(try #require(fit.subModelObjective) - pure.objective) <= 1e-6 * pure.objective)
    let error = try #require(throws: AnalysisError.self) { try old.guardedFit(objective) }
    #expect(error.code == .fitFailed)
    #expect(error.message.contains("worse than"), "\(error.message)")
    // The pure law's optimum as a start alone makes it no worse than the pure law (here: the
    // pure law, E vanished; the grid is what misses the floor law's optimum)…
    var nested = old
    nested.startsFromSubModels = true
    let floorless = try nested.guardedFit(try nested.makeObjective(x: d.x, y: d.y))
    #expect(floorless.objective <= pure.objective * (1 + 1e-6))
    // …and normalised units alone find the law the data were drawn from.
    var normalised = old
    normalised.normalises = true
    let right = try normalised.guardedFit(try normalised.makeObjective(x: d.x, y: d.y))
    #expect(right.objective < pure.objective / 5)
    #expect(abs(right.parameter("alpha") - 0.5) < 0.03, "\(right.parameters)")
  }

  @Test func aNonFiniteFitIsRefused() throws {
    let d = SimulatedLaw.dataFraction.data()
    let fitter = LawFitter(law: .powerLaw)
    var fit = try fitter.fit(x: d.x, y: d.y)
    fit.objective = .nan
    #expect(throws: AnalysisError.self) { try LawFitter.check(fit) }
  }

  @Test func chinchillaIsNeverWorseThanTheLawsItContains() throws {
    let (objective, fit) = TestData.chinchillaFit
    let sub = try #require(fit.subModelObjective)
    let tolerance = 1 + 2 * LawFitter.tieTolerance
    #expect(fit.objective <= sub * tolerance)
    // Its three sub-laws: without E, along N alone, along D alone; each embedded start is the
    // sub-law's optimum with the dropped term vanished, so the full objective there is theirs.
    #expect(fit.subModelStarts.count == 3)
    var gradient = [Double](repeating: 0, count: 5)
    for start in fit.subModelStarts {
      let value = objective.value(
        at: objective.normalisation.normalised(start), gradient: &gradient)
      #expect(fit.objective <= value * tolerance)
    }
    try LawFitter.check(fit)
  }
}
