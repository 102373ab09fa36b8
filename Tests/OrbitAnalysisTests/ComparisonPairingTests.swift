import Foundation
import Testing

@testable import OrbitAnalysis

/// With several grouping columns, a comparison must change one of them only: the structure
/// under study, never the teacher at the same time.
@Suite struct ComparisonPairingTests {
  /// The symmetry study on two teachers; teacher 2's target is 3× harder, so its plain MLP has
  /// the highest loss of all families.
  static func twoTeachers() -> Table {
    let teacher1 = StudyData.trials([StudyData.plain, StudyData.augment])
    let teacher2 = StudyData.trials([
      StudyData.Family(symmetry: "none") { 4.5 * pow($0, -0.32) },
      StudyData.Family(symmetry: "augment") { 4.5 * pow(16 * $0, -0.32) },
    ])
    let columns = teacher1.columns + ["task.teacher_seed"]
    let rows = teacher1.rows.map { $0 + ["1"] } + teacher2.rows.map { $0 + ["2"] }
    return Table(columns: columns, rows: rows)
  }

  @Test func familiesArePairedWithinEachTeacherOnly() throws {
    let table = Self.twoTeachers()
    var settings = StudyData.settings(table)
    #expect(settings.groupBy == ["model.symmetry", "task.teacher_seed"])
    settings.bootstrap = 50
    let analysis = Analysis.run(table: table, settings: settings)
    let pairs = analysis.comparisons.map { "\($0.baseline) → \($0.other)" }
    #expect(pairs == ["none / 1 → augment / 1", "none / 2 → augment / 2"])
    for comparison in analysis.comparisons {
      for m in comparison.multipliers where !m.extrapolated {
        #expect(m.k > 11 && m.k < 22, "\(comparison.other): k = \(m.k) at n = \(m.x)")
      }
    }
  }

  @Test func slicesShareEveryGroupingColumnButTheFirstAndTheHeldParameters() {
    let groups = [
      "augment / 1 @ model.width=64", "none / 1 @ model.width=64", "none / 2 @ model.width=64",
      "none / 1 @ model.width=128", "augment / 1 @ model.width=128",
      "symmetrize / 2 @ model.width=64",
    ]
    let slices = Analysis.comparisonSlices(
      groups, groupBy: ["model.symmetry", "task.teacher_seed"])
    #expect(
      slices == [
        ["none / 1 @ model.width=128", "augment / 1 @ model.width=128"],
        ["augment / 1 @ model.width=64", "none / 1 @ model.width=64"],
        ["none / 2 @ model.width=64", "symmetrize / 2 @ model.width=64"],
      ])
    #expect(Analysis.comparisonSlices(["a", "b"], groupBy: ["model.kind"]) == [["a", "b"]])
  }
}
