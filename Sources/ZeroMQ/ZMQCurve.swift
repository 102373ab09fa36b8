import CZeroMQ

/// CurveZMQ key material (Z85 text, 40 characters per key).
public struct ZMQCurveKeypair: Sendable {
  public let publicKey: String
  public let secretKey: String

  /// Generates a fresh keypair with `zmq_curve_keypair`.
  public static func generate() throws(ZMQError) -> ZMQCurveKeypair {
    var pub = [CChar](repeating: 0, count: 41)
    var sec = [CChar](repeating: 0, count: 41)
    if zmq_curve_keypair(&pub, &sec) != 0 { throw ZMQError.last("zmq_curve_keypair") }
    return ZMQCurveKeypair(
      publicKey: String(zeroTerminated: pub), secretKey: String(zeroTerminated: sec))
  }
}

extension String {
  /// Decodes a NUL-terminated C buffer as UTF-8.
  init(zeroTerminated buffer: [CChar]) {
    self = String(
      decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
