import CZeroMQ

/// A connection event of a monitored socket (libzmq's socket monitor), as this module reports it.
public enum ZMQConnectionEvent: Sendable, Equatable {
  /// A peer's connection was accepted on descriptor `fd`.
  case accepted(fd: Int32)
  /// This socket's outgoing connection was made (on `fd`).
  case connected(fd: Int32)
  /// The security handshake on `fd` succeeded.
  case handshakeSucceeded(fd: Int32)
  /// The connection on descriptor `fd` closed: the peer process died, closed its socket, or its
  /// host became unreachable (TCP reset or keepalive timeout).
  case disconnected(fd: Int32)
  /// A security handshake (CURVE) on `fd` failed: the peer was refused.
  case handshakeFailed(fd: Int32, code: Int32)
}

/// Watches a socket's connections through libzmq's socket monitor (an inproc PAIR socket).
///
/// Events arrive in the order libzmq's I/O thread emitted them. A connection's DISCONNECTED is
/// emitted before its descriptor is closed, so before any later ACCEPTED that reuses the number:
/// reading this monitor before the monitored socket's messages keeps descriptor owners straight.
public final class ZMQMonitor {
  private let pair: ZMQSocket
  private let monitored: ZMQSocket
  private nonisolated(unsafe) static var counter = 0

  /// Starts monitoring `socket` (before it binds, so no connection is missed).
  public init(_ socket: ZMQSocket, context: ZMQContext) throws(ZMQError) {
    Self.counter += 1
    let address = "inproc://orbit-monitor-\(Self.counter)-\(UInt32.random(in: 0...UInt32.max))"
    let events =
      ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED
      | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
      | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
    let rc = socket.withHandle { zmq_socket_monitor($0, address, events) }
    if rc != 0 { throw ZMQError.last("zmq_socket_monitor") }
    monitored = socket
    pair = try ZMQSocket(context, type: .pair)
    try pair.connect(address)
  }

  /// The monitor's socket, to poll beside others.
  public var socket: ZMQSocket { pair }

  /// The next event, or nil when none is queued.
  public func next() throws(ZMQError) -> ZMQConnectionEvent? {
    while let frames = try pair.receive(dontWait: true) {
      // Frame 1: event number (u16) and value (u32), host byte order; frame 2: the endpoint.
      guard let first = frames.first, first.count >= 6 else { continue }
      let event = Int32(UInt16(first[0]) | UInt16(first[1]) << 8)
      let value = first[2...5].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.1) << (8 * $1.0) }
      let fd = Int32(bitPattern: value)
      switch event {
      case ZMQ_EVENT_ACCEPTED: return .accepted(fd: fd)
      case ZMQ_EVENT_CONNECTED: return .connected(fd: fd)
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return .handshakeSucceeded(fd: fd)
      case ZMQ_EVENT_DISCONNECTED: return .disconnected(fd: fd)
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        return .handshakeFailed(fd: -1, code: Int32(bitPattern: value))
      default: continue
      }
    }
    return nil
  }

  /// Stops monitoring and closes the monitor's socket.
  public func close() {
    _ = monitored.withHandle { zmq_socket_monitor($0, nil, 0) }
    pair.close()
  }
}
