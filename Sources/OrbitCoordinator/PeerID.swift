/// A worker connection as the ROUTER socket names it (the routing id frame).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]

  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public var description: String {
    if let text = String(validating: bytes, as: UTF8.self),
      text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
    {
      return text
    }
    return bytes.map { String($0, radix: 16) }.joined()
  }
}
