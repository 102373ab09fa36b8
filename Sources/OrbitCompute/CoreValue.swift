/// One parameter value of a core trial, as the spec and the wire carry it.
public enum CoreValue: Sendable, Hashable {
  case int(Int)
  case double(Double)
  case string(String)
  case bool(Bool)
  /// A list of values (`train.cooldowns: [8192, 32768]`).
  case list([CoreValue])

  /// A short rendering for error messages ("3", "0.001", "\"adam\"", "true").
  var rendered: String {
    switch self {
    case .int(let value): return String(value)
    case .double(let value): return String(value)
    case .string(let value): return "\"\(value)\""
    case .bool(let value): return String(value)
    case .list(let values): return "[" + values.map(\.rendered).joined(separator: ", ") + "]"
    }
  }
}

/// A setting of a core trial that is missing, of the wrong type or out of range.
public struct CoreConfigError: Error, CustomStringConvertible, Sendable {
  /// The dotted key at fault, so the CLI can point at the spec's file:line.
  public var key: String
  /// Names the key, the bad value and the fix.
  public var message: String

  /// Creates an error for `key` with a message that already names the key.
  public init(key: String, message: String) {
    self.key = key
    self.message = message
  }

  public var description: String { message }
}
