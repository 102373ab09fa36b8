import Foundation
import Testing

@testable import OrbitAnalysis

/// `analysis.compare: COLUMN`: the values of one column are compared, only between families whose
/// other group columns all match, and each comparison says what it compares.
@Suite struct ComparisonColumnTests {
  /// The two-teacher table with the teacher as the first group column.
  static func settings(_ table: Table) -> AnalysisSettings {
    var settings = StudyData.settings(table)
    settings.groupBy = ["task.teacher_seed", "model.symmetry"]
    settings.bootstrap = 40
    return settings
  }

  @Test func compareColumnComparesWithinEachTeacherNeverAcross() throws {
    let table = ComparisonPairingTests.twoTeachers()
    var settings = Self.settings(table)
    settings.compareColumn = "model.symmetry"
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.comparisons.count == 2)
    for comparison in analysis.comparisons {
      // Labels join teacher / symmetry: the teacher part must match, the symmetry part differ.
      let baseline = comparison.baseline.components(separatedBy: " / ")
      let other = comparison.other.components(separatedBy: " / ")
      #expect(baseline[0] == other[0], "\(comparison.baseline) vs \(comparison.other)")
      #expect(baseline[1] != other[1])
    }
    #expect(
      analysis.comparisons.map(\.subject) == [
        "model.symmetry: augment vs none, at task.teacher_seed = 1",
        "model.symmetry: augment vs none, at task.teacher_seed = 2",
      ])
    #expect(analysis.comparisons[0].sentence.hasPrefix("model.symmetry: augment vs none, at"))
    #expect(!analysis.warnings.contains { $0.contains("several group columns") })
  }

  @Test func aBaselineValueIsHonouredAndSeveralColumnsWithoutCompareWarn() throws {
    let table = ComparisonPairingTests.twoTeachers()
    var settings = Self.settings(table)
    settings.compareColumn = "model.symmetry"
    settings.baseline = "augment"
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.comparisons.map(\.baseline) == ["1 / augment", "2 / augment"])
    // Without compare, the first group column (here the teacher) is compared, with a warning
    // that names it; still only between families with the same symmetry.
    settings.compareColumn = nil
    settings.baseline = nil
    let unnamed = Analysis.run(table: table, settings: settings)
    #expect(unnamed.warnings.contains { $0.contains("comparing the values of task.teacher_seed") })
    for comparison in unnamed.comparisons {
      #expect(comparison.subject.hasPrefix("task.teacher_seed: "))
      #expect(
        comparison.baseline.components(separatedBy: " / ")[1]
          == comparison.other.components(separatedBy: " / ")[1])
    }
  }

  @Test func eachFloorIsSaidOnceInTheVerdict() throws {
    // symmetrize (on a floor) is the baseline of two comparisons: its floor is said once.
    let table = StudyData.trials([StudyData.plain, StudyData.augment, StudyData.floored])
    var settings = StudyData.settings(table)
    settings.bootstrap = 40
    settings.compareColumn = "model.symmetry"
    settings.baseline = "symmetrize"
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.comparisons.count == 2)
    #expect(
      analysis.comparisons.allSatisfy { $0.floorNotes.contains { $0.hasPrefix("symmetrize") } })
    #expect(analysis.verdict.components(separatedBy: "symmetrize reached a floor").count == 2)
  }
}

@Suite struct LabelOrderTests {
  @Test func numericGroupValuesSortByValueNotAsText() {
    let widths = ["128", "256", "32", "512", "64"].sorted(by: labelPrecedes)
    #expect(widths == ["32", "64", "128", "256", "512"])
    let rates = ["0.01", "0.003", "0.1", "0.001"].sorted(by: labelPrecedes)
    #expect(rates == ["0.001", "0.003", "0.01", "0.1"])
    let held = ["none @ model.width=128", "augment @ model.width=64", "none @ model.width=64"]
      .sorted(by: labelPrecedes)
    #expect(
      held == ["augment @ model.width=64", "none @ model.width=64", "none @ model.width=128"])
  }

  @Test func familiesOfANumericGroupComeInNumericOrder() {
    var rows: [[String]] = []
    for width in [128, 256, 32, 512, 64] {
      for k in 6...10 {
        let n = pow(2, Double(k))
        rows.append([
          "ok", "\(width)", "\(Int(n))", "\(3 * pow(n, -0.3) * (1 + 8 / Double(width)))",
        ])
      }
    }
    let table = Table(columns: ["status", "model.width", "task.n_train", "test_loss"], rows: rows)
    var settings = AnalysisSettings(
      y: "test_loss", xs: ["task.n_train"], groupBy: ["model.width"])
    settings.bootstrap = 0
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.groups == ["32", "64", "128", "256", "512"])
    #expect(analysis.families.map(\.group) == ["32", "64", "128", "256", "512"])
  }
}
