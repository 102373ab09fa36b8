import Foundation
import OrbitTesting
import Testing

@testable import OrbitAnalysis

/// report.html as headless Chromium loads it (its DOM): one colour per family, legends on the
/// learning curves, the y-axis set by the data (issue 23, item 5).
@Suite(.serialized) struct ReportDOMTests {
  static let chromium = Chromium.path

  /// The DOM Chromium builds from `html`.
  static func dom(_ html: String) throws -> String { try Chromium.dom(html: html) }

  /// lr ∈ {0.001, 0.01, 0.1} as groups × width 64…1024 × 2 seeds, with learning curves.
  static func page(noisyFamily: Bool = false) -> String {
    var rows: [[String]] = []
    for lr in ["0.001", "0.01", "0.1"] {
      for width in [64.0, 128, 256, 512, 1024] {
        for seed in 0..<2 {
          var loss = 0.1 + 5 * pow(width, -0.5) * (lr == "0.01" ? 1 : 1.3)
          if noisyFamily && lr == "0.1" { loss *= seed == 0 ? 0.3 : 3 }
          rows.append(["ok", lr, "\(Int(width))", "\(seed)", "\(loss)"])
        }
      }
    }
    let table = Table(columns: ["status", "lr", "width", "seed", "val_loss"], rows: rows)
    var settings = AnalysisSettings(y: "val_loss", xs: ["width"], groupBy: ["lr"])
    settings.seedColumn = "seed"
    settings.bootstrap = 100
    let analysis = Analysis.run(table: table, settings: settings)
    var metadata = SweepMetadata(
      name: "dom", specText: "", countsByStatus: [:], workers: [], wallSeconds: 1, createdAt: "")
    metadata.curveMetric = "train_loss"
    for lr in ["0.001", "0.01", "0.1"] {
      for width in [64.0, 256, 1024] {
        metadata.curves.append(
          LearningCurve(
            family: lr, trial: "\(lr)-\(width)",
            points: (1...5).map { (Double($0 * 10), 1 / Double($0) + 1 / width) },
            scale: ("width", width)))
      }
    }
    return ReportHTML(analysis: analysis, metadata: metadata).page()
  }

  static func legend(_ svg: Substring) -> [(text: String, color: String)] {
    Chromium.legend(svg)
  }

  static func plot(_ dom: String, _ id: String) -> Substring? { Chromium.plot(dom, id) }

  @Test(.enabled(if: chromium != nil)) func eachFamilyHasOneColourAndCurvesHaveALegend() throws {
    let dom = try Self.dom(Self.page())
    let loss = try #require(Self.plot(dom, "loss-vs-width"))
    let families = Self.legend(loss).filter { $0.text.hasPrefix("lr = ") }
    #expect(families.map(\.text) == ["lr = 0.001", "lr = 0.01", "lr = 0.1"])
    #expect(Set(families.map(\.color)).count == 3, "one colour per family")
    // Every point of the plot is drawn in its family's legend colour.
    let fills = Set(
      loss.matches(of: #/class="point"[^>]*fill="(#[0-9A-Fa-f]{6})"/#).map { String($0.output.1) })
    #expect(fills == Set(families.map(\.color)))
    // Learning curves: a plot per family, its scales in the legend as a ramp of the family's
    // colour (the loss plot's), light to dark.
    for (i, family) in families.enumerated() {
      let curves = try #require(Self.plot(dom, "curves-\(i)"))
      let lines = Self.legend(curves)
      #expect(lines.map(\.text) == ["width = 64", "width = 256", "width = 1024"])
      #expect(Set(lines.map(\.color)).count == 3)
      #expect(lines[1].color == family.color, "the middle of the ramp is the family's colour")
    }
    // The legend by family above the curves: each family's name in its loss-plot colour.
    let legendByFamily = Chromium.curveFamilies(dom)
    #expect(legendByFamily.map(\.text) == families.map(\.text))
    #expect(legendByFamily.map(\.color) == families.map(\.color))
    #expect(!dom.contains("a band leaves the plot"))
  }

  @Test(.enabled(if: chromium != nil)) func aBandThatExplodesIsClippedAndSaidSo() throws {
    let dom = try Self.dom(Self.page(noisyFamily: true))
    let loss = try #require(Self.plot(dom, "loss-vs-width"))
    #expect(loss.contains("a band leaves the plot here (clipped)"))
    // Ticks stay within the data's decades (loss 0.03…1.5): no 10⁴ or 10⁶⁷ axis.
    #expect(!loss.contains("font-size=\"9\">4<") && !loss.contains("font-size=\"9\">67<"))
  }
}
