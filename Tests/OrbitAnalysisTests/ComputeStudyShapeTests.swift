import Foundation
import Testing

@testable import OrbitAnalysis

/// The shape of a compute study: families of different architectures, each over its own size
/// parameter (an MLP's width, a convolution's channels), trials with several `wsd` points.
@Suite struct ComputeStudyShapeTests {
  /// L = E + A/N^α + B/D^β per family, the convolution worth `advantage`× parameters, paying
  /// `flopsPerParameter` FLOPs per parameter and sample.
  static func table() -> Table {
    var rows: [[String]] = []
    let points = [4096.0, 16384, 65536, 262144]
    for (family, sizes) in [("plain", [8.0, 16, 32, 64, 128]), ("conv", [4.0, 8, 16, 32, 64])] {
      for size in sizes {
        for seed in 0..<3 {
          for (point, d) in points.enumerated() {
            let n = family == "plain" ? 20 * size * size : 30 * size * size
            let effective = family == "plain" ? n : 8 * n
            let flops = (family == "plain" ? 6 : 96) * n * d
            let wobble = 1 + 0.01 * sin(size * 1.3 + d * 1e-3 + Double(seed) * 2.1)
            let loss = (0.02 + 40 * pow(effective, -0.5) + 300 * pow(d, -0.4)) * wobble
            let (width, channels) = family == "plain" ? (size, 16.0) : (64, size)
            rows.append([
              "ok", "\(seed)", family, "\(Int(width))", "\(Int(channels))", "\(point)", "\(n)",
              "\(d)", "\(flops)", "\(loss)",
            ])
          }
        }
      }
    }
    return Table(
      columns: [
        "status", "seed", "family", "model.width", "model.channels", "point", "n_params",
        "samples_seen", "flops", "test_loss",
      ], rows: rows)
  }

  static func settings() -> AnalysisSettings {
    var settings = AnalysisSettings(
      y: "test_loss", xs: ["model.width", "model.channels"], groupBy: ["family"],
      seedColumn: "seed")
    settings.bootstrap = 30
    settings.threads = 2
    return settings
  }

  @Test func alongASizeParameterEachPointsDataIsHeldApart() throws {
    let analysis = Analysis.run(table: Self.table(), settings: Self.settings())
    let onWidth = analysis.families.filter { $0.axis == "model.width" }
    // plain along width, one family per data scale; conv's width is constant (not fitted).
    #expect(onWidth.count == 4, "\(onWidth.map(\.group))")
    #expect(onWidth.allSatisfy { $0.group.contains("samples_seen=") }, "\(onWidth.map(\.group))")
    for family in onWidth {
      #expect(Set(family.x).count == 5 && family.x.count == 15, "one point per width and seed")
    }
  }

  @Test func aFamilyOnItsOwnAxisGetsAComputeMultiplierAgainstTheBaseline() throws {
    var settings = Self.settings()
    settings.baseline = "plain"
    let analysis = Analysis.run(table: Self.table(), settings: settings)
    #expect(analysis.frontiers.count == 2)
    let multiplier = try #require(
      analysis.computeMultipliers.first { $0.baseline == "plain" && $0.other == "conv" },
      "\(analysis.computeMultipliers.map { ($0.baseline, $0.other) })")
    #expect(!multiplier.points.isEmpty)
    // Without analysis.baseline, the frontier with the higher loss mid-range is the baseline.
    let inferred = Analysis.run(table: Self.table(), settings: Self.settings())
    #expect(
      inferred.computeMultipliers.map { Set([$0.baseline, $0.other]) } == [["plain", "conv"]])
  }
}
