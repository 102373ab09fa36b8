import Foundation
import Testing

@testable import OrbitAnalysis

/// A hyperband sweep over widths: large models start slowly and are stopped, and a fit of the
/// survivors would be biased; the analysis says so (issue 23, item 3).
@Suite struct EarlyStoppingTests {
  /// width 64…1024 × 3 seeds; at 512 two of three were stopped, at 1024 all three.
  static func table() -> Table {
    var rows: [[String]] = []
    for width in [64, 128, 256, 512, 1024] {
      for seed in 0..<3 {
        let stopped = (width == 512 && seed < 2) || width == 1024
        let loss = 0.1 + 5 * pow(Double(width), -0.5) * (1 + 0.01 * Double(seed))
        rows.append([
          "t\(rows.count)", stopped ? "stopped" : "ok", "\(width)", "\(seed)",
          stopped ? "" : "\(loss)",
        ])
      }
    }
    return Table(columns: ["trial_id", "status", "width", "seed", "val_loss"], rows: rows)
  }

  @Test func stoppedScalesAreNamedInTheWarningsTheVerdictAndFitsJSON() throws {
    var settings = AnalysisSettings.inferred(
      from: Self.table(), y: "val_loss", parameters: ["width"])
    #expect(settings.xs == ["width"])
    settings.bootstrap = 50
    settings.earlyTermination = "hyperband"
    let analysis = Analysis.run(table: Self.table(), settings: settings)
    let family = try #require(analysis.families.first)
    #expect(family.x.count == 10, "the fit uses the 10 completed trials")
    #expect(
      family.stopped == [
        StoppedScale(group: "all", axis: "width", x: 512, stopped: 2, total: 3),
        StoppedScale(group: "all", axis: "width", x: 1024, stopped: 3, total: 3),
      ])
    #expect(
      analysis.warnings.contains {
        $0.contains(
          "early stopping removed trials at width = 512: 2 of 3 stopped; 1024: all 3 stopped (no point)"
        )
      })
    #expect(analysis.warnings.contains { $0.hasPrefix("early_terminate: hyperband stops") })
    #expect(
      analysis.verdictItems.contains {
        $0.contains("early stopping removed 1 scale point(s) and thinned others")
          && $0.contains("α is biased")
      })
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(analysis.fitsJSON().utf8)) as? [String: Any])
    let stopped = try #require(json["stopped"] as? [[String: Any]])
    #expect(stopped.count == 2)
    #expect(stopped.last?["missing"] as? Bool == true)
    #expect(json["early_terminate"] as? String == "hyperband")
    let families = try #require(json["families"] as? [[String: Any]])
    #expect((families.first?["stopped"] as? [Any])?.count == 2)
    #expect(analysis.summary().contains("early stopping"))
  }

  @Test func withoutStoppedTrialsOnlyTheRuleIsWarnedAbout() {
    let table = Table(
      columns: ["status", "width", "val_loss"],
      rows: [64, 128, 256, 512].map { ["ok", "\($0)", "\(pow(Double($0), -0.4))"] })
    var settings = AnalysisSettings(y: "val_loss", xs: ["width"])
    settings.bootstrap = 0
    #expect(Analysis.run(table: table, settings: settings).stopped.isEmpty)
    #expect(
      !Analysis.run(table: table, settings: settings).warnings.contains {
        $0.contains("early_terminate")
      })
    settings.earlyTermination = "hyperband"
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.warnings.contains { $0.contains("slow starters") })
    #expect(!analysis.verdictItems.contains { $0.contains("early stopping") })
  }
}
