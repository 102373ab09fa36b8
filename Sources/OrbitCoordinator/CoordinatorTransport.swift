/// What reaches the coordinator's loop from its network.
public enum CoordinatorTransportEvent: Sendable {
  /// One message from a peer: the frames after its routing id, and the name its credentials
  /// were admitted under (CurveZMQ's allow-list), if the transport authenticates.
  case message(PeerID, frames: [[UInt8]], authenticatedAs: String?)
  /// The peer's connection closed (its process died, or the kernel said so): a worker's death,
  /// noticed at the speed of the network rather than after liveness.
  case disconnected(PeerID)
  /// A message from a connection admitted under credentials revoked since: the peer is refused,
  /// whatever it says. `name` is what it was admitted as.
  case revoked(PeerID, name: String?)
  /// Something the operator should know that is not a peer's message (a refused handshake).
  case warning(String)
}

/// The coordinator's side of the network: the seam between `CoordinatorServer`'s loop and its
/// sockets. `ZMQRouterTransport` is the real one (a ROUTER, its socket monitor, CurveZMQ); an
/// in-memory one (OrbitSimulation's `MemoryNetwork`) runs the same loop with workers in one
/// process.
public protocol CoordinatorTransport: AnyObject {
  /// Starts listening; returns the endpoint workers connect to.
  func start() throws(CoordinatorError) -> String
  /// Blocks until an event may be waiting, one of `fileDescriptors` is readable, or the
  /// timeout passes (a signal may end it early).
  func wait(timeoutMilliseconds: Int, orReadable fileDescriptors: [Int32]) throws
  /// The next event, or nil when none is waiting. Events come in the order they happened.
  func next() throws -> CoordinatorTransportEvent?
  /// Queues one message to a peer without blocking; false when the peer is gone or full.
  func send(_ message: [UInt8], to peer: PeerID) throws -> Bool
  /// Replaces the allow-list (a name for each admitted public key) and returns the peers
  /// admitted under names no longer in it. A transport without credentials returns none.
  func replaceAllowList(_ keys: [String: String]) -> [PeerID: String]
  /// Closes the network, after giving queued messages (the closing BYEs) a moment to leave.
  func close()
}
