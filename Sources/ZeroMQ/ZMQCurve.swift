import CZeroMQ

/// CurveZMQ key material (Z85 text, 40 characters per key).
///
/// Never print a secret key: `description` shows the public key only.
public struct ZMQCurveKeypair: Sendable, CustomStringConvertible {
  public let publicKey: String
  public let secretKey: String

  public init(publicKey: String, secretKey: String) {
    self.publicKey = publicKey
    self.secretKey = secretKey
  }

  /// Generates a fresh keypair with `zmq_curve_keypair`.
  public static func generate() throws(ZMQError) -> ZMQCurveKeypair {
    var pub = [CChar](repeating: 0, count: 41)
    var sec = [CChar](repeating: 0, count: 41)
    if zmq_curve_keypair(&pub, &sec) != 0 { throw ZMQError.last("zmq_curve_keypair") }
    return ZMQCurveKeypair(
      publicKey: String(zeroTerminated: pub), secretKey: String(zeroTerminated: sec))
  }

  /// Derives the public key of a Z85 secret key (`zmq_curve_public`); nil if it is not one.
  public static func publicKey(ofSecret secret: String) -> String? {
    guard isZ85Key(secret) else { return nil }
    var pub = [CChar](repeating: 0, count: 41)
    guard zmq_curve_public(&pub, secret) == 0 else { return nil }
    return String(zeroTerminated: pub)
  }

  /// Whether `text` has the shape of a Z85-encoded 32-byte key.
  public static func isZ85Key(_ text: String) -> Bool {
    let alphabet = Set(
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")
    return text.count == 40 && text.allSatisfy { alphabet.contains($0) }
  }

  /// Z85 text of 32 raw key bytes (as ZAP hands them over).
  static func z85(_ bytes: [UInt8]) -> String? {
    guard bytes.count == 32 else { return nil }
    var out = [CChar](repeating: 0, count: 41)
    guard zmq_z85_encode(&out, bytes, 32) != nil else { return nil }
    return String(zeroTerminated: out)
  }

  public var description: String { "CURVE key \(publicKey)" }
}

extension ZMQSocket {
  /// Makes this socket a CURVE server with `keypair`: every peer must handshake with CURVE, and
  /// the context's ZAP handler (see `ZAPAuthenticator`) decides who is admitted.
  public func makeCurveServer(_ keypair: ZMQCurveKeypair, domain: String = "orbit") throws(ZMQError)
  {
    try setOption(ZMQ_CURVE_SERVER, Int32(1))
    try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keypair.secretKey.utf8))
    try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8))
  }

  /// Makes this socket a CURVE client of the server whose public key is `serverKey`.
  public func makeCurveClient(_ keypair: ZMQCurveKeypair, serverKey: String) throws(ZMQError) {
    try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8))
    try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(keypair.publicKey.utf8))
    try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keypair.secretKey.utf8))
  }
}

extension String {
  /// Decodes a NUL-terminated C buffer as UTF-8.
  init(zeroTerminated buffer: [CChar]) {
    self = String(
      decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
