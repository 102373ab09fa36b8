import Yams

/// Reads Yams nodes into Orbit values, turning every problem into a `SpecError` that names
/// `file:line:column`.
struct YAMLReader {
  var fileName: String

  /// One `key: value` pair of a mapping, with the key as text.
  struct Entry {
    var key: String
    var keyNode: Node
    var value: Node
  }

  func location(of node: Node) -> SourceLocation? {
    guard let mark = node.mark else { return nil }
    return SourceLocation(file: fileName, line: mark.line, column: mark.column)
  }

  func error(_ message: String, at node: Node?) -> SpecError {
    SpecError(.invalid, message, at: node.flatMap(location(of:)))
  }

  /// The pairs of a mapping node, in file order.
  /// - Throws: if `node` is not a mapping or a key is not a plain scalar.
  func entries(_ node: Node, of what: String) throws(SpecError) -> [Entry] {
    guard case .mapping(let mapping) = node else {
      throw error("\(what) must be a mapping of keys to values, got \(describe(node))", at: node)
    }
    var result: [Entry] = []
    var merged: [Entry] = []
    for (keyNode, value) in mapping {
      guard case .scalar(let scalar) = keyNode else {
        throw error("\(what): keys must be plain names", at: keyNode)
      }
      if scalar.string == "<<" && scalar.style == .plain {
        merged += try mergedEntries(value, of: what)
        continue
      }
      result.append(Entry(key: scalar.string, keyNode: keyNode, value: value))
    }
    // YAML merge keys (`<<: *defaults`), as PyYAML reads them: keys written in the mapping
    // win over merged ones, and an earlier merged mapping wins over a later one.
    var present = Set(result.map(\.key))
    for entry in merged where present.insert(entry.key).inserted {
      result.append(entry)
    }
    return result
  }

  /// The entries a `<<` key brings in: one mapping or a list of mappings.
  private func mergedEntries(_ node: Node, of what: String) throws(SpecError) -> [Entry] {
    switch node {
    case .mapping: return try entries(node, of: what)
    case .sequence(let items):
      var result: [Entry] = []
      for item in items {
        guard case .mapping = item else {
          throw error("\(what): '<<' merges mappings only, got \(describe(item))", at: item)
        }
        result += try entries(item, of: what)
      }
      return result
    default:
      throw error("\(what): '<<' merges mappings only, got \(describe(node))", at: node)
    }
  }

  /// Rejects any key not in `allowed`, naming it and listing the allowed ones.
  func rejectUnknownKeys(_ entries: [Entry], allowed: [String], in what: String) throws(SpecError) {
    for entry in entries where !allowed.contains(entry.key) {
      var message = "unknown key '\(entry.key)' in \(what)"
      if let guess = closest(to: entry.key, among: allowed) {
        message += " (did you mean '\(guess)'?)"
      }
      message += "; allowed keys: \(allowed.joined(separator: ", "))"
      throw error(message, at: entry.keyNode)
    }
  }

  /// The allowed key within edit distance 2 of a misspelt one, if exactly one is nearest.
  func closest(to key: String, among allowed: [String]) -> String? {
    let scored = allowed.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 2 }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return scored.filter { $0.1 == best.1 }.count == 1 ? best.0 : nil
  }

  /// Edit distance with adjacent transpositions counted as one edit (optimal string alignment):
  /// `valeus` is one edit from `values` and two from `value`, so it gets its suggestion; plain
  /// Levenshtein scored both 2 and suggested neither (issue 22).
  func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs.unicodeScalars)
    let b = Array(rhs.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }

  /// Converts any node to a `ParamValue` with YAML 1.1 core typing (as PyYAML reads wandb
  /// configs): quoted scalars are strings, plain ones may be null, bool, int or float.
  func value(_ node: Node) throws(SpecError) -> ParamValue {
    switch node {
    case .scalar(let scalar):
      if scalar.style != .plain { return .string(scalar.string) }
      let tag = node.tag.description
      if tag == Tag.Name.null.rawValue { return .null }
      if tag == Tag.Name.bool.rawValue, let flag = node.bool { return .bool(flag) }
      if tag == Tag.Name.int.rawValue {
        if let integer = Int64.construct(from: scalar) { return .int(integer) }
        if let number = node.float { return .double(number) }
      }
      if tag == Tag.Name.float.rawValue, let number = node.float { return .double(number) }
      return .string(scalar.string)
    case .sequence(let sequence):
      var items: [ParamValue] = []
      for item in sequence { items.append(try value(item)) }
      return .list(items)
    case .mapping:
      var members: [String: ParamValue] = [:]
      for entry in try entries(node, of: "a mapping value") {
        members[entry.key] = try value(entry.value)
      }
      return .object(members)
    case .alias:
      throw error("YAML aliases are not supported here; write the value out", at: node)
    }
  }

  func string(_ node: Node, for key: String) throws(SpecError) -> String {
    switch try value(node) {
    case .string(let text): return text
    case let other: throw error("'\(key)' must be a string, got \(other.kindName)", at: node)
    }
  }

  /// A number, written as an integer or a float.
  func number(_ node: Node, for what: String) throws(SpecError) -> (value: Double, isInteger: Bool)
  {
    switch try value(node) {
    case .int(let integer): return (Double(integer), true)
    case .double(let number) where number.isFinite: return (number, false)
    case let other: throw error("\(what) must be a number, got \(describe(other))", at: node)
    }
  }

  func integer(_ node: Node, for what: String) throws(SpecError) -> Int {
    guard case .int(let integer) = try value(node), let result = Int(exactly: integer) else {
      throw error("\(what) must be an integer, got \(describe(node))", at: node)
    }
    return result
  }

  /// A short description of a node for messages: its text when scalar, else its kind.
  func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar):
      if scalar.style == .plain && (scalar.string.isEmpty || scalar.string == "~") {
        return "nothing (an empty value)"
      }
      return "'\(scalar.string)'"
    case .sequence: return "a list"
    case .mapping: return "a mapping"
    case .alias: return "an alias"
    }
  }

  func describe(_ value: ParamValue) -> String {
    switch value {
    case .string(let text): return "'\(text)'"
    case .list, .object: return value.kindName
    default: return value.json
    }
  }
}
