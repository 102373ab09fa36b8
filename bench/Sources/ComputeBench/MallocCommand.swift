import ArgumentParser
import Foundation
import OrbitCompute

/// Counts `malloc` calls in the training loop, through bench/reference/malloc_count.so preloaded.
struct MallocCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mallocs",
    abstract: "Mallocs per training step (run with LD_PRELOAD=bench/reference/malloc_count.so).")

  typealias Counter = @convention(c) () -> UInt64

  func run() throws {
    // RTLD_DEFAULT is ((void *) 0) on glibc: search every loaded object.
    guard let symbol = dlsym(nil, "orbit_malloc_count") else {
      throw ValidationError(
        "orbit_malloc_count not found: run with LD_PRELOAD=$PWD/reference/malloc_count.so "
          + "(build it with reference/build.sh)")
    }
    let count = unsafeBitCast(symbol, to: Counter.self)
    OpenBLASCore.pinToOneThread()
    for (name, model, batch) in [
      ("B1 W=256", StepBenchmark.Model.mlp(inputs: 32, width: 256, hiddenLayers: 3), 128),
      ("B3 C=16", .circularConvolution(length: 64, channels: 16, kernel: 5, convLayers: 3), 128),
    ] {
      let step = StepBenchmark(model: model, batch: batch)
      for _ in 0..<5 { step.step() }
      let before = count()
      for _ in 0..<1000 { step.step() }
      let after = count()  // before the print, whose string interpolation allocates
      print("\(name): \(after - before) mallocs in 1,000 training steps")
    }
    // Whole trials: the loop's allocations would grow with the step count; setup's do not.
    for kind in ["manifold", "cyclic", "permutation"] {
      var counts: [Int: UInt64] = [:]
      // The first run pays one-time costs (lazy statics, OpenBLAS buffers); count the next two.
      for steps in [20, 200, 2000, 20_000] {
        var settings = TrialCommand.settings(steps: steps, width: 64, seed: 1)
        settings["task.kind"] = .string(kind)
        settings["task.n_train"] = .int(1024)
        settings["train.curve_points"] = .int(10)
        settings["train.eval_every"] = .int(100)
        if kind != "manifold" { settings["model.symmetry"] = .string("augment") }
        let config = try CoreTrialConfig(parameters: settings)
        let before = count()
        _ = runCoreTrial(config, progress: { _ in }, isCancelled: { false })
        counts[steps] = count() - before
      }
      print(
        "\(kind) trial (\(kind == "manifold" ? "" : "augment, ")eval every 100, 10 curve points): "
          + "\(counts[200]!) mallocs at 200 steps, \(counts[2000]!) at 2,000, "
          + "\(counts[20_000]!) at 20,000 steps")
    }
  }
}
