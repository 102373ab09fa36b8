import Foundation
import Yams

/// Turns spec text into a validated `Spec`: every rule broken is a `SpecError` naming
/// `file:line:column`, the key and the fix.
struct SpecParser {
  var text: String
  var reader: YAMLReader

  /// wandb's top-level keys; those Orbit does not act on are accepted and ignored.
  static let wandbKeys = [
    "method", "parameters", "program", "command", "name", "description", "metric", "run_cap",
    "early_terminate", "entity", "project", "controller", "apiVersion", "kind", "job", "image_uri",
    "scheduler",
  ]
  /// Orbit's own top-level keys.
  static let orbitKeys = [
    "runner", "seeds", "seed", "zip", "timeout", "retries", "analysis", "task", "model", "train",
    "bayes",
  ]
  /// Core runner settings, flattened to constant parameters.
  static let coreKeys = ["task", "model", "train"]

  init(text: String, fileName: String) {
    self.text = text
    self.reader = YAMLReader(fileName: fileName)
  }

  func parse() throws(SpecError) -> Spec {
    let root = try compose()
    // Top-level keys starting with "x-" hold YAML anchors for `<<` merges and are ignored
    // (the docker-compose convention).
    let entries = try reader.entries(root, of: "the spec").filter { !$0.key.hasPrefix("x-") }
    if let metrics = entries.first(where: { $0.key == "metrics" }) {
      // wandb's multi-objective list: refused by name, not as a misspelt 'metric'.
      throw reader.error(
        "a 'metrics' list (several objectives) is not supported: Orbit optimises one 'metric: {name, goal}'; have the program log one combined value (e.g. a weighted sum) and name it, or sweep with method: grid or random and compare the metrics in the report",
        at: metrics.keyNode)
    }
    try reader.rejectUnknownKeys(entries, allowed: Self.wandbKeys + Self.orbitKeys, in: "the spec")
    var top: [String: YAMLReader.Entry] = [:]
    for entry in entries { top[entry.key] = entry }

    let method = try parseMethod(top["method"], root: root)
    var runner = RunnerKind.command
    if let entry = top["runner"] {
      let text = try reader.string(entry.value, for: "runner")
      guard let kind = RunnerKind(rawValue: text) else {
        throw reader.error("unknown runner '\(text)'; use 'command' or 'core'", at: entry.value)
      }
      runner = kind
    }

    let name = try top["name"].map { entry throws(SpecError) in
      try reader.string(entry.value, for: "name")
    }
    let description = try top["description"].map { entry throws(SpecError) in
      try reader.string(entry.value, for: "description")
    }
    let program = try top["program"].map { entry throws(SpecError) in
      try reader.string(entry.value, for: "program")
    }
    let metric = try top["metric"].map { entry throws(SpecError) in try parseMetric(entry) }
    let earlyTermination = try top["early_terminate"].map { entry throws(SpecError) in
      try parseEarlyTermination(entry, metric: metric)
    }
    let runCap = try top["run_cap"].map { entry throws(SpecError) in
      try positiveInteger(entry, minimum: 1)
    }
    let seeds = try top["seeds"].map { entry throws(SpecError) in
      try positiveInteger(entry, minimum: 1)
    }
    let retries =
      try top["retries"].map { entry throws(SpecError) in try positiveInteger(entry, minimum: 0) }
      ?? Spec.defaultRetries
    let timeout = try top["timeout"].map { entry throws(SpecError) in
      try DurationParser.seconds(entry.value, reader: reader)
    }
    var randomSeed: Int64 = 0
    if let entry = top["seed"] {
      guard case .int(let seed) = try reader.value(entry.value) else {
        throw reader.error(
          "'seed' must be an integer, got \(reader.describe(entry.value))", at: entry.value)
      }
      randomSeed = seed
    }
    var analysis: ParamValue? = nil
    if let entry = top["analysis"] {
      guard case .mapping = entry.value else {
        throw reader.error("'analysis' must be a mapping", at: entry.value)
      }
      analysis = try reader.value(entry.value)
    }

    if method == .bayes, metric == nil {
      throw reader.error(
        "method: bayes needs a 'metric' to optimise; add e.g. 'metric: {name: val_loss, goal: minimize}'",
        at: top["method"]?.value ?? root)
    }
    let bayes = try parseBayes(
      top["bayes"], method: method, topSeed: top["seed"] == nil ? nil : randomSeed)

    let command = try parseCommand(top["command"], program: program, runner: runner, root: root)

    // Parameters, then core settings they override.
    var parameters = ParameterParser(reader: reader)
    if let entry = top["parameters"] {
      try parameters.parseGroup(entry.value, prefix: "")
    } else if runner == .command {
      throw reader.error("the spec has no 'parameters'; add at least one parameter", at: root)
    }
    if let seeds, let location = parameters.locations["seed"] {
      throw SpecError(
        .invalid,
        "parameter 'seed' clashes with 'seeds: \(seeds)', which sets 'seed' itself; rename the"
          + " parameter or remove 'seeds'", at: location)
    }
    var locations = parameters.locations
    var constants: [(name: String, value: ParamValue)] = []
    for key in Self.coreKeys {
      guard let entry = top[key] else { continue }
      guard runner == .core else {
        throw reader.error(
          "'\(key)' is a core runner setting but the spec uses runner: command; set"
            + " 'runner: core' or move it under 'parameters'", at: entry.keyNode)
      }
      try flattenSettings(entry.value, prefix: key, into: &constants, locations: &locations)
    }
    constants.removeAll { constant in parameters.locations[constant.name] != nil }

    var builder = GridBuilder(
      reader: reader, method: method, definitions: parameters.definitions,
      constants: constants, zipNode: top["zip"], runCap: runCap, seeds: seeds,
      randomSeed: randomSeed, root: root)
    let grid = try builder.build()

    return Spec(
      text: text, fingerprint: SHA256.hexDigest(text), fileName: reader.fileName, name: name,
      description: description, method: method, runner: runner, metric: metric,
      earlyTermination: earlyTermination, runCap: runCap,
      timeout: timeout, retries: retries, program: program, command: command, seeds: seeds,
      randomSeed: randomSeed, analysis: analysis, bayes: bayes, grid: grid, locations: locations,
      warnings: builder.warnings)
  }

  private func compose() throws(SpecError) -> Node {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw YAMLErrorTranslation.specError(error, fileName: reader.fileName)
    } catch {
      throw SpecError(.invalid, "\(reader.fileName): not valid YAML: \(error)")
    }
    guard let root else {
      throw SpecError(
        .invalid, "\(reader.fileName) is empty; a spec needs at least 'method' and 'parameters'",
        at: SourceLocation(file: reader.fileName, line: 1, column: 1))
    }
    try checkExpansion(root)
    return root
  }

  /// YAML nodes a spec may expand to, aliases counted each time they are used: far above any
  /// real sweep (a 10^6-value list is 10^6 nodes, and too large for a worker's WELCOME anyway),
  /// far below a "billion laughs" of nested aliases that would take gigabytes to walk.
  static let maxExpandedNodes = 2_000_000
  /// Deepest nesting of mappings and sequences a spec may have.
  static let maxDepth = 64

  /// Walks the composed tree once, as the reader will, and stops at the budget: aliases share
  /// storage in the composed tree, so the cost only shows when it is walked.
  private func checkExpansion(_ root: Node) throws(SpecError) {
    var visited = 0
    var stack: [(node: Node, depth: Int)] = [(root, 1)]
    while let (node, depth) = stack.popLast() {
      visited += 1
      if visited > Self.maxExpandedNodes || depth > Self.maxDepth {
        let what =
          depth > Self.maxDepth
          ? "nests deeper than \(Self.maxDepth) levels"
          : "expands to more than \(Self.maxExpandedNodes) YAML nodes (aliases that repeat aliases: a 'billion laughs')"
        throw reader.error(
          "the spec \(what); write the values out, or use fewer nested aliases", at: node)
      }
      switch node {
      case .mapping(let mapping):
        for (key, value) in mapping {
          stack.append((key, depth + 1))
          stack.append((value, depth + 1))
        }
      case .sequence(let sequence):
        for item in sequence { stack.append((item, depth + 1)) }
      case .scalar, .alias:
        break
      }
    }
  }

  private func parseMethod(_ entry: YAMLReader.Entry?, root: Node) throws(SpecError)
    -> SearchMethod
  {
    guard let entry else {
      throw reader.error(
        "the spec has no 'method'; add 'method: grid', 'method: random' or 'method: bayes'",
        at: root)
    }
    let text = try reader.string(entry.value, for: "method")
    if let method = SearchMethod(rawValue: text) { return method }
    if text == "custom" {
      throw reader.error(
        "method 'custom' (trials proposed by your own code through wandb's controller API) is not supported; use 'method: bayes' for an adaptive search, or 'method: grid' / 'method: random' with the trials you want",
        at: entry.value)
    }
    throw reader.error("unknown method '\(text)'; use 'grid', 'random' or 'bayes'", at: entry.value)
  }

  /// Orbit's `bayes:` block: `engine` (orbit | wandb), `seed`, `warm_start` (run directories).
  /// A bayes spec without it gets the defaults; any other method with it is refused.
  private func parseBayes(_ entry: YAMLReader.Entry?, method: SearchMethod, topSeed: Int64?)
    throws(SpecError) -> BayesSettings?
  {
    guard method == .bayes else {
      if let entry {
        throw reader.error(
          "'bayes' settings apply to 'method: bayes' only (this spec has method: \(method.rawValue)); remove the block or set method: bayes",
          at: entry.keyNode)
      }
      return nil
    }
    var settings = BayesSettings(seed: topSeed ?? 0)
    guard let entry else { return settings }
    let fields = try reader.entries(entry.value, of: "'bayes'")
    try reader.rejectUnknownKeys(fields, allowed: BayesSettings.keys, in: "'bayes'")
    for field in fields {
      switch field.key {
      case "engine":
        let text = try reader.string(field.value, for: "bayes.engine")
        guard let engine = SearchEngineKind(rawValue: text) else {
          throw reader.error(
            "unknown bayes engine '\(text)'; use 'orbit' (the default) or 'wandb' (wandb's own rules)",
            at: field.value)
        }
        settings.engine = engine
      case "seed":
        guard case .int(let seed) = try reader.value(field.value) else {
          throw reader.error(
            "'bayes.seed' must be an integer, got \(reader.describe(field.value))", at: field.value)
        }
        settings.seed = seed
      case "warm_start":
        guard case .sequence(let items) = field.value else {
          throw reader.error(
            "'bayes.warm_start' must be a list of run directories, e.g. [runs/earlier-sweep]",
            at: field.value)
        }
        var directories: [String] = []
        for item in items {
          let directory = try reader.string(item, for: "bayes.warm_start")
          guard !directory.isEmpty else {
            throw reader.error("'bayes.warm_start' has an empty run directory", at: item)
          }
          directories.append(directory)
        }
        settings.warmStart = directories
      default: break
      }
    }
    return settings
  }

  /// wandb's `early_terminate`: `type: hyperband` with `min_iter`, or `max_iter` and `s`;
  /// `eta` (> 1, default 3) and `strict` (default true).
  private func parseEarlyTermination(_ entry: YAMLReader.Entry, metric: Metric?)
    throws(SpecError) -> EarlyTermination
  {
    let fields = try reader.entries(entry.value, of: "'early_terminate'")
    try reader.rejectUnknownKeys(
      fields, allowed: ["type", "min_iter", "max_iter", "s", "eta", "strict"],
      in: "'early_terminate'")
    var byKey: [String: YAMLReader.Entry] = [:]
    for field in fields { byKey[field.key] = field }
    let type = try byKey["type"].map { f throws(SpecError) in
      try reader.string(f.value, for: "early_terminate.type")
    }
    guard type == "hyperband" else {
      throw reader.error(
        "early_terminate needs 'type: hyperband' (the only kind wandb and Orbit have)",
        at: byKey["type"]?.value ?? entry.value)
    }
    guard metric != nil else {
      throw reader.error(
        "early_terminate needs a 'metric' (name and goal): it stops trials by that metric's curve",
        at: entry.keyNode)
    }
    var eta = EarlyTermination.defaultEta
    if let f = byKey["eta"] {
      eta = try reader.number(f.value, for: "early_terminate.eta").value
      guard eta > 1 else {
        throw reader.error("early_terminate.eta must be > 1, got \(eta)", at: f.value)
      }
    }
    var strict = true
    if let f = byKey["strict"] {
      guard case .bool(let b) = try reader.value(f.value) else {
        throw reader.error("early_terminate.strict must be true or false", at: f.value)
      }
      strict = b
    }
    if let f = byKey["max_iter"] {
      let maxIter = try reader.integer(f.value, for: "early_terminate.max_iter")
      guard let sEntry = byKey["s"] else {
        throw reader.error(
          "early_terminate with 'max_iter' needs 's' (how many bands)", at: f.keyNode)
      }
      let s = try reader.integer(sEntry.value, for: "early_terminate.s")
      let result = EarlyTermination(maxIter: maxIter, s: s, eta: eta, strict: strict)
      guard !result.bands.isEmpty else {
        throw reader.error(
          "early_terminate gives no band (max_iter \(maxIter) / eta \(eta) < 1): raise max_iter or s, or lower eta",
          at: f.value)
      }
      return result
    }
    guard let f = byKey["min_iter"] else {
      throw reader.error(
        "early_terminate needs 'min_iter', or 'max_iter' and 's'", at: entry.keyNode)
    }
    let minIter = try reader.integer(f.value, for: "early_terminate.min_iter")
    guard minIter >= 1 else {
      throw reader.error("early_terminate.min_iter must be >= 1, got \(minIter)", at: f.value)
    }
    return EarlyTermination(minIter: minIter, eta: eta, strict: strict)
  }

  private func parseMetric(_ entry: YAMLReader.Entry) throws(SpecError) -> Metric {
    let fields = try reader.entries(entry.value, of: "'metric'")
    try reader.rejectUnknownKeys(
      fields, allowed: ["name", "goal", "target", "impute", "impute_while_running"],
      in: "'metric'")
    var name: String?
    var goal = Goal.minimize
    var target: Double?
    var impute: Double?
    for field in fields {
      switch field.key {
      case "name": name = try reader.string(field.value, for: "metric.name")
      case "goal":
        let text = try reader.string(field.value, for: "metric.goal")
        guard let parsed = Goal(rawValue: text) else {
          throw reader.error(
            "metric goal '\(text)' is unknown; use 'minimize' or 'maximize'", at: field.value)
        }
        goal = parsed
      case "target": target = try reader.number(field.value, for: "metric.target").value
      case "impute":
        let value = try reader.number(field.value, for: "metric.impute").value
        guard value.isFinite else {
          throw reader.error("metric.impute must be a finite number, got \(value)", at: field.value)
        }
        impute = value
      default: break
      }
    }
    guard let name, !name.isEmpty else {
      throw reader.error("'metric' needs a 'name' (the metric to optimise)", at: entry.value)
    }
    return Metric(name: name, goal: goal, target: target, impute: impute)
  }

  private func positiveInteger(_ entry: YAMLReader.Entry, minimum: Int) throws(SpecError) -> Int {
    let value = try reader.integer(entry.value, for: "'\(entry.key)'")
    guard value >= minimum else {
      throw reader.error("'\(entry.key)' must be >= \(minimum), got \(value)", at: entry.value)
    }
    return value
  }

  private func parseCommand(
    _ entry: YAMLReader.Entry?, program: String?, runner: RunnerKind, root: Node
  ) throws(SpecError) -> [String] {
    guard let entry else {
      // Nothing to run is fine for planning (`orbit plan`); running refuses it (`runProblem`).
      return runner == .command && program == nil ? [] : CommandTemplate.defaultCommand
    }
    guard case .sequence(let items) = entry.value else {
      throw reader.error(
        "'command' must be a list of arguments, got \(reader.describe(entry.value))",
        at: entry.value)
    }
    var command: [String] = []
    for item in items {
      switch try reader.value(item) {
      case .list, .object, .null:
        throw reader.error("every 'command' item must be a string", at: item)
      case let value: command.append(value.pythonString)
      }
    }
    if let problem = CommandTemplate.problem(in: command, hasProgram: program != nil) {
      let node =
        problem.index < items.count
        ? items[items.index(items.startIndex, offsetBy: problem.index)] : entry.value
      throw reader.error(problem.message, at: node)
    }
    return command
  }

  /// Flattens a core settings mapping (`model: {width: 64}`) into dotted constants.
  private func flattenSettings(
    _ node: Node, prefix: String, into constants: inout [(name: String, value: ParamValue)],
    locations: inout [String: SourceLocation]
  ) throws(SpecError) {
    for entry in try reader.entries(node, of: "'\(prefix)'") {
      guard ParameterParser.isValidName(entry.key), !entry.key.contains(".") else {
        throw reader.error(
          "setting name '\(entry.key)' in '\(prefix)' is invalid: use letters, digits, '_' and"
            + " '-'", at: entry.keyNode)
      }
      let name = prefix + "." + entry.key
      if case .mapping = entry.value {
        try flattenSettings(entry.value, prefix: name, into: &constants, locations: &locations)
        continue
      }
      if locations[name] == nil { locations[name] = reader.location(of: entry.keyNode) }
      constants.append((name, try reader.value(entry.value)))
    }
  }
}
