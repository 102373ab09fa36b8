/// Why a message could not be decoded. Malformed wire input is counted and dropped, never fatal.
public struct ProtocolError: Error, CustomStringConvertible, Sendable, Equatable {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: String {
      case tooLarge, badMagic, badVersion, unknownType, truncated, invalid
    }
    private let kind: Kind
    public static let tooLarge = Code(kind: .tooLarge)
    public static let badMagic = Code(kind: .badMagic)
    public static let badVersion = Code(kind: .badVersion)
    public static let unknownType = Code(kind: .unknownType)
    public static let truncated = Code(kind: .truncated)
    public static let invalid = Code(kind: .invalid)
    public var description: String { kind.rawValue }
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code): \(message)" }
}
