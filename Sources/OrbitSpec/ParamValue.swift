/// A JSON-like value: a parameter value, a metric, a spec value.
///
/// Integers and doubles stay distinct (`1` is not `1.0`) so that a command line shows what the
/// spec said; only ``canonicalJSON`` — what trial ids hash — folds whole doubles into integers.
public indirect enum ParamValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case list([ParamValue])
  case object([String: ParamValue])

  /// The value as a `Double` when it is a number or a bool (`true` is 1), else `nil`.
  public var doubleValue: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .double(let value): return value
    case .bool(let value): return value ? 1 : 0
    default: return nil
    }
  }

  /// The value as an `Int64` when it is an integer, or a double with no fractional part.
  public var intValue: Int64? {
    switch self {
    case .int(let value): return value
    case .double(let value):
      guard value.rounded() == value, abs(value) < 9.2e18 else { return nil }
      return Int64(value)
    default: return nil
    }
  }

  /// Canonical JSON: object keys sorted by code point, no spaces, non-ASCII escaped as `\uXXXX`,
  /// and doubles with no fractional part written as integers — as wandb's `yaml_hash` does, so
  /// that `1` and `1.0` name the same trial. Equal to Python's
  /// `json.dumps(v, sort_keys=True, separators=(",", ":"))` after that folding.
  public var canonicalJSON: String {
    var out = ""
    JSONWriter.write(self, into: &out, foldWholeDoubles: true)
    return out
  }

  /// Plain JSON with sorted keys and no spaces; doubles keep their `.0` (`1.0` stays `1.0`).
  /// This is what a program receives in `${args_json}` and `ORBIT_PARAMS_JSON`.
  public var json: String {
    var out = ""
    JSONWriter.write(self, into: &out, foldWholeDoubles: false)
    return out
  }

  /// The text Python's `str()` gives for the value: `True`, `False`, `None`, `1.0`, `1e-05`,
  /// `['a', 1]`, `{'k': 2}` (object keys sorted).
  public var pythonString: String {
    switch self {
    case .string(let value): return value
    default: return PythonFormat.repr(self)
    }
  }

  /// Parses one JSON document (RFC 8259; `NaN`/`Infinity` accepted as Python writes them).
  /// - Throws: `SpecError` with code `.invalid` naming the offset of the first bad character.
  public static func parseJSON(_ text: String) throws(SpecError) -> ParamValue {
    var parser = JSONParser(text)
    return try parser.parseDocument()
  }

  /// The strings a metric's NaN and infinities are stored as: JSON has no such numbers, and a
  /// program's `json.dumps` writes them anyway (docs/PROGRAMS.md).
  public static let nonFiniteNames: [String] = ["NaN", "Infinity", "-Infinity"]

  /// The value with every NaN and infinity replaced by its name (`"NaN"`, `"Infinity"`,
  /// `"-Infinity"`), so that it is valid JSON wherever it is stored or served (issue 25: a NaN
  /// curve point made `/api/trials/ID` invalid JSON, and a NaN metric dropped all the others).
  public var replacingNonFinite: ParamValue {
    switch self {
    case .double(let d) where d.isNaN: return .string("NaN")
    case .double(let d) where d.isInfinite: return .string(d > 0 ? "Infinity" : "-Infinity")
    case .list(let items): return .list(items.map(\.replacingNonFinite))
    case .object(let members): return .object(members.mapValues(\.replacingNonFinite))
    default: return self
    }
  }

  /// Whether this is a number that is not finite, or the name one is stored under.
  public var isNonFiniteNumber: Bool {
    switch self {
    case .double(let d): return !d.isFinite
    case .string(let s): return Self.nonFiniteNames.contains(s)
    default: return false
    }
  }

  /// A short name for the kind of value, for error messages ("a string", "a list").
  var kindName: String {
    switch self {
    case .null: return "null"
    case .bool: return "a bool"
    case .int: return "an integer"
    case .double: return "a number"
    case .string: return "a string"
    case .list: return "a list"
    case .object: return "a mapping"
    }
  }
}

extension ParamValue: CustomStringConvertible {
  /// The plain JSON text of the value.
  public var description: String { json }
}

extension ParamValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
  ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
  ExpressibleByNilLiteral
{
  public init(integerLiteral value: Int64) { self = .int(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(stringLiteral value: String) { self = .string(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(arrayLiteral elements: ParamValue...) { self = .list(elements) }
  public init(nilLiteral: ()) { self = .null }
}

/// Orders strings by Unicode scalar values, as Python's `sorted` does for `str`.
func codePointLess(_ lhs: String, _ rhs: String) -> Bool {
  lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars) { $0.value < $1.value }
}
