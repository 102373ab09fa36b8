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
  @Option(help: "Peak learning rate (Adam), the same for both schedules.") var lr = 1e-3
  @Option(help: "Warm-up steps, the same for both schedules.") var warmup = 50
  @Option(help: "Task: manifold (d = 4 in D = 32) or cyclic (L = 16).") var task = "manifold"
  @Option(help: "Label-noise standard deviation of the training targets (task.noise).")
  var noise = 0.0

  /// A fresh-sample task (the manifold's d = 4 in D = 32 or the cyclic L = 16, defaults), so a
  /// point's D is samples seen, never epochs over a finite set.
  func settings(width: Int, seed: Int) -> [String: CoreValue] {
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
      var warm = settings(width: width, seed: 999)
      warm["train.steps"] = .int(200)
      _ = runCoreTrial(
        try CoreTrialConfig(parameters: warm), progress: { _ in }, isCancelled: { false })
    }
    // [width][seed] → (branches' cost, separate runs' cost); [width][length] → losses by seed.
    var ratios: [(flops: Double, wall: Double, cpu: Double)] = []
    var wsdLoss: [Int: [[Double]]] = [:]
    var cosineLoss: [Int: [[Double]]] = [:]
    var samples: [Int] = []
    for seed in seeds {
      var trunks = Cost()
      var separate = Cost()
      for width in widths {
        var wsd = settings(width: width, seed: seed)
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
        var losses: [Double] = []
        var cosine: [Double] = []
        for point in report.points {
          // The same point as its own run: warm-up, cosine to 0 over the point's steps.
          var run = settings(width: width, seed: seed)
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
          losses.append(point.testLoss)
          cosine.append(a["test_loss"]!)
        }
        wsdLoss[width, default: []].append(losses)
        cosineLoss[width, default: []].append(cosine)
        print(
          "seed \(seed) width \(width): wsd test "
            + losses.map { String(format: "%.5f", $0) }.joined(separator: " ") + " · cosine "
            + cosine.map { String(format: "%.5f", $0) }.joined(separator: " "))
      }
      let ratio = (
        flops: trunks.flops / separate.flops, wall: trunks.wall / separate.wall,
        cpu: trunks.cpu / separate.cpu
      )
      ratios.append(ratio)
      print(
        String(
          format:
            "seed %d: branches / separate cosine runs: FLOPs %.4f, wall %.3f (%.2f s / %.2f s), "
            + "CPU %.3f", seed, ratio.flops, ratio.wall, trunks.wall, separate.wall, ratio.cpu))
    }
    print(
      String(
        format: "median of %d: FLOPs %.4f, wall %.3f, CPU %.3f (target ≤ 0.65; paper 0.57–0.60)",
        ratios.count, Stopwatch.median(ratios.map(\.flops)), Stopwatch.median(ratios.map(\.wall)),
        Stopwatch.median(ratios.map(\.cpu))))
    print("test loss by point, mean ± seed sd over \(seeds.count) seeds:")
    for width in widths {
      for (index, d) in samples.enumerated() {
        let w = wsdLoss[width]!.map { $0[index] }
        let c = cosineLoss[width]!.map { $0[index] }
        let spread = max(Self.sd(w), Self.sd(c))
        let paired = zip(w, c).map { $0 - $1 }
        let difference = Self.mean(w) - Self.mean(c)
        let verdict = abs(difference) <= spread ? "within the seed spread" : "OUTSIDE the spread"
        print(
          String(
            format: "  width %4d D %7d: wsd %.5f ± %.5f, cosine %.5f ± %.5f; Δ %+.5f (paired sd "
              + "%.5f) → ", width, d, Self.mean(w), Self.sd(w), Self.mean(c), Self.sd(c),
            difference, Self.sd(paired)) + verdict)
      }
    }
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
