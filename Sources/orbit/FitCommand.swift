import ArgumentParser
import Foundation
import OrbitAnalysis
import OrbitSession

/// `orbit fit FILE.csv …`: fit a scaling law to any CSV, with bootstrap intervals.
struct FitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit", abstract: "Fit a scaling law to a CSV file.",
    discussion: """
      orbit fit runs.csv --law powerlaw --x task.n_train --y test_loss --group model.kind
      orbit fit chinchilla.csv --law chinchilla --n "Model Size" --d-from-flops "Training FLOP" \\
        --y loss --drop-top 5
      """)

  enum Law: String, ExpressibleByArgument, CaseIterable {
    case powerlaw, chinchilla
  }

  @Argument(help: "The CSV file (header row of column names).") var file: String
  @Option(help: "powerlaw: L = E + A·x^-α per group; chinchilla: L = E + A/N^α + B/D^β.")
  var law: Law = .powerlaw
  @Option(help: "The loss column.") var y: String
  @Option(help: "Scale column of a power law (repeat for several axes).") var x: [String] = []
  @Option(help: "Column(s) whose values make a group (repeatable).") var group: [String] = []
  @Option(help: "Parameters column N (chinchilla).") var n: String?
  @Option(help: "Training tokens/samples column D (chinchilla).") var d: String?
  @Option(help: "Compute column C: D = C / (6 N) (chinchilla).") var dFromFlops: String?
  @Option(help: "Drop the K highest losses (per group for power laws).") var dropTop: Int = 0
  @Option(help: "Bootstrap resamples (0: no intervals).") var bootstrap: Int = 1000
  @Option(help: "Interval level.") var level: Double = 0.95
  @Option(help: "Huber δ on log-loss residuals.") var huberDelta: Double = 1e-3
  @Option(help: "Column whose values are resampled as whole groups (e.g. seed).")
  var seedColumn: String?
  @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 0
  @Option(help: "Threads for grid starts and refits (default: all cores).") var threads: Int?
  @Option(help: "Also write every fit and interval as JSON to this file.") var json: String?
  @Option(help: "Also write a self-contained HTML report to this file (power laws).")
  var html: String?
  @Flag(help: "Fit the power law without a floor (E = 0).") var noFloor = false
  @Option(
    help: ArgumentHelp(
      "Tuned column (repeatable): fit only the trial with the lowest --select metric over these"
        + " columns at each scale, group and seed (the tuned envelope)."))
  var tune: [String] = []
  @Option(help: "The validation metric that picks the tuned envelope's winners.")
  var select: String = "val_loss"

  func validate() throws {
    switch law {
    case .powerlaw:
      if x.isEmpty { throw ValidationError("--law powerlaw needs --x COLUMN") }
    case .chinchilla:
      if n == nil { throw ValidationError("--law chinchilla needs --n COLUMN (parameters)") }
      if (d == nil) == (dFromFlops == nil) {
        throw ValidationError(
          "--law chinchilla needs exactly one of --d COLUMN or --d-from-flops COLUMN")
      }
    }
    if !tune.isEmpty && select == y {
      throw ValidationError(
        "--select \(select) is the fitted loss --y: picking winners by it tunes on the test set;"
          + " select by a validation metric")
    }
    if bootstrap < 0 { throw ValidationError("--bootstrap must be ≥ 0, got \(bootstrap)") }
    if !(level > 0 && level < 1) {
      throw ValidationError("--level must be in (0, 1), got \(level)")
    }
    if !(huberDelta > 0) { throw ValidationError("--huber-delta must be > 0, got \(huberDelta)") }
    if dropTop < 0 { throw ValidationError("--drop-top must be ≥ 0, got \(dropTop)") }
  }

  func run() throws {
    let text: String
    do {
      text = try String(contentsOfFile: file, encoding: .utf8)
    } catch {
      throw fail("cannot read \(file): \(error.localizedDescription)", ExitStatus.noInput)
    }
    let output: (summary: String, json: String, html: String?)
    do throws(AnalysisError) {
      let table = try Table.parseCSV(text)
      var settings = AnalysisSettings(y: y, xs: x, groupBy: group, seedColumn: seedColumn)
      settings.bootstrap = bootstrap
      settings.level = level
      settings.huberDelta = huberDelta
      settings.randomSeed = seed
      settings.dropTop = dropTop
      settings.tune = tune
      settings.select = select
      if let threads { settings.threads = max(1, threads) }
      output =
        try law == .chinchilla
        ? fitChinchilla(table, settings) : fitPowerLaw(table, settings)
    } catch {
      throw fail("\(file): \(error.message)", ExitStatus.badData)
    }
    print(output.summary, terminator: "")
    for (path, text) in [(json, output.json), (html, output.html)] {
      guard let path, let text else { continue }
      do {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
      } catch {
        throw fail("cannot write \(path): \(error.localizedDescription)", ExitStatus.ioError)
      }
    }
  }

  private func fitPowerLaw(_ table: Table, _ settings: AnalysisSettings) throws(AnalysisError)
    -> (summary: String, json: String, html: String?)
  {
    let tuning = tune.isEmpty ? [] : tune + [select]
    for column in [y] + x + group + tuning + [seedColumn].compactMap({ $0 })
    where !table.columns.contains(column) {
      throw AnalysisError(
        .missingColumn,
        "no column \"\(column)\"; columns are: \(table.columns.joined(separator: ", "))")
    }
    let analysis = Analysis.run(table: table, settings: settings)
    if analysis.families.isEmpty {
      throw AnalysisError(.notEnoughData, analysis.warnings.joined(separator: "; "))
    }
    var page: String?
    if html != nil {
      let metadata = SweepMetadata(
        name: "orbit fit \((file as NSString).lastPathComponent)",
        specText: CommandLine.arguments.joined(separator: " "),
        countsByStatus: analysis.countsByStatus, workers: [], wallSeconds: 0,
        createdAt: ISO8601DateFormatter().string(from: Date()))
      page = Report.build(analysis: analysis, metadata: metadata).html
    }
    return (analysis.summary(pureOnly: noFloor), analysis.fitsJSON(), page)
  }

  private func fitChinchilla(_ table: Table, _ settings: AnalysisSettings) throws(AnalysisError)
    -> (summary: String, json: String, html: String?)
  {
    let needed = [y, n!, d ?? dFromFlops!] + [seedColumn].compactMap { $0 }
    for column in needed where !table.columns.contains(column) {
      throw AnalysisError(
        .missingColumn,
        "no column \"\(column)\"; columns are: \(table.columns.joined(separator: ", "))")
    }
    let loss = table.numbers(y)
    let size = table.numbers(n!)
    let second = table.numbers(d ?? dFromFlops!)
    var rows = loss.indices.filter {
      [loss[$0], size[$0], second[$0]].allSatisfy { ($0 ?? .nan).isFinite && ($0 ?? 0) > 0 }
    }
    let dropped = Set(rows.sorted { loss[$0]! > loss[$1]! }.prefix(dropTop))
    rows.removeAll { dropped.contains($0) }
    let tokens = rows.map { i in d != nil ? second[i]! : second[i]! / (6 * size[i]!) }
    let seeds = seedColumn.map { table.strings($0) }
    let ids = seeds.map { s in Array(Set(rows.map { s[$0] })).sorted() }
    let clusters = seeds.flatMap { s in ids.map { ids in rows.map { ids.firstIndex(of: s[$0])! } } }
    let fit = try ChinchillaFit.make(
      n: rows.map { size[$0]! }, d: tokens, y: rows.map { loss[$0]! }, clusters: clusters,
      settings: settings)
    let header =
      "\(rows.count) runs fitted (\(dropped.count) highest losses dropped, "
      + "\(loss.count - rows.count - dropped.count) unusable); "
      + "\(settings.bootstrap) bootstrap resamples\n"
    // Approach 2 on the same runs, when they form IsoFLOP budgets (compute C = 6·N·D, or the
    // compute column given with --d-from-flops).
    let compute = rows.indices.map { j in
      dFromFlops != nil ? second[rows[j]]! : 6 * size[rows[j]]! * tokens[j]
    }
    let isoFLOP = IsoFLOPAnalysis.fit(
      n: rows.map { size[$0]! }, compute: compute, loss: rows.map { loss[$0]! },
      seeds: seeds.map { s in rows.map { s[$0] } }, settings: settings)
    return (
      header + fit.summary(level: settings.level, isoFLOP: isoFLOP),
      fit.json(level: settings.level, isoFLOP: isoFLOP), nil
    )
  }
}
