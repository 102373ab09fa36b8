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

  @Test func tuneFitsTheEnvelopePickedByValidationAndRefusesTheTestMetric() throws {
    // lr = 0.1 has the lowest test loss but the worst validation loss at every n.
    var lines = ["n,lr,seed,val_loss,test_loss"]
    for n in [64, 128, 256, 512, 1024] {
      for lr in [0.001, 0.01, 0.1] {
        for seed in 0..<3 {
          let base = 5 * pow(Double(n), -0.4) * (1 + 0.01 * sin(Double(n + seed) * lr * 99))
          let (validation, test) =
            lr == 0.1 ? (3 * base, 0.5 * base) : lr == 0.01 ? (base, base) : (2 * base, 2 * base)
          lines.append("\(n),\(lr),\(seed),\(validation),\(test)")
        }
      }
    }
    let sandbox = try Sandbox()
    try sandbox.write("lr.csv", lines.joined(separator: "\n") + "\n")
    let tuned = try OrbitProcess.run(
      [
        "fit", "lr.csv", "--x", "n", "--y", "test_loss", "--tune", "lr", "--seed-column", "seed",
        "--bootstrap", "50",
      ],
      in: sandbox.path, timeout: 120)
    #expect(tuned.code == 0, "\(tuned.stderr)")
    #expect(tuned.stdout.contains("Tuned envelope over lr, each winner picked by val_loss"))
    #expect(tuned.stdout.contains("64: 0.01"), "\(tuned.stdout)")
    let byTest = try OrbitProcess.run(
      ["fit", "lr.csv", "--x", "n", "--y", "test_loss", "--tune", "lr", "--select", "test_loss"],
      in: sandbox.path)
    #expect(byTest.code == 64)
    #expect(byTest.stderr.contains("tunes on the test set"))
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
