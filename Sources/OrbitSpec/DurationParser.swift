import Yams

/// Reads a `timeout:` value: a number of seconds (`30`, `2.5`) or a string with a unit
/// (`"500ms"`, `"30s"`, `"5m"`, `"1h"`).
enum DurationParser {
  static func seconds(_ node: Node, reader: YAMLReader) throws(SpecError) -> Double {
    let value = try reader.value(node)
    var seconds: Double?
    switch value {
    case .int, .double: seconds = value.doubleValue
    case .string(let text):
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] {
        if trimmed.hasSuffix(suffix), let number = Double(trimmed.dropLast(suffix.count)) {
          seconds = number * scale
          break
        }
      }
    default: break
    }
    guard let seconds, seconds.isFinite, seconds > 0 else {
      throw reader.error(
        "'timeout' must be a positive duration such as 30, 2.5, \"30s\", \"5m\" or \"1h\","
          + " got \(reader.describe(node))", at: node)
    }
    return seconds
  }
}
