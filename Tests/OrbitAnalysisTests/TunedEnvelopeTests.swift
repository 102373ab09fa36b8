import Foundation
import Testing

@testable import OrbitAnalysis

@Suite struct TunedEnvelopeTests {
  /// A width × lr × seed sweep; `loss(width, lr, seed)` gives (validation, test).
  static func sweep(
    widths: [Double], lrs: [Double], seeds: Int,
    loss: (Double, Double, Int) -> (validation: Double, test: Double)
  ) -> Table {
    var rows: [[String]] = []
    for width in widths {
      for lr in lrs {
        for seed in 0..<seeds {
          let (validation, test) = loss(width, lr, seed)
          rows.append(["ok", "\(seed)", "\(Int(width))", "\(lr)", "\(validation)", "\(test)"])
        }
      }
    }
    return Table(
      columns: ["status", "seed", "model.width", "train.lr", "val_loss", "test_loss"], rows: rows)
  }

  static func settings(bootstrap: Int = 200) -> AnalysisSettings {
    var settings = AnalysisSettings(
      y: "test_loss", xs: ["model.width"], groupBy: [], seedColumn: "seed")
    settings.tune = ["train.lr"]
    settings.bootstrap = bootstrap
    settings.threads = 2
    return settings
  }

  /// A fixed ±2 % multiplicative wobble per (width, lr, seed), the same in both metrics.
  static func wobble(_ width: Double, _ lr: Double, _ seed: Int) -> Double {
    1 + 0.02 * sin(width * 1.3 + lr * 977 + Double(seed) * 2.1)
  }

  @Test func envelopePicksByValidationNotTest() throws {
    // lr = 0.1 has the lowest *test* loss at every width but the worst validation loss: a
    // selection by test loss would fit A ≈ 1; by validation, lr = 0.01 and A ≈ 2.
    let table = Self.sweep(widths: [16, 32, 64, 128, 256, 512], lrs: [0.001, 0.01, 0.1], seeds: 3) {
      width, lr, seed in
      let base = 2 * pow(width, -0.5) * Self.wobble(width, lr, seed)
      switch lr {
      case 0.1: return (3 * base, 0.5 * base)
      case 0.01: return (base, base)
      default: return (1.5 * base, 1.5 * base)
      }
    }
    let analysis = Analysis.run(table: table, settings: Self.settings())
    let family = try #require(analysis.families.first)
    let tuned = try #require(family.tuned)
    #expect(tuned.optima.map(\.setting) == Array(repeating: "0.01", count: 6))
    #expect(tuned.optima.allSatisfy { $0.seedWinners == ["0.01": 3] })
    #expect(family.x.count == 6 * 3, "one envelope point per width and seed")
    let a = family.pure.fit.parameter("A")
    #expect(abs(a - 2) / 2 < 0.05, "A = \(a): fitted the lr picked by test loss")
    #expect(abs(family.pure.fit.parameter("alpha") - 0.5) < 0.02)
    #expect(family.pure.scheme == .pointsWithinScale)
    #expect(!analysis.settings.groupBy.contains("train.lr"))
  }

  @Test func computeViewsAreMadeFromEachConfigurationsWinnerByValidation() throws {
    // A width × lr × seed sweep of wsd trials, four points each: L = E + A/N^α + B/D^β at the
    // good lr; lr = 0.1 has the lowest test loss but the worst validation loss. The Chinchilla
    // fit and the frontier must see the lr picked by validation, each seed and point its own.
    let (e, a, alpha, b, beta) = (0.05, 40.0, 0.5, 300.0, 0.4)
    var rows: [[String]] = []
    for width in [8.0, 16, 32, 64, 128] {
      let n = 20 * width * width
      for lr in [0.001, 0.01, 0.1] {
        for seed in 0..<3 {
          for (point, d) in [4096.0, 16384, 65536, 262144].enumerated() {
            let law = e + a * pow(n, -alpha) + b * pow(d, -beta)
            let wobble = 1 + 0.01 * sin(width * 1.7 + d * 1e-3 + Double(seed) * 2.3)
            let (validation, test): (Double, Double) =
              switch lr {
              case 0.1: (3 * law, 0.7 * law)
              case 0.01: (law * wobble, law * wobble)
              default: (1.5 * law, 1.5 * law)
              }
            rows.append([
              "ok", "\(seed)", "\(Int(width))", "\(lr)", "\(point)", "\(n)", "\(d)",
              "\(6 * n * d)", "\(validation)", "\(test)",
            ])
          }
        }
      }
    }
    let table = Table(
      columns: [
        "status", "seed", "model.width", "train.lr", "point", "n_params", "samples_seen",
        "flops", "val_loss", "test_loss",
      ], rows: rows)
    let kept = Analysis.tunedWinners(
      ok: table, validation: table.numbers("val_loss"), settings: Self.settings())
    #expect(kept.count == 5 * 3 * 4, "one row per width, seed and point")
    #expect(kept.allSatisfy { table.rows[$0][3] == "0.01" })
    let analysis = Analysis.run(table: table, settings: Self.settings())
    let fit = try #require(analysis.chinchilla["all"], "\(analysis.warnings)")
    #expect(abs(fit.result.fit.parameter("alpha") - alpha) < 0.05)
    #expect(abs(fit.result.fit.parameter("beta") - beta) < 0.05)
    let frontier = try #require(analysis.frontiers.first)
    // The frontier's lowest loss is the good lr's (the test-loss pick would be 0.7 of it).
    let lowest = try #require(frontier.loss.min())
    let truth = e + a * pow(20 * 128 * 128, -alpha) + b * pow(262144, -beta)
    #expect(lowest > 0.95 * truth, "frontier \(lowest) against the law's \(truth)")
  }

  @Test func bootstrapResamplesTheChoice() throws {
    // lr 0.003 and 0.01 are within the seed noise of each other, so a resample of the trials
    // can pick the other; lr 0.03 is far worse and never wins.
    let close = Self.sweep(widths: [16, 32, 64, 128, 256], lrs: [0.003, 0.01, 0.03], seeds: 3) {
      width, lr, seed in
      let base = 2 * pow(width, -0.5) * Self.wobble(width, lr, seed)
      let factor = lr == 0.03 ? 1.5 : lr == 0.01 ? 1.004 : 1
      return (factor * base, factor * base * (lr == 0.01 ? 1.1 : 1))
    }
    let analysis = Analysis.run(table: close, settings: Self.settings())
    let family = try #require(analysis.families.first)
    let tuned = try #require(family.tuned)
    #expect(tuned.choiceChanged > 0, "no resample re-picked a different winner")
    #expect(tuned.optima.contains { $0.seedWinners.count > 1 }, "the seeds chose differently")
    let alpha = try #require(family.pure.interval("alpha"))
    #expect(alpha.upper > alpha.lower)
    #expect(family.pure.distinctResamples > 1)

    // With a clear winner, resampling the trials never changes the choice.
    let clear = Self.sweep(widths: [16, 32, 64, 128, 256], lrs: [0.003, 0.01, 0.03], seeds: 3) {
      width, lr, seed in
      let base = 2 * pow(width, -0.5) * Self.wobble(width, lr, seed)
      return (lr == 0.01 ? base : 1.5 * base, lr == 0.01 ? base : 1.5 * base)
    }
    let clearFamily = try #require(
      Analysis.run(table: clear, settings: Self.settings()).families.first)
    #expect(clearFamily.tuned?.choiceChanged == 0)
  }

  @Test func driftFitRecoversAKnownExponent() throws {
    // lr*(w) = 0.05·(w/16)^−0.5, validation quadratic in log(lr / lr*): γ = 0.5.
    let lrs = (0..<14).map { 0.001 * pow(2, Double($0) / 2) }
    let table = Self.sweep(widths: [16, 32, 64, 128, 256, 512], lrs: lrs, seeds: 3) {
      width, lr, seed in
      // Each seed's optimum a few per cent off the law's, so resamples of the seeds move it.
      let best = 0.05 * pow(width / 16, -0.5) * exp(0.05 * (Double(seed) - 1))
      let penalty = 1 + 0.3 * pow(log(lr / best), 2)
      let loss = 2 * pow(width, -0.5) * penalty * (1 + 0.01 * Double(seed))
      return (loss, loss)
    }
    var settings = Self.settings()
    settings.y = "test_loss"
    let analysis = Analysis.run(table: table, settings: settings)
    let drift = try #require(analysis.families.first?.tuned?.drift)
    #expect(abs(drift.gamma - 0.5) < 0.02, "γ = \(drift.gamma)")
    #expect(drift.gammaInterval?.contains(0.5) == true)
    #expect(drift.gammaInterval?.contains(drift.gamma) == true)
    #expect(drift.drifts)
    #expect(!drift.boundedByGrid)
    #expect(abs(drift.coefficient * pow(16, -drift.gamma) - 0.05) / 0.05 < 0.05)
    #expect(analysis.verdict.contains("train.lr* ∝ model.width^−γ"))
  }

  @Test func aDriftTheResamplesNeverMoveHasNoZeroWidthInterval() throws {
    // Every scale's winner is a clear edge of the grid (0.01 for narrow, 0.001 for wide
    // students), so every resample picks the same settings: γ has no spread to measure.
    let table = Self.sweep(widths: [16, 32, 64, 128, 256], lrs: [0.001, 0.003, 0.01], seeds: 3) {
      width, lr, seed in
      let best = width < 64 ? 0.01 : 0.001
      let loss = 2 * pow(width, -0.5) * (lr == best ? 1 : 1.5) * Self.wobble(width, lr, seed)
      return (loss, loss)
    }
    let analysis = Analysis.run(table: table, settings: Self.settings())
    let drift = try #require(analysis.families.first?.tuned?.drift)
    #expect(drift.gamma > 0)
    #expect(drift.gammaInterval == nil, "zero-width: \(String(describing: drift.gammaInterval))")
    #expect(drift.unresolvedByGrid)
    #expect(!drift.drifts)
    #expect(analysis.verdict.contains("too coarse to give γ an interval"), "\(analysis.verdict)")
  }

  @Test func selectionByTheFittedLossOrAMissingMetricIsRefused() {
    let table = Self.sweep(widths: [16, 32, 64, 128], lrs: [0.01, 0.1], seeds: 2) { w, _, _ in
      (pow(w, -0.5), pow(w, -0.5))
    }
    var byTest = Self.settings(bootstrap: 0)
    byTest.select = "test_loss"
    let refused = Analysis.run(table: table, settings: byTest)
    #expect(refused.families.isEmpty)
    #expect(refused.warnings.contains { $0.contains("tune on the test set") })
    var missing = Self.settings(bootstrap: 0)
    missing.select = "valid_loss"
    let absent = Analysis.run(table: table, settings: missing)
    #expect(absent.families.isEmpty)
    #expect(absent.warnings.contains { $0.contains("analysis.select = valid_loss") })
  }
}
