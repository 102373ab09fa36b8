import OrbitProtocol
import OrbitSpec

/// Signs and checks lease tokens: HMAC-SHA256 (RFC 2104) over (sweep id, trial id, plan index,
/// attempt, worker id) under a secret kept in the run directory.
///
/// A worker hands the token back with its result. A coordinator that restarted (and so holds no
/// leases) accepts a result only if the token proves it issued that lease to that worker; a peer
/// that never got the lease cannot make one up.
public struct LeaseSigner: Sendable {
  /// SHA-256's block size, in bytes (RFC 2104's B).
  private static let blockSize = 64
  private let innerPad: [UInt8]
  private let outerPad: [UInt8]

  /// - Parameter secret: at least 32 random bytes; longer secrets are hashed first (RFC 2104).
  public init(secret: [UInt8]) {
    var key = secret.count > Self.blockSize ? SHA256.hash(secret) : secret
    key += [UInt8](repeating: 0, count: Self.blockSize - key.count)
    innerPad = key.map { $0 ^ 0x36 }
    outerPad = key.map { $0 ^ 0x5c }
  }

  public func token(sweepID: String, trialID: String, index: Int, attempt: Int, workerID: String)
    -> LeaseToken
  {
    var message: [UInt8] = []
    message.reserveCapacity(160)
    // Length-prefixed fields, so no two different tuples sign the same bytes.
    for field in [sweepID, trialID, workerID] {
      let utf8 = Array(field.utf8)
      Self.append(UInt64(utf8.count), to: &message)
      message += utf8
    }
    Self.append(UInt64(bitPattern: Int64(index)), to: &message)
    Self.append(UInt64(bitPattern: Int64(attempt)), to: &message)
    return LeaseToken(mac(message))
  }

  public func verify(
    _ token: LeaseToken, sweepID: String, trialID: String, index: Int, attempt: Int,
    workerID: String
  ) -> Bool {
    let expected = self.token(
      sweepID: sweepID, trialID: trialID, index: index, attempt: attempt, workerID: workerID)
    guard token.bytes.count == expected.bytes.count else { return false }
    // Constant time: how much of a guess matches must not show in the time taken.
    var difference: UInt8 = 0
    for (a, b) in zip(token.bytes, expected.bytes) { difference |= a ^ b }
    return difference == 0
  }

  private func mac(_ message: [UInt8]) -> [UInt8] {
    SHA256.hash(outerPad + SHA256.hash(innerPad + message))
  }

  private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }
}
