import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct GridAxesTests {
  /// task.d ∈ {2, 4, 6} × model.width ∈ {16, 64, 256} × task.n_train ∈ 64…4096, one seed.
  static func table() -> Table {
    var rows: [[String]] = []
    for d in [2, 4, 6] {
      for width in [16.0, 64, 256] {
        for k in 6...12 {
          let n = pow(2, Double(k))
          let loss = 0.5 * pow(width, -0.3) + Double(d) * pow(n, -4 / Double(d + 8))
          rows.append([
            "t\(rows.count)", "ok", "\(d)", "\(Int(width))", "\(Int(n))", "0", "\(loss)",
          ])
        }
      }
    }
    return Table(
      columns: [
        "trial_id", "status", "task.d", "model.width", "task.n_train", "seed", "test_loss",
      ],
      rows: rows)
  }

  @Test func closeNumericValuesGroupAndOtherSweptAxesAreHeldFixed() throws {
    let table = Self.table()
    var settings = AnalysisSettings.inferred(from: table, y: "test_loss")
    #expect(settings.xs == ["task.n_train", "model.width"])
    #expect(settings.groupBy == ["task.d"])
    settings.bootstrap = 0
    let analysis = Analysis.run(table: table, settings: settings)
    let onN = analysis.families.filter { $0.axis == "task.n_train" }
    #expect(onN.count == 9)
    #expect(onN.allSatisfy { $0.x.count == 7 })
    #expect(onN.contains { $0.group == "4 @ model.width=64" })
    // Comparisons stay within one width: 3 widths × 2 pairs against each baseline.
    #expect(analysis.comparisons.count == 6)
    for c in analysis.comparisons {
      #expect(c.baseline.split(separator: "@").last == c.other.split(separator: "@").last)
    }
  }
}
