import Foundation

/// What to fit in a table of trials, and how.
public struct AnalysisSettings: Sendable {
  /// The loss column, e.g. "test_loss".
  public var y: String
  /// Scale axes, e.g. ["task.n_train"], ["n_params"], ["flops"]; the first is the one groups
  /// are compared on (the effective-data multiplier).
  public var xs: [String]
  /// Columns whose values make a family, e.g. ["model.kind", "model.symmetry"].
  public var groupBy: [String]
  /// "seed": the bootstrap resamples whole seed groups (a seed's trials are one nested draw).
  public var seedColumn: String?
  /// Bootstrap resamples (0 turns intervals off).
  public var bootstrap: Int = 1000
  /// Interval coverage.
  public var level: Double = 0.95
  /// Huber's δ on log-loss residuals.
  public var huberDelta: Double = 1e-3
  /// Seed of the bootstrap, so a report is reproducible.
  public var randomSeed: UInt64 = 0
  /// Seeds at or above which the bootstrap resamples whole seeds; fewer seeds resample points
  /// within each scale (or residuals), with a warning.
  public var minimumSeedClusters: Int = Resampling.minimumSeedClusters
  /// Draw S of S seeds (c of c points) per resample, the textbook bootstrap, instead of S − 1
  /// of S; kept to measure the (S − 1)/S shrinkage it causes (`FitBench coverage --textbook`).
  public var textbookBootstrap = false
  /// Pairs (baseline, other) of group labels to compare; nil compares families that differ
  /// only in the first grouping column and share the others (and any held parameters), each
  /// against the one of its slice with the highest fitted loss mid-range.
  public var compare: [(String, String)]?
  /// A floor is significant when the lower bound of E's interval is at least this fraction of
  /// the family's lowest measured loss (an E that small changes nothing measurable).
  public var floorFraction: Double = 0.05
  /// Exponents count as "the same" when the difference's interval holds 0 and lies within
  /// ± this fraction of the baseline exponent; wider intervals mean "cannot tell".
  public var exponentTolerance: Double = 0.25
  /// The group column whose values are compared (`analysis.compare`); families are compared
  /// only when every other group column (and held parameter) matches. nil: the only group
  /// column, or the first of several with a warning.
  public var compareColumn: String?
  /// The value of `compareColumn` every other value is compared against (`analysis.baseline`);
  /// nil: in each slice, the family with the highest fitted loss mid-range.
  public var baseline: String?
  /// Measured scales (multipliers inside the range) a constant multiplier needs.
  public var minimumScalesForConstant = 3
  /// Multipliers count as constant when their point estimates stay within this ratio.
  public var constantMultiplierRatio: Double = 1.6
  /// …and when each one's interval spans at most this ratio (upper/lower).
  public var maxMultiplierSpread: Double = 4
  /// Tuned columns (`analysis.tune`, e.g. ["train.lr"]): at each scale of each family and each
  /// seed only the trial with the best `select` metric over them is fitted (the tuned
  /// envelope). Never group columns or axes.
  public var tune: [String] = []
  /// The validation metric that picks the tuned envelope's winners (`analysis.select`; lower is
  /// better). Never the fitted loss `y`: that would tune on the test set — unless the tuned
  /// columns were inferred and the trials report no other metric (`tuneInferred`), which is
  /// said in a warning.
  public var select: String = "val_loss"
  /// Whether `tune` was inferred from the parameters' names (lr, weight_decay, dropout, batch…)
  /// rather than set by `analysis.tune`.
  public var tuneInferred = false
  /// The `analysis:` keys the spec set; the other settings were inferred.
  public var explicitKeys: [String] = []
  /// Where the `analysis:` block came from, for the report ("the sweep's spec", or the file
  /// `orbit report --spec` was given).
  public var source: String?
  /// The spec's parameter names, when known: parameters besides the dotted columns (axes among
  /// them are held fixed along other axes).
  public var parameters: Set<String>?
  /// The sweep's early-termination rule (`early_terminate: hyperband` → "hyperband"), when it
  /// has one: on a sweep with a scale axis the analysis warns that it stops slow starters.
  public var earlyTermination: String?
  /// Every family label the sweep can have, in label order (from a grid spec's values of the
  /// group columns), when known: colours are assigned by place in it, so a family keeps its
  /// colour while a live sweep's other families get their first ok trials. nil: the families
  /// with ok trials (`Analysis.groups`).
  public var familyOrder: [String]?
  /// Losses above which a trial is dropped (per family, the K highest), as `--drop-top`.
  public var dropTop: Int = 0
  /// OS threads for grid starts and bootstrap refits.
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  public init(y: String, xs: [String], groupBy: [String] = [], seedColumn: String? = nil) {
    self.y = y
    self.xs = xs
    self.groupBy = groupBy
    self.seedColumn = seedColumn
  }

  /// Columns trials.csv always has that are bookkeeping, not parameters.
  static let bookkeeping: Set<String> = [
    "trial_id", "index", "status", "attempt", "worker", "wall_seconds", "seed", "exit_code",
  ]

  /// Parameters are dotted names (`model.kind`); `metric.*` columns are results that happen to
  /// be dotted (`metric.wall_seconds`), never swept.
  static func isParameter(_ column: String) -> Bool {
    column.contains(".") && !column.hasPrefix("metric.")
  }

  /// Whether `column` is a parameter: a dotted name, or one of the spec's `parameters`.
  func isParameter(_ column: String) -> Bool {
    Self.isParameter(column) || parameters?.contains(column) == true
  }
  /// One line saying what is fitted against what, printed before anything else: "axes: width,
  /// n_params · tuned: lr (by val_loss) · groups: none — inferred; set `analysis:` to change".
  public var rolesLine: String {
    func list(_ columns: [String]) -> String {
      columns.isEmpty ? "none" : columns.joined(separator: ", ")
    }
    let tuned = tune.isEmpty ? "none" : "\(list(tune)) (best \(select) at each scale)"
    let origin: String
    if explicitKeys.isEmpty {
      origin = "inferred from the parameters' names; set `analysis:` to change"
    } else {
      origin = "analysis: sets \(explicitKeys.joined(separator: ", ")), the rest inferred"
    }
    return "axes: \(list(xs)) · tuned: \(tuned) · groups: \(list(groupBy)) — \(origin)"
  }

  /// Metric columns that are scale axes when they vary.
  static let knownAxes = ["n_params", "samples_seen", "flops"]

  /// Sensible defaults from the table: y given; xs = numeric columns that vary (≥ 3 distinct
  /// positive values spanning at least a factor 4) among the parameters whose names say size
  /// (`ParameterRole.scale`: width, depth, layers, tokens, steps, data…) and the known axes
  /// n_params, samples_seen, flops; tune = the parameters whose names say optimiser
  /// (`ParameterRole.tuned`: lr, weight_decay, warmup, momentum, beta…, dropout, batch…),
  /// picked by `val_loss` when the trials report it besides y, else by y itself; groupBy = the
  /// other varying parameters (non-numeric ones, numeric ones too few or too close to be a
  /// scale, such as d ∈ {2, 4, 6}, and ones whose names say neither) other than ids/status/seed. Parameters are the dotted columns; other text metrics are never groups
  /// when a dotted one varies.
  /// - Parameter parameters: the spec's parameter names (dotted or not, e.g. `width`, `lr`):
  ///   these are parameters besides the dotted columns, every swept one that is not an axis is a
  ///   group column, and no other column is; nil (a bare CSV): the dotted columns only.
  public static func inferred(from table: Table, y: String, parameters: Set<String>? = nil)
    -> AnalysisSettings
  {
    let isParameter = { (column: String) in
      Self.isParameter(column) || parameters?.contains(column) == true
    }
    let ok = table.filter { row in
      guard let s = table.columns.firstIndex(of: "status") else { return true }
      return row[s] == "ok"
    }
    var xs: [String] = []
    var groupBy: [String] = []
    var tune: [String] = []
    for column in table.columns where column != y && !bookkeeping.contains(column) {
      let values = ok.strings(column)
      guard Set(values).count > 1 else { continue }
      let isParameter = isParameter(column)
      let role = ParameterRole.of(column)
      // An optimiser hyperparameter is tuned at each scale, not scaled (issue 23).
      if isParameter && role == .tuned {
        tune.append(column)
        continue
      }
      let numbers = ok.numbers(column)
      if numbers.allSatisfy({ $0 != nil }) {
        let positive = Set(numbers.compactMap { $0 }.filter { $0 > 0 })
        let spansScale = positive.count >= 3 && positive.max()! >= 4 * positive.min()!
        if spansScale && ((isParameter && role == .scale) || knownAxes.contains(column)) {
          xs.append(column)
        } else if isParameter {
          groupBy.append(column)
        }
      } else {
        groupBy.append(column)
      }
    }
    if parameters != nil || groupBy.contains(where: isParameter) {
      groupBy.removeAll { !isParameter($0) }
    }
    // Swept parameters first (they are what the study varies), the most finely swept first:
    // the first axis is the one groups are compared on. Then the known axes.
    let distinct = Dictionary(uniqueKeysWithValues: xs.map { ($0, Set(ok.strings($0)).count) })
    let swept = xs.filter(isParameter).enumerated().sorted {
      (distinct[$0.element]!, -$0.offset) > (distinct[$1.element]!, -$1.offset)
    }.map(\.element)
    xs = swept + xs.filter { !isParameter($0) }
    let seed = table.columns.contains("seed") ? "seed" : nil
    var settings = AnalysisSettings(y: y, xs: xs, groupBy: groupBy, seedColumn: seed)
    settings.parameters = parameters
    if !tune.isEmpty {
      settings.tune = tune
      settings.tuneInferred = true
      settings.select = table.columns.contains("val_loss") && y != "val_loss" ? "val_loss" : y
    }
    return settings
  }
}

/// What `orbit report` knows about the sweep besides its trials.
public struct SweepMetadata: Sendable {
  public var name: String
  /// The spec file's text, shown in the report.
  public var specText: String
  /// Trials by status ("ok", "failed", "diverged", …).
  public var countsByStatus: [String: Int]
  /// Worker ids or hosts that ran trials.
  public var workers: [String]
  /// Wall time of the sweep over all its runs (while some trial ran).
  public var wallSeconds: Double
  /// CPU time of its trials (nil: not known), and how many of them measured theirs (the
  /// others count their wall time).
  public var cpuSeconds: Double?
  public var cpuMeasuredTrials = 0
  /// When the sweep was created (ISO 8601).
  public var createdAt: String
  /// Warnings about how the sweep was run (e.g. served over plain TCP off loopback), shown in
  /// the report's sweep section.
  public var warnings: [String] = []
  /// Trials' learning curves (the journal's PROGRESS points of `curveMetric`), drawn per family.
  public var curves: [LearningCurve] = []
  /// How long the fits took (shown apart from the sweep's wall time).
  public var fittingSeconds: Double?
  public var curveMetric = ""

  public init(
    name: String, specText: String, countsByStatus: [String: Int], workers: [String],
    wallSeconds: Double, createdAt: String
  ) {
    self.name = name
    self.specText = specText
    self.countsByStatus = countsByStatus
    self.workers = workers
    self.wallSeconds = wallSeconds
    self.createdAt = createdAt
  }
}
