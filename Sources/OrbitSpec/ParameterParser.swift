import Foundation
import Yams

/// Reads the `parameters:` tree into leaf definitions in grid order: keys sorted by code
/// point at each level, a nested group where its own name sorts, names joined with dots.
struct ParameterParser {
  var reader: YAMLReader
  /// Leaf parameters in grid order.
  var definitions: [ParameterDefinition] = []
  /// Where each dotted name is defined.
  var locations: [String: SourceLocation] = [:]

  static let leafKeys = [
    "distribution", "value", "values", "probabilities", "min", "max", "q", "mu", "sigma", "a",
    "b",
  ]

  init(reader: YAMLReader) { self.reader = reader }

  /// Whether `name` is a valid parameter name (wandb's `^[A-Za-z_][A-Za-z0-9_.-]*$`).
  static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first,
      first == "_" || (first.isASCII && first.properties.isAlphabetic)
    else { return false }
    return name.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII
        && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
          || scalar == "." || scalar == "-")
    }
  }

  mutating func parseGroup(_ node: Node, prefix: String) throws(SpecError) {
    let what = prefix.isEmpty ? "'parameters'" : "parameter group '\(prefix)'"
    let entries = try reader.entries(node, of: what)
    if entries.isEmpty {
      throw reader.error("\(what) is empty; define at least one parameter", at: node)
    }
    for entry in entries.sorted(by: { codePointLess($0.key, $1.key) }) {
      guard Self.isValidName(entry.key) else {
        throw reader.error(
          "parameter name '\(entry.key)' is invalid: names start with a letter or '_' and"
            + " contain only letters, digits, '_', '.' and '-'", at: entry.keyNode)
      }
      let name = prefix.isEmpty ? entry.key : prefix + "." + entry.key
      if let earlier = locations[name] {
        throw reader.error(
          "parameter '\(name)' is defined twice (first at \(earlier)); keep one", at: entry.keyNode)
      }
      locations[name] = reader.location(of: entry.keyNode)
      switch entry.value {
      case .scalar:
        throw reader.error(
          "parameter '\(name)' must be a mapping, got \(reader.describe(entry.value)); for a"
            + " fixed value write '\(entry.key): {value: ...}'", at: entry.value)
      case .sequence:
        throw reader.error(
          "parameter '\(name)' must be a mapping, got a list; to try each value write"
            + " '\(entry.key): {values: [...]}'", at: entry.value)
      default: break
      }
      let fields = try reader.entries(entry.value, of: "parameter '\(name)'")
      if fields.contains(where: { $0.key == "parameters" }) {
        try reader.rejectUnknownKeys(
          fields, allowed: ["parameters"], in: "parameter group '\(name)'")
        try parseGroup(fields[0].value, prefix: name)
      } else {
        definitions.append(
          try parseLeaf(name: name, keyNode: entry.keyNode, node: entry.value, fields: fields))
      }
    }
  }

  private func parseLeaf(name: String, keyNode: Node, node: Node, fields: [YAMLReader.Entry])
    throws(SpecError) -> ParameterDefinition
  {
    let what = "parameter '\(name)'"
    try reader.rejectUnknownKeys(fields, allowed: Self.leafKeys + ["parameters"], in: what)
    var field: [String: YAMLReader.Entry] = [:]
    for entry in fields { field[entry.key] = entry }

    let distribution: Distribution
    if let entry = field["distribution"] {
      let text = try reader.string(entry.value, for: "distribution")
      guard let known = Distribution(rawValue: text) else {
        let names = Distribution.allCases.map(\.rawValue).joined(separator: ", ")
        throw reader.error(
          "\(what): unknown distribution '\(text)'; use one of: \(names)", at: entry.value)
      }
      distribution = known
    } else if field["value"] != nil {
      distribution = .constant
    } else if field["values"] != nil {
      distribution = field["probabilities"] != nil ? .categoricalWithProbabilities : .categorical
    } else if let low = field["min"], let high = field["max"] {
      let lowIsInt = try reader.number(low.value, for: "\(what): min").isInteger
      let highIsInt = try reader.number(high.value, for: "\(what): max").isInteger
      distribution = lowIsInt && highIsInt ? .intUniform : .uniform
    } else {
      throw reader.error(
        "\(what) has no distribution: give 'value', 'values', 'min' and 'max', or 'distribution'",
        at: keyNode)
    }

    let allowed = ["distribution"] + distribution.allowedKeys
    for entry in fields where !allowed.contains(entry.key) {
      throw reader.error(
        "\(what): key '\(entry.key)' does not apply to distribution '\(distribution.rawValue)';"
          + " allowed keys: \(allowed.joined(separator: ", "))", at: entry.keyNode)
    }

    var definition = ParameterDefinition(
      name: name, distribution: distribution, location: reader.location(of: keyNode)!)
    switch distribution {
    case .constant:
      guard let entry = field["value"] else {
        throw reader.error("\(what): distribution 'constant' needs 'value'", at: keyNode)
      }
      definition.values = [try reader.value(entry.value)]
    case .categorical, .categoricalWithProbabilities:
      guard let entry = field["values"] else {
        throw reader.error("\(what): a categorical parameter needs 'values: [...]'", at: keyNode)
      }
      guard case .list(let values) = try reader.value(entry.value) else {
        throw reader.error(
          "\(what): 'values' must be a list, got \(reader.describe(entry.value))", at: entry.value)
      }
      if values.isEmpty {
        throw reader.error("\(what): 'values' is empty; give at least one value", at: entry.value)
      }
      definition.values = values
      if let probabilities = field["probabilities"] {
        definition.cumulativeProbabilities = try cumulative(
          probabilities.value, count: values.count, what: what)
      } else if distribution == .categoricalWithProbabilities {
        throw reader.error(
          "\(what): distribution '\(distribution.rawValue)' needs 'probabilities'",
          at: keyNode)
      }
    default:
      try readNumbers(&definition, field: field, keyNode: keyNode)
    }
    return definition
  }

  private func readNumbers(
    _ definition: inout ParameterDefinition, field: [String: YAMLReader.Entry], keyNode: Node
  ) throws(SpecError) {
    let what = "parameter '\(definition.name)'"
    let distribution = definition.distribution
    if distribution.needsBounds {
      guard let low = field["min"], let high = field["max"] else {
        throw reader.error(
          "\(what): distribution '\(distribution.rawValue)' needs both 'min' and 'max'",
          at: keyNode)
      }
      let (minimum, minIsInt) = try reader.number(low.value, for: "\(what): min")
      let (maximum, maxIsInt) = try reader.number(high.value, for: "\(what): max")
      if distribution == .intUniform && !(minIsInt && maxIsInt) {
        throw reader.error(
          "\(what): int_uniform needs integer 'min' and 'max' (got min \(formatted(minimum)),"
            + " max \(formatted(maximum))); use distribution: uniform for real numbers",
          at: minIsInt ? high.value : low.value)
      }
      guard minimum < maximum else {
        throw reader.error(
          "\(what): min must be < max (got min \(formatted(minimum)), max \(formatted(maximum)))",
          at: low.value)
      }
      if distribution.boundsAreLogValues && minimum <= 0 {
        throw reader.error(
          "\(what): \(distribution.rawValue) takes the logarithm of min and max, so min must be"
            + " > 0 (got \(formatted(minimum)))", at: low.value)
      }
      definition.min = minimum
      definition.max = maximum
      definition.boundsAreIntegers = minIsInt && maxIsInt
      if distribution == .intUniform {
        guard case .int(let lowInteger) = try reader.value(low.value),
          case .int(let highInteger) = try reader.value(high.value),
          case (let span, false) = highInteger.subtractingReportingOverflow(lowInteger),
          span < Int64.max
        else {
          throw reader.error(
            "\(what): the range min..max is too large for 64-bit integers", at: low.value)
        }
        definition.integerMin = lowInteger
        definition.integerMax = highInteger
      }
    }
    if let entry = field["q"] {
      let (q, isInteger) = try reader.number(entry.value, for: "\(what): q")
      guard q > 0 else {
        throw reader.error("\(what): q must be > 0 (got \(formatted(q)))", at: entry.value)
      }
      definition.q = q
      definition.qIsInteger = isInteger
    } else {
      // wandb's schema default is the float 1.0, so draws come out as floats.
      definition.q = 1
      definition.qIsInteger = false
    }
    if let entry = field["mu"] {
      definition.mu = try reader.number(entry.value, for: "\(what): mu").value
    }
    for (key, keyPath) in [("a", \ParameterDefinition.alpha), ("b", \ParameterDefinition.beta)] {
      guard let entry = field[key] else { continue }
      let shape = try reader.number(entry.value, for: "\(what): \(key)").value
      guard shape > 0 else {
        throw reader.error(
          "\(what): the beta shape '\(key)' must be > 0 (got \(formatted(shape)))", at: entry.value)
      }
      definition[keyPath: keyPath] = shape
    }
    if let entry = field["sigma"] {
      let sigma = try reader.number(entry.value, for: "\(what): sigma").value
      guard sigma >= 0 else {
        throw reader.error("\(what): sigma must be >= 0 (got \(formatted(sigma)))", at: entry.value)
      }
      definition.sigma = sigma
    }
  }

  private func cumulative(_ node: Node, count: Int, what: String) throws(SpecError) -> [Double] {
    guard case .list(let items) = try reader.value(node) else {
      throw reader.error("\(what): 'probabilities' must be a list of numbers", at: node)
    }
    guard items.count == count else {
      throw reader.error(
        "\(what): 'probabilities' has \(items.count) entries but 'values' has \(count);"
          + " give one probability per value", at: node)
    }
    var running = 0.0
    var result: [Double] = []
    for item in items {
      let probability: Double? =
        switch item {
        case .int, .double: item.doubleValue
        default: nil
        }
      guard let probability, probability >= 0 else {
        throw reader.error(
          "\(what): every probability must be a number >= 0 (got \(item.json))", at: node)
      }
      running += probability
      result.append(running)
    }
    guard abs(running - 1) < 1e-6 else {
      throw reader.error(
        "\(what): probabilities must sum to 1 (they sum to \(formatted(running)))", at: node)
    }
    result[result.count - 1] = 1
    return result
  }
}

/// A number as a person wrote it: `1`, `0.1`, `1e-05`.
func formatted(_ number: Double) -> String {
  if number.isFinite, number.rounded() == number, abs(number) < 1e15 {
    return String(Int64(number))
  }
  return PythonFormat.repr(number)
}
