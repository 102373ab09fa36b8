import Foundation
import OrbitTesting
import Testing

/// `orbit fit` through the built binary: a known power law recovered, and its exit codes.
@Suite("orbit fit on CSV files")
struct FitCommandTests {
  /// L = 0.1 + 5·n^−0.4 with 1 % multiplicative noise, two groups, three seeds, and one gross
  /// outlier per group that the Huber loss must resist.
  static func syntheticCSV() -> String {
    var lines = ["n,loss,g,seed"]
    var i = 0.0
    for g in ["a", "b"] {
      for n in [64, 128, 256, 512, 1024, 2048, 4096, 8192] {
        for seed in 0..<3 {
          // Deterministic noise in ±1 %.
          i += 1
          let noise = 1 + 0.01 * sin(i * 12.9898)
          var loss = (0.1 + 5 * pow(Double(n), -0.4)) * noise
          if n == 1024 && seed == 0 { loss *= 3 }
          lines.append("\(n),\(loss),\(g),\(seed)")
        }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  @Test func recoversAKnownPowerLawPerGroup() throws {
    let sandbox = try Sandbox()
    try sandbox.write("pl.csv", Self.syntheticCSV())
    let result = try OrbitProcess.run(
      [
        "fit", "pl.csv", "--law", "powerlaw", "--x", "n", "--y", "loss", "--group", "g",
        "--bootstrap", "0", "--json", "fits.json",
      ],
      in: sandbox.path, timeout: 120)
    #expect(result.code == 0, "\(result.stderr)")
    #expect(result.stdout.contains("alpha"))
    let json = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: "\(sandbox.path)/fits.json"))) as? [String: Any]
    )
    let families = try #require(json["families"] as? [[String: Any]])
    #expect(families.count == 2)
    for family in families {
      let fit = try #require(family["with_floor"] as? [String: Any])
      let parameters = try #require(fit["parameters"] as? [String: [String: Any]])
      let alpha = try #require(parameters["alpha"]?["value"] as? Double)
      let a = try #require(parameters["A"]?["value"] as? Double)
      let e = try #require(parameters["E"]?["value"] as? Double)
      #expect(abs(alpha - 0.4) < 0.03, "alpha \(alpha)")
      #expect(abs(a - 5) / 5 < 0.15, "A \(a)")
      #expect(abs(e - 0.1) < 0.02, "E \(e)")
    }
  }

  @Test func badInputsExitWithTheirCodes() throws {
    let sandbox = try Sandbox()
    try sandbox.write("pl.csv", Self.syntheticCSV())
    let missingColumn = try OrbitProcess.run(
      ["fit", "pl.csv", "--x", "nope", "--y", "loss"], in: sandbox.path)
    #expect(missingColumn.code == 65)
    #expect(missingColumn.stderr.contains("nope"))
    let missingFile = try OrbitProcess.run(
      ["fit", "none.csv", "--x", "n", "--y", "loss"], in: sandbox.path)
    #expect(missingFile.code == 66)
    let badLaw = try OrbitProcess.run(
      ["fit", "pl.csv", "--law", "cubic", "--x", "n", "--y", "loss"], in: sandbox.path)
    #expect(badLaw.code == 64)
  }
}
