// SearchBench: Orbit's Bayesian search engines (issue 27) on known functions.
//
//   cd bench && swift run -c release SearchBench regret [--seeds 20] [--workers 1,4,16]
//   cd bench && swift run -c release SearchBench latency [--repeat 20]
//   cd bench && swift run -c release SearchBench trace [--problem hartmann6] [--seed 1]
//
// regret: simple regret (best value so far − the known minimum) after 25, 50 and 100 results,
// median and inter-quartile range over seeds, per problem × workers × engine; `--jsonl FILE`
// also writes one line per (problem, workers, engine, seed) for bench/bayes/table.py, which puts
// the peers of bench/bayes/peers.py (wandb's engine from PyPI `sweeps`, Optuna TPE) beside them.
// latency: time to the next suggestion with 100, 1,000 and 10,000 results in the history.
import ArgumentParser
import Foundation
import OrbitSearch

@main
struct SearchBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    subcommands: [RegretBench.self, LatencyBench.self, TraceBench.self],
    defaultSubcommand: RegretBench.self)
}

func quantile(_ values: [Double], _ q: Double) -> Double {
  let sorted = values.sorted()
  let position = q * Double(sorted.count - 1)
  let low = Int(position.rounded(.down))
  let high = min(low + 1, sorted.count - 1)
  return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
}

struct RegretBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "regret", abstract: "Simple regret after 25/50/100 results over seeds.")

  @Option(help: "Seeds per cell.") var seeds = 20
  @Option(help: "First seed.") var firstSeed = 0
  @Option(help: "Parallel workers, comma-separated.") var workers = "1,4,16"
  @Option(help: "Engines, comma-separated (random, wandb, orbit).") var engines =
    "random,wandb,orbit"
  @Option(help: "Problems, comma-separated (branin, hartmann6, lr-width-warmup).")
  var problems = "branin,hartmann6,lr-width-warmup"
  @Option(help: "Results per sweep.") var budget = 100
  @Option(help: "Also write one JSON line per sweep here.") var jsonl: String?
  @Option(help: "Orbit engine: mean of the log length-scale prior (default: the engine's).")
  var priorMean: Double?
  @Option(help: "Orbit engine: sd of the log length-scale prior.") var priorSD = 1.0
  @Option(help: "Orbit engine: largest length scale.") var maxLengthScale = 100.0
  @Option(help: "Orbit engine: scored runs before the model (default: d + 1 within 2…8).")
  var initialDesign: Int?

  func run() throws {
    let budgets = [25, 50, 100].filter { $0 <= budget }
    let workerCounts = workers.split(separator: ",").map { Int($0)! }
    let kinds = engines.split(separator: ",").map { EngineKind(rawValue: String($0))! }
    let chosen = problems.split(separator: ",").map { name in
      Problem.all.first { $0.name == name }!
    }
    var out = jsonl.map { _ in "" }
    print(
      "problem | workers | engine | "
        + budgets.map { "regret@\($0) median [IQR]" }.joined(separator: " | ") + " | s/sweep")
    for problem in chosen {
      for w in workerCounts {
        for kind in kinds {
          var regrets = Array(repeating: [Double](), count: budgets.count)
          let start = Date()
          for seed in firstSeed..<(firstSeed + seeds) {
            var settings = OrbitEngine.Settings()
            if let priorMean { settings.lengthScalePrior = .init(mean: priorMean, sd: priorSD) }
            settings.maxLengthScale = maxLengthScale
            settings.initialDesign = initialDesign
            let values = simulate(
              problem: problem, engine: kind, workers: w, budget: budget, seed: Int64(seed),
              settings: settings)
            var line: [String] = []
            for (i, b) in budgets.enumerated() {
              let r = values.prefix(b).min()! - problem.minimum
              regrets[i].append(r)
              line.append("\(r)")
            }
            out?.append(
              #"{"problem":"\#(problem.name)","workers":\#(w),"engine":"\#(kind.rawValue)","seed":\#(seed),"regret":{"#
                + zip(budgets, line).map { #""\#($0)":\#($1)"# }.joined(separator: ",") + "}}\n")
          }
          let seconds = Date().timeIntervalSince(start) / Double(seeds)
          let cells = regrets.map {
            String(
              format: "%.4g [%.3g, %.3g]", quantile($0, 0.5), quantile($0, 0.25), quantile($0, 0.75)
            )
          }
          print(
            "\(problem.name) | \(w) | \(kind.rawValue) | " + cells.joined(separator: " | ")
              + String(format: " | %.2f", seconds))
          if let jsonl, let text = out {
            try text.write(toFile: jsonl, atomically: true, encoding: .utf8)
          }
        }
      }
    }
  }
}

/// CPU seconds of the calling thread: on a shared machine, what a suggestion costs whatever
/// else runs (wall time there measures the neighbours as much as the engine).
func threadCPUSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

struct LatencyBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "latency", abstract: "Time to the next suggestion with n results.")

  @Option(help: "Suggestions timed per size (median and p99 reported).") var `repeat` = 20
  @Option(help: "History sizes, comma-separated.") var sizes = "100,1000,10000"
  @Option(help: "Pending runs in flight.") var pending = 16

  func run() {
    let problem = Problem.hartmann6
    print("engine | results | pending | wall median ms | wall p99 ms | CPU median ms | CPU p99 ms")
    for size in sizes.split(separator: ",").map({ Int($0)! }) {
      var random = SearchRandom(seed: 42)
      var history: [Observation] = []
      for _ in 0..<size {
        let p = problem.space.point((0..<6).map { _ in random.nextUnit() })
        history.append(Observation(point: p, outcome: .finished(problem.evaluate(p))))
      }
      let flying = (0..<pending).map { _ in
        problem.space.point((0..<6).map { _ in random.nextUnit() })
      }
      for kind in [EngineKind.wandb, .orbit] {
        var times: [Double] = []
        var cpu: [Double] = []
        var orbit = OrbitEngine(space: problem.space, objective: Objective(), seed: 1)
        var wandb = WandbEngine(space: problem.space, objective: Objective())
        for r in 0..<`repeat` {
          var stream = SearchRandom(seed: Int64(r))
          let cpuStart = threadCPUSeconds()
          let start = DispatchTime.now().uptimeNanoseconds
          switch kind {
          case .orbit: _ = orbit.suggest(history: history, pending: flying, random: &stream)
          default: _ = wandb.suggest(history: history, pending: flying, random: &stream)
          }
          times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
          cpu.append((threadCPUSeconds() - cpuStart) * 1e3)
        }
        print(
          String(
            format: "%@ | %d | %d | %.1f | %.1f | %.1f | %.1f", kind.rawValue, size, pending,
            quantile(times, 0.5), quantile(times, 0.99), quantile(cpu, 0.5), quantile(cpu, 0.99)))
      }
    }
  }
}

/// One sweep, step by step (1 worker): what the orbit engine suggested, its value and fitted
/// kernel; how the length-scale prior was chosen (RESULTS.md).
struct TraceBench: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "trace")
  @Option var problem = "hartmann6"
  @Option var seed = 0
  @Option var budget = 60

  func run() {
    let problem = Problem.all.first { $0.name == self.problem }!
    var engine = OrbitEngine(space: problem.space, objective: Objective(), seed: Int64(seed))
    var random = SearchRandom(seed: Int64(seed), stream: 1)
    var history: [Observation] = []
    var best = Double.infinity
    for step in 0..<budget {
      let s = engine.suggest(history: history, pending: [], random: &random)!
      let v = problem.evaluate(s.point)
      best = min(best, v)
      history.append(Observation(point: s.point, outcome: .finished(v)))
      let fit =
        engine.lastFit.map { f in
          "ℓ " + f.lengthScales.map { String(format: "%.3g", $0) }.joined(separator: " ")
            + String(format: " σf² %.3g σn² %.3g", f.amplitude, f.noise)
        } ?? ""
      print(
        String(
          format: "%3d %@ v %.4f best %.4f acq %.3g ", step, s.source.rawValue, v, best,
          s.acquisition ?? .nan) + fit)
    }
  }
}
