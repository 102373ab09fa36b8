import Dispatch
import OrbitProtocol
import OrbitSpec
import ZeroMQ

/// The coordinator's network on ZeroMQ: one ROUTER socket, its socket monitor (closed
/// connections, failed handshakes) and, with CurveZMQ, the ZAP handler that admits keys.
///
/// The monitor names connections by descriptor and the ROUTER names peers by routing id; this
/// type keeps the map between them, so the loop above hears "peer P disconnected".
public final class ZMQRouterTransport: CoordinatorTransport {
  private let context: ZMQContext
  private let bindEndpoint: String
  private let curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?
  /// Failed handshakes not yet reported, and when the next report may be made.
  private var failedHandshakes = 0
  private var nextHandshakeWarning: UInt64 = 0
  /// At most one line about failed handshakes per 10 s.
  static let handshakeWarningIntervalNanoseconds: UInt64 = 10_000_000_000
  private var router: ZMQSocket?
  private var monitor: ZMQMonitor?
  private var authenticator: ZAPAuthenticator?
  /// Events taken from the monitor (or queued behind them) and not yet returned, oldest first.
  private var pending: [CoordinatorTransportEvent] = []
  /// Which connection (descriptor) each peer last spoke on, and back.
  private var peerOfFD: [Int32: PeerID] = [:]
  private var fdOfPeer: [PeerID: Int32] = [:]
  /// With CURVE: the names admitted now (the allow-list's values), and the name each peer's
  /// connection was admitted under (its ZAP User-Id).
  private var admittedNames: Set<String> = []
  private var nameOfPeer: [PeerID: String] = [:]

  public init(
    context: ZMQContext, bind: String,
    curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?
  ) {
    self.context = context
    self.bindEndpoint = bind
    self.curve = curve
  }

  public func start() throws(CoordinatorError) -> String {
    let router: ZMQSocket
    do {
      router = try ZMQSocket(context, type: .router)
      try router.set(.maxMessageBytes(Wire.maxMessageBytes))
      // Fail a send to a vanished peer at once instead of dropping it silently.
      try router.set(.routerMandatory(true))
      // A worker socket that reconnects (same routing id) takes over its old connection.
      try router.set(.routerHandover(true))
      // Credits already bound what is queued per peer; the high-water marks are a backstop.
      try router.set(.sendHighWaterMark(Timing.highWaterMark))
      try router.set(.receiveHighWaterMark(Timing.highWaterMark))
    } catch {
      throw CoordinatorError(
        kind: .socket, message: "cannot create the coordinator socket: \(error)")
    }
    self.router = router
    do {
      monitor = try ZMQMonitor(router, context: context)
    } catch {
      throw CoordinatorError(
        kind: .socket, message: "cannot monitor the coordinator socket: \(error)")
    }
    if let curve {
      do {
        authenticator = try ZAPAuthenticator(context: context, allowedKeys: curve.allowed)
        admittedNames = Set(curve.allowed.values)
        try router.makeCurveServer(curve.keypair)
      } catch {
        throw CoordinatorError(kind: .socket, message: "cannot set up CurveZMQ: \(error)")
      }
    }
    do {
      try router.bind(bindEndpoint)
    } catch {
      throw CoordinatorError(
        kind: .cannotBind,
        message:
          "cannot bind \(bindEndpoint): \(error). Is another coordinator using the port? Pass --bind tcp://127.0.0.1:0 to pick a free one."
      )
    }
    return router.lastEndpoint
  }

  public func wait(timeoutMilliseconds: Int, orReadable fileDescriptors: [Int32]) throws {
    guard pending.isEmpty, let router, let monitor else { return }
    _ = try ZMQPoller.poll(
      [router, monitor.socket], fileDescriptors: fileDescriptors,
      timeoutMilliseconds: timeoutMilliseconds)
  }

  public func next() throws -> CoordinatorTransportEvent? {
    guard let router else { return nil }
    if pending.isEmpty { try takeMonitorEvents() }
    if !pending.isEmpty { return pending.removeFirst() }
    guard
      let (frames, fd, user) = try router.receiveWithPeer(dontWait: true, userID: curve != nil)
    else { return nil }
    let peer = PeerID(frames.first ?? [])
    if curve != nil {
      // A connection admitted under a key revoked since (SIGHUP): refused, whatever it says.
      guard let user, admittedNames.contains(user) else {
        return .revoked(peer, name: nameOfPeer.removeValue(forKey: peer))
      }
      nameOfPeer[peer] = user
    }
    let event = CoordinatorTransportEvent.message(
      peer, frames: Array(frames.dropFirst()), authenticatedAs: curve != nil ? user : nil)
    guard fd >= 0 && fdOfPeer[peer] != fd else { return event }
    // A connection we have not seen this peer on: first every pending monitor event, so a
    // stale DISCONNECTED of an earlier owner of this descriptor is not applied to it.
    try takeMonitorEvents()
    if let old = fdOfPeer[peer], peerOfFD[old] == peer { peerOfFD[old] = nil }
    fdOfPeer[peer] = fd
    peerOfFD[fd] = peer
    pending.append(event)
    return pending.removeFirst()
  }

  public func send(_ message: [UInt8], to peer: PeerID) throws -> Bool {
    guard let router else { return false }
    return try router.send([peer.bytes, message], dontWait: true)
  }

  public func replaceAllowList(_ keys: [String: String]) -> [PeerID: String] {
    guard let authenticator else { return [:] }
    authenticator.replaceAllowed(keys)
    admittedNames = Set(keys.values)
    let revoked = nameOfPeer.filter { !admittedNames.contains($0.value) }
    for peer in revoked.keys { nameOfPeer[peer] = nil }
    return revoked
  }

  public func close() {
    authenticator?.stop()
    monitor?.close()
    // Linger so the closing BYEs reach the workers.
    router?.close(lingerMilliseconds: Timing.closingLingerMilliseconds)
    authenticator = nil
    monitor = nil
    router = nil
  }

  /// Moves the monitor's news into `pending`: closed connections of known peers, refused
  /// handshakes and keys.
  private func takeMonitorEvents() throws {
    guard let monitor else { return }
    while let event = try monitor.next() {
      switch event {
      case .disconnected(let fd):
        guard let peer = peerOfFD.removeValue(forKey: fd) else { continue }
        if fdOfPeer[peer] == fd { fdOfPeer[peer] = nil }
        pending.append(.disconnected(peer))
      case .handshakeFailed(_, let code):
        // One line per interval at most, with the count since: a port scan or an HTTP client on
        // this port fails the handshake once per connection (991 lines from 1,092 of them).
        failedHandshakes += 1
        let now = DispatchTime.now().uptimeNanoseconds
        guard now >= nextHandshakeWarning else { continue }
        nextHandshakeWarning = now + Self.handshakeWarningIntervalNanoseconds
        let count = failedHandshakes == 1 ? "a connection" : "\(failedHandshakes) connections"
        failedHandshakes = 0
        pending.append(
          .warning(
            curve != nil
              ? "refused \(count): the CurveZMQ handshake failed (last code \(code)): a worker without the coordinator's public key, or whose key is not in --allow-keys"
              : "refused \(count): not a ZeroMQ peer (the ZMTP handshake failed, last code \(code)): a port scan, an HTTP client or a health check on the workers' port"
          ))
      case .accepted, .connected, .handshakeSucceeded:
        break
      }
    }
    for key in authenticator?.takeRefusals() ?? [] {
      pending.append(
        .warning(
          "refused a worker: its CurveZMQ key \(CoordinatorServer.fingerprint(key)) is not in --allow-keys (add its .pub to the list to admit it)"
        ))
    }
  }
}
