import Foundation
import Yams

/// Builds the lazy `TrialGrid` from validated parameter definitions: applies grid rules,
/// `zip:` groups, `seeds`, `run_cap`, and checks that the count fits in an `Int`.
struct GridBuilder {
  var reader: YAMLReader
  var method: SearchMethod
  var definitions: [ParameterDefinition]
  var constants: [(name: String, value: ParamValue)]
  var zipNode: YAMLReader.Entry?
  var runCap: Int?
  var seeds: Int?
  var randomSeed: Int64
  var root: Node
  /// What the spec says that Orbit accepts but the user should hear about (a repeated value).
  private(set) var warnings: [String] = []

  mutating func build() throws(SpecError) -> TrialGrid {
    let groups = try zipGroups()
    var constants = self.constants
    var grouped: [String: Int] = [:]
    for (groupIndex, group) in groups.enumerated() {
      for name in group { grouped[name] = groupIndex }
    }

    var axes: [GridAxis] = []
    var draws: [RandomDraw] = []
    var emittedGroups = Set<Int>()
    var points = 1
    for definition in definitions {
      if let groupIndex = grouped[definition.name] {
        // A zip group sits where its first member (in grid order) sits.
        guard emittedGroups.insert(groupIndex).inserted else { continue }
        let members = groups[groupIndex].map { name in definitions.first { $0.name == name }! }
        let names = members.map(\.name)
        var lists = members.map(\.values)
        if method == .grid {
          lists = dedupeRows(names: names, lists: lists, at: members[0].location)
          axes.append(
            GridAxis(
              names: names, members: lists.map { .list($0) },
              canonicalValues: lists.map { $0.map { Array($0.canonicalJSON.utf8) } },
              plainValues: lists.map { $0.map { Array($0.json.utf8) } }, count: lists[0].count))
          points = try multiply(points, lists[0].count)
        } else {
          draws.append(.zipped(names: names, lists: lists, count: lists[0].count))
        }
        continue
      }
      if definition.distribution == .constant {
        constants.append((definition.name, definition.values[0]))
        continue
      }
      if method != .grid {
        draws.append(.single(definition))
        continue
      }
      var values = try gridValues(definition)
      if case .list(let list) = values {
        values = .list(
          dedupeRows(names: [definition.name], lists: [list], at: definition.location)[0])
      }
      var canonical: [[UInt8]]? = nil
      var plain: [[UInt8]]? = nil
      if case .list(let list) = values {
        canonical = list.map { Array($0.canonicalJSON.utf8) }
        plain = list.map { Array($0.json.utf8) }
      }
      axes.append(
        GridAxis(
          names: [definition.name], members: [values], canonicalValues: [canonical],
          plainValues: [plain], count: values.count))
      points = try multiply(points, values.count)
    }

    if method == .bayes {
      // An adaptive search's trials are not known ahead: the grid holds its cold-start random
      // draws (wandb's too are random until 2 runs have finished), for `orbit plan`.
      points = runCap ?? Spec.bayesPreviewPoints
    } else if method == .random {
      guard let runCap else {
        throw reader.error(
          "random search needs 'run_cap' (how many trials to draw); add e.g. 'run_cap: 100'",
          at: root)
      }
      points = runCap
    } else if let runCap {
      points = min(points, runCap)
    }
    let count = try multiply(points, seeds ?? 1)
    return TrialGrid(
      method: method, constants: constants, axes: axes, draws: draws, seeds: seeds,
      randomSeed: randomSeed, count: count)
  }

  private func multiply(_ lhs: Int, _ rhs: Int) throws(SpecError) -> Int {
    let (product, overflow) = lhs.multipliedReportingOverflow(by: rhs)
    guard !overflow else {
      throw reader.error(
        "the grid has more than \(Int.max) trials; shrink a parameter's values or use"
          + " method: random with run_cap", at: root)
    }
    return product
  }

  /// Two equal rows of an axis are one grid point (one trial id; `1` and `1.0` count as equal,
  /// as in trial ids): wandb runs each distinct point once, and so does Orbit, keeping the first
  /// and saying so.
  private mutating func dedupeRows(
    names: [String], lists: [[ParamValue]], at location: SourceLocation
  ) -> [[ParamValue]] {
    var firstRow: [String: Int] = [:]
    var kept: [Int] = []
    for row in 0..<lists[0].count {
      let key = lists.map { $0[row].canonicalJSON }.joined(separator: "\u{0}")
      if let earlier = firstRow[key] {
        let what =
          names.count == 1
          ? "parameter '\(names[0])': values \(earlier + 1) and \(row + 1)"
            + " (\(lists[0][earlier].json) and \(lists[0][row].json))"
          : "zip group [\(names.joined(separator: ", "))]: rows \(earlier + 1) and \(row + 1)"
        warnings.append(
          "\(location.file):\(location.line):\(location.column): \(what) are the same grid point; it runs once, as wandb does"
        )
        continue
      }
      firstRow[key] = row
      kept.append(row)
    }
    return kept.count == lists[0].count ? lists : lists.map { list in kept.map { list[$0] } }
  }

  /// The values a grid enumerates for one parameter (wandb's conversion to categorical).
  private func gridValues(_ definition: ParameterDefinition) throws(SpecError) -> AxisValues {
    let what = "parameter '\(definition.name)'"
    switch definition.distribution {
    case .categorical:
      return .list(definition.values)
    case .categoricalWithProbabilities:
      throw SpecError(
        .invalid,
        "\(what): 'probabilities' cannot be used with method: grid (every value is run); remove"
          + " them or use method: random", at: definition.location)
    case .intUniform:
      // The parser keeps max - min below Int64.max, so the count fits.
      let span = definition.integerMax - definition.integerMin
      return .integers(start: definition.integerMin, count: Int(span) + 1)
    case .qUniform:
      // numpy.arange(min, max, q): ceil((max - min) / q) values.
      let length = ((definition.max - definition.min) / definition.q).rounded(.up)
      guard length < 1e15 else {
        throw SpecError(.invalid, "\(what): q is too small for min..max", at: definition.location)
      }
      let integral = definition.boundsAreIntegers && definition.qIsInteger
      let delta = (definition.min + definition.q) - definition.min
      return .steps(
        start: definition.min, delta: integral ? definition.q : delta, count: Int(length),
        integral: integral)
    default:
      throw SpecError(
        .invalid,
        "\(what): distribution '\(definition.distribution.rawValue)' cannot be enumerated by"
          + " method: grid (grid allows constant, categorical, int_uniform, q_uniform); give"
          + " 'values: [...]' or use method: random", at: definition.location)
    }
  }

  /// The `zip:` groups as lists of names, validated.
  private func zipGroups() throws(SpecError) -> [[String]] {
    guard let zipNode else { return [] }
    guard case .sequence(let groups) = zipNode.value else {
      throw reader.error(
        "'zip' must be a list of lists of parameter names, e.g. zip: [[model.width, train.lr]]",
        at: zipNode.value)
    }
    var result: [[String]] = []
    var seen: [String: Node] = [:]
    for groupNode in groups {
      guard case .sequence(let nameNodes) = groupNode else {
        throw reader.error(
          "each 'zip' entry must be a list of parameter names, got \(reader.describe(groupNode))",
          at: groupNode)
      }
      var names: [String] = []
      var length: Int?
      var firstName = ""
      for nameNode in nameNodes {
        let name = try reader.string(nameNode, for: "zip")
        guard let definition = definitions.first(where: { $0.name == name }) else {
          throw reader.error(
            "zip names parameter '\(name)', which is not defined under 'parameters'",
            at: nameNode)
        }
        guard definition.distribution == .categorical else {
          throw reader.error(
            "zip parameter '\(name)' must be given as 'values: [...]' (it is"
              + " \(definition.distribution.rawValue))", at: nameNode)
        }
        if seen[name] != nil {
          throw reader.error("parameter '\(name)' appears in zip more than once", at: nameNode)
        }
        seen[name] = nameNode
        if let length, length != definition.values.count {
          throw reader.error(
            "zip group lists must have equal lengths: '\(firstName)' has \(length) values but"
              + " '\(name)' has \(definition.values.count)", at: nameNode)
        }
        if length == nil {
          length = definition.values.count
          firstName = name
        }
        names.append(name)
      }
      guard names.count >= 2 else {
        throw reader.error("a zip group needs at least two parameter names", at: groupNode)
      }
      // Members in grid order, so the group's position and key order are well defined.
      let order = definitions.map(\.name)
      result.append(names.sorted { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! })
    }
    return result
  }
}
