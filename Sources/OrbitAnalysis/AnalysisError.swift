/// The one error type of OrbitAnalysis: a code to switch on and a message that names the
/// thing that is wrong and how to fix it.
public struct AnalysisError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure this is; compare against the static members.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
      case malformedCSV, missingColumn, notEnoughData, invalidSetting, fitFailed
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The CSV text cannot be parsed (unbalanced quotes, ragged rows).
    public static let malformedCSV = Code(.malformedCSV)
    /// A column named in the settings is not in the table.
    public static let missingColumn = Code(.missingColumn)
    /// Too few usable points to fit the law asked for.
    public static let notEnoughData = Code(.notEnoughData)
    /// A setting is out of range (negative bootstrap count, level outside (0, 1), …).
    public static let invalidSetting = Code(.invalidSetting)
    /// The optimiser ended on no fit: non-finite, or worse than a law the fitted law contains.
    public static let fitFailed = Code(.fitFailed)

    public var description: String { "\(kind)" }
  }

  /// The kind of failure.
  public var code: Code
  /// A message naming the thing and the fix.
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }
}
