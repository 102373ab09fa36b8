import ArgumentParser
import Foundation
import OrbitCompute

/// Issue 24, item 2: a width × 3-length study from one `wsd` trunk per width and seed (a
/// cooldown branch at each length), against the same points as separate cosine runs.
struct WSDCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wsd",
    abstract: "FLOPs, wall and CPU time of cooldown branches against separate cosine runs to the "
      + "same points, and whether their losses agree within the seed spread.")

  @Option(parsing: .upToNextOption, help: "Student widths (MLP, 2 hidden layers).")
  var widths: [Int] = [64, 256]
  /// Evenly spaced lengths, as the paper's comparison (Hägele et al. 2024, Fig. 5, `flops.ipynb`):
  /// branches at 1/3, 2/3 and 1 of the trunk. Steps of batch 128: 512, 1,024 and 1,536.
  @Option(parsing: .upToNextOption, help: "Branch points in samples (train.cooldowns).")
  var cooldowns: [Int] = [65_536, 131_072, 196_608]
  @Option(parsing: .upToNextOption, help: "Seeds (each a repetition of the study).")
  var seeds: [Int] = [0, 1, 2]
  @Option(help: "Cooldown length as a fraction of its branch point.") var fraction = 0.2
  @Option(help: "Cooldown shape: linear or 1-sqrt.") var shape = "1-sqrt"
  /// One rate favours one schedule (a constant trunk wants a lower peak than a cosine), so each
  /// schedule is run at every rate and compared at its own best, chosen by validation loss.
  @Option(
    parsing: .upToNextOption,
    help: "Peak learning rates (Adam); each schedule's best per width and point by validation loss."
  )
  var lr: [Double] = [1e-3]
  @Option(help: "Warm-up steps, the same for both schedules.") var warmup = 50
  @Option(help: "Task: manifold (d = 4 in D = 32) or cyclic (L = 16).") var task = "manifold"
  @Option(help: "Label-noise standard deviation of the training targets (task.noise).")
  var noise = 0.0

  /// A fresh-sample task (the manifold's d = 4 in D = 32 or the cyclic L = 16, defaults), so a
  /// point's D is samples seen, never epochs over a finite set.
  func settings(width: Int, seed: Int, lr: Double) -> [String: CoreValue] {
    [
      "task.kind": .string(task), "task.fresh": .bool(true), "task.n_val": .int(1024),
      "task.n_test": .int(4096), "model.width": .int(width), "model.depth": .int(2),
      "train.batch": .int(128), "train.lr": .double(lr), "train.warmup": .int(warmup),
      "train.curve_points": .int(0), "task.noise": .double(noise), "seed": .int(seed),
    ]
  }

  struct Cost {
    var flops = 0.0
    var wall = 0.0
    var cpu = 0.0

    static func + (a: Cost, b: Cost) -> Cost {
      Cost(flops: a.flops + b.flops, wall: a.wall + b.wall, cpu: a.cpu + b.cpu)
    }
  }

  func run() throws {
    OpenBLASCore.pinToOneThread()
    print(coreTypeLine())
    print(
      "task \(task), noise \(noise), cooldowns \(cooldowns) samples, fraction \(fraction), \(shape), lr \(lr), warm-up "
        + "\(warmup) steps, batch 128, widths \(widths), seeds \(seeds)")
    // One-time costs (OpenBLAS's buffers, first page faults) go to a run that is not measured,
    // or they would fall on whichever schedule runs first.
    for width in widths {
      var warm = settings(width: width, seed: 999, lr: lr[0])
      warm["train.steps"] = .int(200)
      _ = runCoreTrial(
        try CoreTrialConfig(parameters: warm), progress: { _ in }, isCancelled: { false })
    }
    // Costs per (rate, seed); losses by schedule, rate and width: [seed][point] (val, test).
    var ratios: [(flops: Double, wall: Double, cpu: Double)] = []
    var wsdLoss: [Key: [[Loss]]] = [:]
    var cosineLoss: [Key: [[Loss]]] = [:]
    var samples: [Int] = []
    for rate in lr {
      for seed in seeds {
        var trunks = Cost()
        var separate = Cost()
        for width in widths {
          var wsd = settings(width: width, seed: seed, lr: rate)
          wsd["train.schedule"] = .string("wsd")
          wsd["train.cooldowns"] = .list(cooldowns.map { .int($0) })
          wsd["train.cooldown_fraction"] = .double(fraction)
          wsd["train.cooldown_shape"] = .string(shape)
          let report = runCoreTrial(
            try CoreTrialConfig(parameters: wsd), progress: { _ in }, isCancelled: { false })
          guard report.status == .ok, report.points.count == cooldowns.count else {
            throw ValidationError("wsd width \(width) seed \(seed): \(report.status)")
          }
          let m = report.metrics
          trunks =
            trunks
            + Cost(
              flops: m["flops"]! + m["branch_flops"]!, wall: m["wall_seconds"]!,
              cpu: m["cpu_seconds"]!)
          samples = report.points.map(\.samplesSeen)
          var losses: [Loss] = []
          var cosine: [Loss] = []
          for point in report.points {
            // The same point as its own run: warm-up, cosine to 0 over the point's steps.
            var run = settings(width: width, seed: seed, lr: rate)
            run["train.schedule"] = .string("cosine")
            run["train.steps"] = .int(point.steps)
            let alone = runCoreTrial(
              try CoreTrialConfig(parameters: run), progress: { _ in }, isCancelled: { false })
            let a = alone.metrics
            guard alone.status == .ok, a["samples_seen"] == Double(point.samplesSeen) else {
              throw ValidationError("cosine width \(width) seed \(seed): \(alone.status)")
            }
            separate =
              separate
              + Cost(flops: a["flops"]!, wall: a["wall_seconds"]!, cpu: a["cpu_seconds"]!)
            losses.append(Loss(val: point.valLoss, test: point.testLoss))
            cosine.append(Loss(val: a["val_loss"]!, test: a["test_loss"]!))
          }
          let key = Key(rate: rate, width: width)
          wsdLoss[key, default: []].append(losses)
          cosineLoss[key, default: []].append(cosine)
          print(
            "lr \(rate) seed \(seed) width \(width): wsd test "
              + losses.map { String(format: "%.5f", $0.test) }.joined(separator: " ")
              + " · cosine " + cosine.map { String(format: "%.5f", $0.test) }.joined(separator: " ")
          )
        }
        let ratio = (
          flops: trunks.flops / separate.flops, wall: trunks.wall / separate.wall,
          cpu: trunks.cpu / separate.cpu
        )
        ratios.append(ratio)
        print(
          String(
            format:
              "lr %g seed %d: branches / separate cosine runs: FLOPs %.4f, wall %.3f (%.2f s / "
              + "%.2f s), CPU %.3f", rate, seed, ratio.flops, ratio.wall, trunks.wall,
            separate.wall, ratio.cpu))
      }
    }
    print(
      String(
        format: "median of %d: FLOPs %.4f, wall %.3f, CPU %.3f (target ≤ 0.65; paper 0.57–0.60)",
        ratios.count, Stopwatch.median(ratios.map(\.flops)), Stopwatch.median(ratios.map(\.wall)),
        Stopwatch.median(ratios.map(\.cpu))))
    print(
      "test loss by point at each schedule's best rate (by mean validation loss), mean ± seed sd "
        + "over \(seeds.count) seeds:")
    var agreeing = 0
    for width in widths {
      for (index, d) in samples.enumerated() {
        func best(_ table: [Key: [[Loss]]]) -> (rate: Double, test: [Double]) {
          let rate = lr.min { a, b in
            Self.mean(table[Key(rate: a, width: width)]!.map { $0[index].val })
              < Self.mean(table[Key(rate: b, width: width)]!.map { $0[index].val })
          }!
          return (rate, table[Key(rate: rate, width: width)]!.map { $0[index].test })
        }
        let (wRate, w) = best(wsdLoss)
        let (cRate, c) = best(cosineLoss)
        let spread = max(Self.sd(w), Self.sd(c))
        let difference = Self.mean(w) - Self.mean(c)
        let within = abs(difference) <= spread
        if within { agreeing += 1 }
        print(
          String(
            format: "  width %4d D %7d: wsd %.5f ± %.5f (lr %g), cosine %.5f ± %.5f (lr %g); "
              + "Δ %+.5f (%+.1f %%) → ", width, d, Self.mean(w), Self.sd(w), wRate, Self.mean(c),
            Self.sd(c), cRate, difference, 100 * difference / Self.mean(c))
            + (within ? "within the seed spread" : "OUTSIDE the spread"))
      }
    }
    print("\(agreeing) of \(widths.count * samples.count) points agree within the seed spread")
  }

  /// A schedule's run at one rate and width.
  struct Key: Hashable {
    var rate: Double
    var width: Int
  }

  /// A point's validation loss (what chooses the rate) and test loss (what is compared).
  struct Loss {
    var val: Double
    var test: Double
  }

  static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

  /// Sample standard deviation (n − 1).
  static func sd(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let m = mean(values)
    return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1))
      .squareRoot()
  }
}
