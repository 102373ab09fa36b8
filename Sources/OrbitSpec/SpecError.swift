/// A place in a spec file: 1-based line and column, as editors count them.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:column`.
  public var description: String { "\(file):\(line):\(column)" }
}

/// The one error type of `OrbitSpec`: a bad or unreadable spec, or bad JSON.
///
/// `description` is the single line a user sees:
/// `spec.yaml:12:5: parameter 'lr': min must be < max (got min 1, max 0.1)`.
public struct SpecError: Error, CustomStringConvertible, Sendable {
  /// What kind of failure this is; the CLI maps it to an exit code (65 invalid, 66 unreadable).
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
      case invalid
      case unreadable
    }
    private let kind: Kind

    /// The spec (or JSON) is malformed or breaks a rule; exit 65 (`EX_DATAERR`).
    public static let invalid = Code(kind: .invalid)
    /// The spec file is missing or cannot be read; exit 66 (`EX_NOINPUT`).
    public static let unreadable = Code(kind: .unreadable)

    public var description: String {
      switch kind {
      case .invalid: return "invalid"
      case .unreadable: return "unreadable"
      }
    }
  }

  public var code: Code
  /// What is wrong and how to fix it, without the location prefix.
  public var message: String
  /// Where in the spec the problem is, when it is known.
  public var location: SourceLocation?

  public init(_ code: Code, _ message: String, at location: SourceLocation? = nil) {
    self.code = code
    self.message = message
    self.location = location
  }

  /// `file:line:column: message`, or just the message when there is no location.
  public var description: String {
    guard let location else { return message }
    return "\(location): \(message)"
  }
}
