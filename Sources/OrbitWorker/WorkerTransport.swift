import OrbitProtocol
import ZeroMQ

/// The worker's side of the network: the seam between `WorkerServer`'s loop and its socket.
/// `ZMQDealerTransport` is the real one; an in-memory one (OrbitSimulation's `MemoryNetwork`)
/// runs the same loop against a coordinator in the same process.
public protocol WorkerTransport: AnyObject {
  /// Opens a fresh connection under `routingID`, closing any earlier one (what it carried is
  /// gone: the state machine re-sends what was not acknowledged).
  func connect(routingID: [UInt8]) throws(WorkerError)
  /// Blocks until a message may be waiting, one of `fileDescriptors` is readable, or the
  /// timeout passes.
  func wait(timeoutMilliseconds: Int, orReadable fileDescriptors: [Int32]) throws
  /// The next message's frames from the coordinator, or nil when none is waiting.
  func receive() throws -> [[UInt8]]?
  /// Queues one message to the coordinator without blocking.
  func send(_ message: [UInt8]) throws
  /// The failed security handshakes when they amount to a refusal of this worker's
  /// credentials (CurveZMQ), else nil.
  var refusedHandshakes: Int? { get }
  /// Closes the connection, giving queued messages (BYE, last results) a moment to leave.
  func close()
}

/// The worker's network on ZeroMQ: a DEALER socket per connection and its socket monitor, which
/// tells a refused key from a coordinator that is merely down.
public final class ZMQDealerTransport: WorkerTransport {
  private let context: ZMQContext
  private let endpoint: String
  private let curve: (keypair: ZMQCurveKeypair, serverKey: String)?
  private var socket: ZMQSocket?
  private var monitor: ZMQMonitor?
  /// Carries over reconnects: each new socket may meet the same refusal.
  private var handshakes = HandshakeWatch()
  /// Results and progress queue in the socket while the coordinator is away (a restart): room
  /// for a long outage's worth, bounded.
  static let highWaterMark = 100_000

  public init(
    context: ZMQContext, connect endpoint: String,
    curve: (keypair: ZMQCurveKeypair, serverKey: String)?
  ) {
    self.context = context
    self.endpoint = endpoint
    self.curve = curve
  }

  public func connect(routingID: [UInt8]) throws(WorkerError) {
    close(lingerMilliseconds: 0)
    do {
      let socket = try ZMQSocket(context, type: .dealer)
      monitor = try ZMQMonitor(socket, context: context)
      try socket.set(.routingID(routingID))
      try socket.set(.maxMessageBytes(Wire.maxMessageBytes))
      try socket.set(.sendHighWaterMark(Self.highWaterMark))
      try socket.set(.receiveHighWaterMark(Self.highWaterMark))
      if let curve { try socket.makeCurveClient(curve.keypair, serverKey: curve.serverKey) }
      self.socket = socket
    } catch {
      throw WorkerError(message: "cannot create the worker socket: \(error)")
    }
    do {
      try socket!.connect(endpoint)
    } catch {
      throw WorkerError(
        message:
          "cannot connect to \(endpoint): \(error). Pass the coordinator's address as tcp://HOST:PORT."
      )
    }
  }

  public func wait(timeoutMilliseconds: Int, orReadable fileDescriptors: [Int32]) throws {
    guard let socket, let monitor else { return }
    _ = try ZMQPoller.poll(
      [socket, monitor.socket], fileDescriptors: fileDescriptors,
      timeoutMilliseconds: timeoutMilliseconds)
    while let event = try monitor.next() { handshakes.note(event) }
  }

  public func receive() throws -> [[UInt8]]? {
    try socket?.receive(dontWait: true)
  }

  public func send(_ message: [UInt8]) throws {
    _ = try socket?.send([message], dontWait: true)
  }

  public var refusedHandshakes: Int? { handshakes.refused ? handshakes.failures : nil }

  public func close() { close(lingerMilliseconds: 1000) }

  private func close(lingerMilliseconds: Int32) {
    monitor?.close()
    socket?.close(lingerMilliseconds: lingerMilliseconds)
    monitor = nil
    socket = nil
  }
}
