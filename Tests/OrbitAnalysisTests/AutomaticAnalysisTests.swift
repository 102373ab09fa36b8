import Foundation
import Testing

@testable import OrbitAnalysis

/// With no `analysis:` mapping: what is grouped, what is held, what is said.
@Suite struct AutomaticAnalysisTests {
  @Test func everySweptNonAxisParameterIsAGroupDottedOrNot() {
    // A command-runner sweep: parameters named without dots (width, depth, act).
    var rows: [[String]] = []
    for width in [16, 32, 64, 128] {
      for depth in [2, 3] {
        for act in ["relu", "tanh"] {
          let loss = Double(depth) * pow(Double(width), -0.5) * (act == "relu" ? 1 : 1.2)
          rows.append(["ok", "0", "\(width)", "\(depth)", act, "\(loss)", "cpu"])
        }
      }
    }
    let table = Table(
      columns: ["status", "seed", "width", "depth", "act", "test_loss", "device"], rows: rows)
    let known = AnalysisSettings.inferred(
      from: table, y: "test_loss", parameters: ["width", "depth", "act"])
    #expect(known.xs == ["width"])
    #expect(known.groupBy == ["depth", "act"])
    // A bare CSV knows no parameters: undotted numbers are not groups (they may be metrics).
    let bare = AnalysisSettings.inferred(from: table, y: "test_loss")
    #expect(!bare.groupBy.contains("depth"))
    var settings = known
    settings.bootstrap = 0
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(analysis.families.count == 4, "one family per (depth, act), never pooled")
    #expect(analysis.families.allSatisfy { $0.x.count == 4 })
  }

  /// model.width × task.n_train, one seed; n_params depends on width, flops on both.
  static func grid() -> Table {
    var rows: [[String]] = []
    for width in [16.0, 32, 64, 128] {
      for n in [256.0, 1024, 4096, 16384] {
        let params = 20 * width * width
        let loss = 2 * pow(params, -0.4) + 5 * pow(n, -0.3)
        rows.append([
          "ok", "0", "\(Int(width))", "\(Int(n))", "\(Int(params))", "\(6 * params * n)",
          "\(loss)",
        ])
      }
    }
    return Table(
      columns: ["status", "seed", "model.width", "task.n_train", "n_params", "flops", "test_loss"],
      rows: rows)
  }

  @Test func aMeasuredAxisIsFittedOnlyWithinFamilies() {
    var settings = AnalysisSettings.inferred(from: Self.grid(), y: "test_loss")
    #expect(Set(settings.xs) == ["model.width", "task.n_train", "n_params", "flops"])
    settings.bootstrap = 0
    let analysis = Analysis.run(table: Self.grid(), settings: settings)
    let onParams = analysis.families.filter { $0.axis == "n_params" }
    // n_params depends on the width only: the data axis is held, one family per n_train.
    #expect(onParams.count == 4)
    #expect(onParams.allSatisfy { $0.group.contains("@ task.n_train=") && $0.x.count == 4 })
    // flops depends on both: no pooled fit, and a warning that says why.
    #expect(!analysis.families.contains { $0.axis == "flops" })
    #expect(analysis.warnings.contains { $0.hasPrefix("flops varies with") })
  }

  @Test func aChinchillaAllocationBeyondTheMeasuredComputeIsMarked() throws {
    var n: [Double] = []
    var d: [Double] = []
    var y: [Double] = []
    for size in [1e5, 3e5, 1e6, 3e6] {
      for tokens in [1e6, 3e6, 1e7, 3e7] {
        n.append(size)
        d.append(tokens)
        y.append(1.5 + 400 * pow(size, -0.34) + 400 * pow(tokens, -0.28))
      }
    }
    var settings = AnalysisSettings(y: "loss", xs: [])
    settings.bootstrap = 0
    let fit = try ChinchillaFit.make(n: n, d: d, y: y, settings: settings)
    #expect(fit.measuredCompute == 6e11...(6 * 3e6 * 3e7))
    let lines = fit.summary(level: 0.95).split(separator: "\n").filter { $0.contains("at C =") }
    // The measured span's ends and middle, then 10× and 100× beyond it, marked.
    #expect(lines.count == 5)
    #expect(lines.prefix(3).allSatisfy { !$0.contains("extrapolated") })
    #expect(
      lines.suffix(2).allSatisfy { $0.contains("(extrapolated: measured C = 6e+11 … 5.4e+14)") })
  }

  @Test func aLocalSlopeOfTheWrongSignIsAWarningNotATableNumber() {
    // The loss rises from x = 64 to 128 (a diverged or under-trained point).
    let x: [Double] = [16, 32, 64, 128, 256]
    let loss = [0.5, 0.35, 0.25, 0.4, 0.12]
    let table = Table(
      columns: ["status", "model.width", "test_loss"],
      rows: zip(x, loss).map { ["ok", "\(Int($0))", "\($1)"] })
    var settings = AnalysisSettings(y: "test_loss", xs: ["model.width"])
    settings.bootstrap = 0
    let analysis = Analysis.run(table: table, settings: settings)
    #expect(
      analysis.warnings.contains {
        $0.contains("the loss rises with model.width between 64 and 128")
      })
    let page = ReportHTML(
      analysis: analysis,
      metadata: SweepMetadata(
        name: "s", specText: "", countsByStatus: [:], workers: [], wallSeconds: 0, createdAt: "")
    ).page()
    let slopes = ReportTables.slopes(analysis)
    #expect(slopes.contains("64→128: loss rises (see warnings)"))
    #expect(!slopes.contains("−0.") && !slopes.contains("-0."))
    #expect(page.contains("loss rises (see warnings)"))
  }
}
