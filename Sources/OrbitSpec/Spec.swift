import Foundation

/// How a sweep chooses its trials.
public enum SearchMethod: String, Sendable {
  case grid
  case random
  /// Bayesian optimisation (wandb's `bayes`): each trial is suggested from the results so far,
  /// so the trial list is not fixed in advance.
  case bayes

  /// Whether trials depend on earlier results (only the first ones can be listed ahead).
  public var isAdaptive: Bool { self == .bayes }
}

/// What runs a trial: an external program (`command`) or Orbit's Swift compute core (`core`).
public enum RunnerKind: String, Sendable {
  case command
  case core
}

/// Whether a metric is better low or high.
public enum Goal: String, Sendable {
  case minimize
  case maximize
}

/// The metric a sweep optimises (`metric: {name, goal}`).
public struct Metric: Sendable, Hashable {
  public typealias Goal = OrbitSpec.Goal
  public var name: String
  public var goal: Goal
  /// wandb's `target`: the sweep's goal value, if given.
  public var target: Double?
  /// wandb's `impute`: the value a failed run counts as in a bayes search; nil means the
  /// worst value seen so far (wandb's rule when `impute` is absent).
  public var impute: Double?

  public init(name: String, goal: Goal, target: Double? = nil, impute: Double? = nil) {
    self.name = name
    self.goal = goal
    self.target = target
    self.impute = impute
  }
}

/// One dimension of a grid, in grid order: a parameter, a `zip:` group, or the `seed`
/// replicates (always last, varying fastest).
public struct GridDimension: Sendable, Hashable, CustomStringConvertible {
  /// One name, or the members of a zip group.
  public var names: [String]
  /// How many values the dimension takes.
  public var count: Int

  public init(names: [String], count: Int) {
    self.names = names
    self.count = count
  }

  /// `lr (3)` or `[width, lr] (4)`.
  public var description: String {
    let label = names.count == 1 ? names[0] : "[" + names.joined(separator: ", ") + "]"
    return "\(label) (\(count))"
  }
}

/// A validated sweep spec: a wandb sweep configuration (grid or random) plus Orbit's keys,
/// with its trials available lazily by index.
///
/// The trial sequence is fixed when the spec is parsed; changing the `var` properties later
/// does not change ``trialCount`` or ``trial(at:)``.
public struct Spec: Sendable {
  /// The spec file's text, exactly as read.
  public var text: String
  /// SHA-256 hex of ``text``'s UTF-8 bytes.
  public var fingerprint: String
  /// The file name used in error locations.
  public var fileName: String
  public var name: String?
  public var description: String?
  public var method: SearchMethod
  public var runner: RunnerKind
  public var metric: Metric?
  /// `early_terminate` (hyperband), or nil: no trial is stopped early.
  public var earlyTermination: EarlyTermination?
  public var runCap: Int?
  /// Seconds a trial may run before it is killed.
  public var timeout: Double?
  /// How many more times a trial that failed by itself (`failed`, `timeout`) is run.
  public var retries: Int
  /// The one default of `retries`: a trial that fails by itself is a result, not run again.
  /// (A trial lost with its worker is another matter: see the coordinator's `lossLimit`.)
  public static let defaultRetries = 0
  public var program: String?
  /// The command template with its macros unexpanded (wandb's default when not given).
  public var command: [String]
  /// Replicates of each point (`seeds: K` → parameter `seed` = 0 ..< K, varying fastest).
  public var seeds: Int?
  /// The seed of random search (`seed:`, default 0).
  public var randomSeed: Int64
  /// The top-level `analysis:` mapping, passed through unread.
  public var analysis: ParamValue?
  /// `method: bayes`'s settings (Orbit's `bayes:` block or its defaults); nil for grid and
  /// random.
  public var bayes: BayesSettings?

  var grid: TrialGrid
  var locations: [String: SourceLocation]
  /// Points `orbit plan` lists for a bayes sweep without `run_cap`: its first suggestions are
  /// random (wandb: until 2 runs have finished), the rest depend on results.
  public static let bayesPreviewPoints = 10

  /// What the spec does that Orbit accepts but the user should hear (`file:line:column: …`):
  /// a grid value given twice, run once.
  public var warnings: [String] = []

  /// Why this spec can be planned but not run, or nil: a command sweep with neither `program`
  /// nor `command` (`orbit plan` works on it; `orbit run` and `orbit coordinator` refuse it).
  public var runProblem: String? {
    if method == .bayes {
      return
        "\(fileName): method: bayes is accepted and 'orbit plan' shows its first (random) suggestions, but this version of 'orbit run' cannot dispatch an adaptive search yet (issue 27); use 'method: random' with the same parameters and run_cap meanwhile"
    }
    guard runner == .command, program == nil, command.isEmpty else { return nil }
    return
      "\(fileName): the spec has neither 'program' nor 'command'; add 'program: train.py' (run as python3 train.py --k=v …) or a 'command' list"
  }

  /// Number of trials: the grid size (or `run_cap` points for random search; `run_cap` also
  /// caps a grid), times `seeds`. For bayes: the first random suggestions only (see
  /// ``bayesPreviewPoints``).
  public var trialCount: Int { grid.count }

  /// The trial at `index` in dispatch order; O(#parameters), nothing materialised.
  /// - Precondition: `0 <= index < trialCount`.
  public func trial(at index: Int) -> Trial { grid.trial(at: index) }

  /// Every trial in dispatch order, computed as iterated.
  public var trials: LazyMapSequence<Range<Int>, Trial> {
    let grid = self.grid
    return (0..<grid.count).lazy.map { grid.trial(at: $0) }
  }

  /// The grid's dimensions in grid order (first varies slowest), the `seed` replicates last;
  /// for random search only the replicates. Their counts multiply to ``trialCount`` unless
  /// `run_cap` cut the grid short.
  public var gridDimensions: [GridDimension] {
    var dimensions = grid.axes.map { GridDimension(names: $0.names, count: $0.count) }
    if let seeds = grid.seeds { dimensions.append(GridDimension(names: ["seed"], count: seeds)) }
    return dimensions
  }

  /// Every parameter name a trial carries (dotted, sorted), `seed` included when replicated.
  public var parameterNames: [String] { grid.slots.map(\.name) }

  /// The command line for `trial` with every macro expanded.
  /// - Parameters:
  ///   - jsonFilePath: what `${args_json_file}` becomes (the worker writes the params there).
  ///   - environment: where `${envvar:NAME}` is looked up (missing → empty).
  public func commandLine(
    for trial: Trial, jsonFilePath: String, environment: [String: String]
  ) -> [String] {
    CommandTemplate.expand(
      command, params: trial.params, program: program, jsonFilePath: jsonFilePath,
      environment: environment)
  }

  /// Where the parameter (or core setting) `dottedKey` is defined in the spec file.
  public func location(of dottedKey: String) -> SourceLocation? { locations[dottedKey] }

  /// Reads and parses the spec at `path`.
  /// - Throws: `SpecError` `.unreadable` when the file is missing or unreadable, `.invalid`
  ///   when it is not a valid spec.
  public static func load(path: String) throws(SpecError) -> Spec {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      var isDirectory: ObjCBool = false
      let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      let reason =
        !exists
        ? "does not exist"
        : isDirectory.boolValue ? "is a directory" : "cannot be read (check its permissions)"
      throw SpecError(.unreadable, "spec file '\(path)' \(reason)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw SpecError(.invalid, "spec file '\(path)' is not UTF-8 text")
    }
    return try parse(yaml: text, fileName: path)
  }

  /// Parses spec text; `fileName` appears in error locations.
  /// - Throws: `SpecError` `.invalid` naming `file:line:column`, the key and the fix.
  public static func parse(yaml: String, fileName: String) throws(SpecError) -> Spec {
    try SpecParser(text: yaml, fileName: fileName).parse()
  }
}
