// FitBench: Orbit's Chinchilla fit against scipy's L-BFGS-B on the same work, same machine
// (the default subcommand), and the coverage of the bootstrap intervals (issue 15).
//
//   cd bench && swift run -c release FitBench [--resamples 1000] [--repeat 3] [--no-scipy]
//   cd bench && swift run -c release FitBench coverage [--datasets 200] [--resamples 400]
//   cd bench && swift run -c release FitBench compute [--datasets 200] [--resamples 200]
//
// Work: the 4,500-start grid fit of Epoch's 240 Chinchilla points, then 1,000 bootstrap refits
// started at the optimum, on 1 thread and on 2; scipy's run of the same work is
// bench/reference/fit_scipy.py (one core). Prints medians of the repeats and the ratios.
import ArgumentParser
import Foundation
import OrbitAnalysis

#if canImport(Glibc)
  import Glibc
#endif

/// CPU seconds used by this process so far (all threads).
func processCPUSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
  let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
  return user + system
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Wall and CPU seconds of one run of `body`.
func measure<T>(_ body: () -> T) -> (wall: Double, cpu: Double, value: T) {
  let cpu0 = processCPUSeconds()
  let wall0 = Date()
  let value = body()
  return (Date().timeIntervalSince(wall0), processCPUSeconds() - cpu0, value)
}

@main
struct FitBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    subcommands: [ChinchillaBench.self, CoverageBench.self, ComputeCoverageBench.self],
    defaultSubcommand: ChinchillaBench.self)
}

struct ChinchillaBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "chinchilla", abstract: "Orbit's Chinchilla fit and bootstrap against scipy's.")

  @Option(help: "Bootstrap resamples.") var resamples = 1000
  @Option(help: "Repeats (medians are reported).") var `repeat` = 3
  @Option(help: "The Chinchilla CSV (Epoch's points).")
  var data = "../Tests/OrbitAnalysisTests/data/chinchilla-epoch-2024.csv"
  @Flag(help: "Skip the scipy reference run.") var noScipy = false

  func points() throws -> (n: [Double], d: [Double], loss: [Double]) {
    let table = try Table.parseCSV(String(contentsOfFile: data, encoding: .utf8))
    let n = table.numbers("Model Size").map { $0! }
    let c = table.numbers("Training FLOP").map { $0! }
    let loss = table.numbers("loss").map { $0! }
    let kept = loss.indices.sorted { loss[$0] > loss[$1] }.dropFirst(5).sorted()
    return (kept.map { n[$0] }, kept.map { c[$0] / (6 * n[$0]) }, kept.map { loss[$0] })
  }

  func run() throws {
    let p = try points()
    print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(p.n.count) points")
    var results: [Int: (grid: Double, gridWall: Double, boot: Double, bootWall: Double)] = [:]
    for threads in [1, 2] {
      var fitter = LawFitter(law: .chinchilla)
      fitter.threads = threads
      let objective = try fitter.makeObjective(x: p.n, secondX: p.d, y: p.loss)
      var grid: [(wall: Double, cpu: Double)] = []
      var boot: [(wall: Double, cpu: Double)] = []
      var fit: LawFit?
      for _ in 0..<self.repeat {
        let g = measure { fitter.fit(objective) }
        grid.append((g.wall, g.cpu))
        fit = g.value
        var bootstrap = Bootstrap()
        bootstrap.resamples = resamples
        bootstrap.threads = threads
        let b = measure { bootstrap.run(fitter: fitter, objective: objective, fit: g.value) }
        boot.append((b.wall, b.cpu))
        if threads == 1 && boot.count == 1 {
          let names = g.value.law.parameterNames
          print(
            "objective \(g.value.objective); "
              + names.indices.map { "\(names[$0]) \(g.value.parameters[$0])" }.joined(
                separator: ", ") + "; starts at optimum \(g.value.startsAtOptimum)/4500")
          print(
            "bootstrap 95 %: "
              + names.indices.map {
                "\(names[$0]) [\(b.value.intervals[$0].lower), \(b.value.intervals[$0].upper)]"
              }.joined(separator: ", "))
        }
      }
      _ = fit
      let r = (
        median(grid.map(\.cpu)), median(grid.map(\.wall)), median(boot.map(\.cpu)),
        median(boot.map(\.wall))
      )
      results[threads] = r
      print(
        String(
          format:
            "orbit, %d thread(s): grid %.3f CPU s (%.3f s wall), bootstrap %.3f CPU s (%.3f s wall)"
            + "  [medians of %d: grid wall %@; bootstrap wall %@]",
          threads, r.0, r.1, r.2, r.3, self.repeat,
          grid.map { String(format: "%.3f", $0.wall) }.joined(separator: " "),
          boot.map { String(format: "%.3f", $0.wall) }.joined(separator: " ")))
    }
    let one = results[1]!
    let two = results[2]!
    print(
      String(
        format: "speed-up on 2 threads (wall): grid %.2f×, bootstrap %.2f×",
        one.gridWall / two.gridWall,
        one.bootWall / two.bootWall))
    guard !noScipy else { return }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", "reference/fit_scipy.py", "--data", data, "--resamples", "\(resamples)",
      "--repeat", "\(self.repeat)",
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard
      let scipy = try JSONSerialization.jsonObject(with: output) as? [String: Any],
      let gridCPU = scipy["grid_cpu_median"] as? Double,
      let bootCPU = scipy["bootstrap_cpu_median"] as? Double
    else {
      print("scipy reference failed: \(String(decoding: output, as: UTF8.self))")
      throw ExitCode(1)
    }
    print("scipy: \(String(decoding: output, as: UTF8.self))")
    print(
      String(
        format:
          "scipy %@ (1 core): grid %.2f CPU s, bootstrap %.2f CPU s → orbit/scipy on 1 thread: "
          + "grid %.4f (%.0f× faster), bootstrap %.4f (%.0f× faster)",
        (scipy["scipy"] as? String) ?? "?", gridCPU, bootCPU, one.grid / gridCPU,
        gridCPU / one.grid,
        one.boot / bootCPU, bootCPU / one.boot))
  }
}

/// Coverage of the 95 % intervals on simulated sweeps from known laws (issue 15's acceptance).
struct CoverageBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coverage",
    abstract: "How often the bootstrap intervals cover the true α and E, per case.")

  @Option(help: "Simulated data sets per case.") var datasets = 200
  @Option(help: "Bootstrap resamples per fit.") var resamples = 400
  @Option(help: "Seeds per data set (comma-separated cases).") var seeds = "2,3,5"
  @Option(help: "Per-point log-noise σ.") var noise = 0.05
  @Option(help: "Per-seed log-offset σ.") var seedOffset = 0.02
  @Option(help: "True floor E of the floored case.") var floor = 0.1
  @Flag(help: "Draw S of S (the textbook bootstrap) instead of S − 1 of S.") var textbook = false
  @Option(help: "Seeds from which the seed-cluster bootstrap is used.") var minimumSeedClusters = 5

  func run() throws {
    var settings = AnalysisSettings(y: "loss", xs: ["x"])
    settings.bootstrap = resamples
    settings.minimumSeedClusters = minimumSeedClusters
    settings.textbookBootstrap = textbook
    print(
      "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(datasets) data sets per"
        + " case, \(resamples) resamples, noise σ \(noise), seed offset σ \(seedOffset)")
    print(
      "| law | seeds | scheme | distinct resamples (median) | α covered | α (floor law) covered"
        + " | E covered | median α width | median E width | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for trueFloor in [0, floor] {
      for s in seeds.split(separator: ",").compactMap({ Int($0) }) {
        var simulation = CoverageSimulation(settings: settings)
        simulation.floor = trueFloor
        simulation.seeds = s
        simulation.noise = noise
        simulation.seedOffset = seedOffset
        let start = Date()
        var outcomes: [CoverageSimulation.Outcome] = []
        for index in 0..<datasets { outcomes.append(try simulation.run(index: index)) }
        let seconds = Date().timeIntervalSince(start)
        func share(_ covered: (CoverageSimulation.Outcome) -> Bool) -> String {
          let count = outcomes.count(where: covered)
          return String(
            format: "%.1f %% (%d/%d)", 100 * Double(count) / Double(datasets), count, datasets)
        }
        let law =
          trueFloor > 0
          ? "E + A·x^−α, E = \(trueFloor)" : "A·x^−α (pure; α of the pure law, E = 0)"
        print(
          "| \(law) | \(s) | \(outcomes.first?.scheme?.rawValue ?? "-") | "
            + "\(median(outcomes.map { Double($0.distinct) })) | \(share(\.alphaCovered)) | "
            + "\(share(\.floorAlphaCovered)) | \(share(\.floorCovered)) | "
            + String(
              format: "%.4f | %.4f | %.0f |", median(outcomes.map(\.alphaWidth)),
              median(outcomes.map(\.floorWidth)), seconds))
      }
    }
  }
}

/// Coverage of the 95 % intervals of the compute-optimal exponent a = β/(α+β), Approach 3
/// (parametric) and Approach 2 (IsoFLOP), on tables simulated from a known L(N, D) (issue 24).
struct ComputeCoverageBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compute",
    abstract: "How often the intervals of a cover β/(α+β), both approaches, per design.")

  @Option(help: "Simulated data sets per case.") var datasets = 200
  @Option(help: "Bootstrap resamples per fit.") var resamples = 200
  @Option(help: "Seeds per data set (comma-separated cases).") var seeds = "2,5"
  @Option(help: "Per-point log-noise σ.") var noise = 0.01
  @Option(help: "IsoFLOP grids' offset from the true optimum, decades (comma-separated).")
  var offCentre = "0,0.3"

  func run() throws {
    var settings = AnalysisSettings(y: "loss", xs: [])
    settings.bootstrap = resamples
    print(
      "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(datasets) data sets per"
        + " case, \(resamples) resamples, noise σ \(noise)")
    print(
      "| design | seeds | a (Approach 3) covered | median width | a (Approach 2) covered |"
        + " median width | agree | N* (Approach 3) covered at measured budgets | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    var cases: [(ComputeOptimalSimulation.Design, Double)] = [(.chinchillaGrid, 0)]
    for shift in offCentre.split(separator: ",").compactMap({ Double($0) }) {
      cases.append((.isoFLOPGrid, shift))
    }
    for (design, shift) in cases {
      for s in seeds.split(separator: ",").compactMap({ Int($0) }) {
        var simulation = ComputeOptimalSimulation(settings: settings)
        simulation.design = design
        simulation.offCentre = shift
        simulation.seeds = s
        simulation.noise = noise
        let start = Date()
        var outcomes: [ComputeOptimalSimulation.Outcome] = []
        for index in 0..<datasets { outcomes.append(try simulation.run(index: index)) }
        let seconds = Date().timeIntervalSince(start)
        func share(_ covered: (ComputeOptimalSimulation.Outcome) -> Bool?) -> String {
          let known = outcomes.compactMap(covered)
          guard !known.isEmpty else { return "–" }
          let count = known.count(where: { $0 })
          return String(
            format: "%.1f %% (%d/%d)", 100 * Double(count) / Double(known.count), count,
            known.count)
        }
        let isoWidths = outcomes.compactMap(\.isoFLOPWidth)
        let name =
          design == .isoFLOPGrid ? "IsoFLOP grid, off-centre \(shift) dec" : design.rawValue
        print(
          "| \(name) | \(s) | \(share { $0.parametricCovered }) | "
            + String(format: "%.4f", median(outcomes.map(\.parametricWidth)))
            + " | \(share(\.isoFLOPCovered)) | "
            + (isoWidths.isEmpty ? "–" : String(format: "%.4f", median(isoWidths)))
            + " | \(share(\.agree)) | "
            + String(
              format: "%.1f %% | %.0f |",
              100 * Double(outcomes.map(\.optimalNCovered).reduce(0, +))
                / Double(max(1, outcomes.map(\.optimalNBudgets).reduce(0, +))), seconds))
      }
    }
  }
}
