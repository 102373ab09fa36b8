import OrbitProtocol
import OrbitSpec

/// Signs and checks lease tokens: HMAC-SHA256 (RFC 2104) under a secret kept in the run
/// directory, over one 64-byte block naming the sweep and the worker — SHA-256(sweep id ‖ 0 ‖
/// worker id), zero-padded — then the trial id (32 bytes), plan index (8) and attempt (4).
///
/// A worker hands the token back with its result. A coordinator that restarted (and so holds no
/// leases) accepts a result only if the token proves it issued that lease to that worker; a peer
/// that never got the lease cannot make one up.
///
/// Cost: the dispatch path signs every TASK, so the inner state after the key pad and the
/// sweep-and-worker block is computed once per worker (`PeerKey`): a token is then two SHA-256
/// blocks, one inner and one outer.
public struct LeaseSigner: Sendable {
  /// SHA-256's block size, in bytes (RFC 2104's B).
  private static let blockSize = 64
  private let inner: SHA256.Midstate
  private let outer: SHA256.Midstate
  private let innerPad: [UInt8]
  private let sweepID: String

  /// The signer's state for one worker of the sweep.
  public struct PeerKey: Sendable {
    fileprivate let inner: SHA256.Midstate
  }

  /// - Parameter secret: at least 32 random bytes; longer secrets are hashed first (RFC 2104).
  public init(secret: [UInt8], sweepID: String) {
    var key = secret.count > Self.blockSize ? SHA256.hash(secret) : secret
    key += [UInt8](repeating: 0, count: Self.blockSize - key.count)
    innerPad = key.map { $0 ^ 0x36 }
    inner = SHA256.midstate(after: innerPad)
    outer = SHA256.midstate(after: key.map { $0 ^ 0x5c })
    self.sweepID = sweepID
  }

  public func key(forWorker workerID: String) -> PeerKey {
    var names = Array(sweepID.utf8)
    names.append(0)
    names += workerID.utf8
    let block = SHA256.hash(names) + [UInt8](repeating: 0, count: 32)
    return PeerKey(inner: SHA256.midstate(after: innerPad + block))
  }

  public func token(_ key: PeerKey, trialID: String, index: Int, attempt: Int) -> LeaseToken {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 44) { message in
      Self.trialBytes(trialID, into: UnsafeMutableBufferPointer(rebasing: message[0..<32]))
      var i = 32
      for shift in stride(from: 0, to: 64, by: 8) {
        message[i] = UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(index)) >> UInt64(shift))
        i += 1
      }
      for shift in stride(from: 0, to: 32, by: 8) {
        message[i] = UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: attempt) >> UInt32(shift))
        i += 1
      }
      var innerDigest = SHA256.digest(continuing: key.inner, UnsafeRawBufferPointer(message))
      return LeaseToken(withUnsafeBytes(of: &innerDigest) { SHA256.digest(continuing: outer, $0) })
    }
  }

  public func verify(_ token: LeaseToken, _ key: PeerKey, trialID: String, index: Int, attempt: Int)
    -> Bool
  {
    guard let tag = token.tag,
      let expected = self.token(key, trialID: trialID, index: index, attempt: attempt).tag
    else { return false }
    // Constant time: how much of a guess matches must not show in the time taken.
    let difference = tag ^ expected
    var any: UInt8 = 0
    for i in 0..<LeaseToken.byteCount { any |= difference[i] }
    return any == 0
  }

  /// A trial id's 32 bytes: its hex (every real id is 64 hex characters), or else the SHA-256 of
  /// its text (ids in tests).
  private static func trialBytes(_ id: String, into out: UnsafeMutableBufferPointer<UInt8>) {
    var id = id
    let parsed = id.withUTF8 { hex -> Bool in
      guard hex.count == 64 else { return false }
      for k in 0..<32 {
        guard let hi = nibble(hex[2 * k]), let lo = nibble(hex[2 * k + 1]) else { return false }
        out[k] = hi << 4 | lo
      }
      return true
    }
    if !parsed {
      for (k, byte) in SHA256.hash(Array(id.utf8)).enumerated() { out[k] = byte }
    }
  }

  private static func nibble(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: c - 0x30
    case 0x61...0x66: c - 0x61 + 10
    case 0x41...0x46: c - 0x41 + 10
    default: nil
    }
  }
}
