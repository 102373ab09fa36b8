import CZeroMQ

/// The socket types Orbit uses.
public enum ZMQSocketType: Sendable {
  case router, dealer, pair, rep

  var rawValue: Int32 {
    switch self {
    case .router: ZMQ_ROUTER
    case .dealer: ZMQ_DEALER
    case .pair: ZMQ_PAIR
    case .rep: ZMQ_REP
    }
  }
}

/// The socket options Orbit sets, as values with units instead of raw `ZMQ_*` integers.
public enum ZMQSocketOption: Sendable {
  /// Frames larger than this are dropped by libzmq before they are buffered (ZMQ_MAXMSGSIZE).
  case maxMessageBytes(Int)
  /// A ROUTER send to an unknown peer fails at once instead of vanishing.
  case routerMandatory(Bool)
  /// A new connection with a routing id in use takes it over.
  case routerHandover(Bool)
  /// Messages queued per peer before sends would block.
  case sendHighWaterMark(Int)
  case receiveHighWaterMark(Int)
  case routingID([UInt8])
  case lingerMilliseconds(Int)
}

/// Owns one libzmq socket. Not `Sendable`: libzmq sockets must stay on the thread that uses them.
///
/// Close it explicitly with `close()`; `deinit` closes a socket left open so the context can end.
public final class ZMQSocket {
  private var handle: UnsafeMutableRawPointer?
  private let context: ZMQContext

  public init(_ context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
    guard let handle = zmq_socket(context.handle, type.rawValue) else {
      throw ZMQError.last("zmq_socket")
    }
    self.handle = handle
    self.context = context
  }

  deinit { close() }

  /// Closes the socket, dropping unsent messages after `lingerMilliseconds`.
  public func close(lingerMilliseconds: Int32 = 0) {
    guard let handle else { return }
    var linger = lingerMilliseconds
    zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    // zmq_close fails only with ENOTSOCK (not a socket: a bug of ours, never a runtime event).
    let rc = zmq_close(handle)
    assert(rc == 0, "zmq_close: \(ZMQError.last("zmq_close"))")
    self.handle = nil
  }

  /// Sets a socket option, typed: the values Orbit uses, with their units.
  public func set(_ option: ZMQSocketOption) throws(ZMQError) {
    switch option {
    case .maxMessageBytes(let bytes): try setOption(ZMQ_MAXMSGSIZE, Int64(bytes))
    case .routerMandatory(let on): try setOption(ZMQ_ROUTER_MANDATORY, Int32(on ? 1 : 0))
    case .routerHandover(let on): try setOption(ZMQ_ROUTER_HANDOVER, Int32(on ? 1 : 0))
    case .sendHighWaterMark(let messages): try setOption(ZMQ_SNDHWM, Int32(messages))
    case .receiveHighWaterMark(let messages): try setOption(ZMQ_RCVHWM, Int32(messages))
    case .routingID(let bytes): try setOption(ZMQ_ROUTING_ID, bytes: bytes)
    case .lingerMilliseconds(let ms): try setOption(ZMQ_LINGER, Int32(ms))
    }
  }

  /// Runs `body` with the raw handle; only this module's types (poller, monitor, CURVE) see it.
  func withUnsafeHandle<R>(_ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
    try withHandle(body)
  }

  func withHandle<R>(_ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
    guard let handle else { preconditionFailure("ZMQSocket used after close()") }
    return try body(handle)
  }

  public func bind(_ endpoint: String) throws(ZMQError) {
    let rc = withUnsafeHandle { zmq_bind($0, endpoint) }
    if rc != 0 { throw ZMQError.last("bind \(endpoint)") }
  }

  public func connect(_ endpoint: String) throws(ZMQError) {
    let rc = withUnsafeHandle { zmq_connect($0, endpoint) }
    if rc != 0 { throw ZMQError.last("connect \(endpoint)") }
  }

  /// The endpoint actually bound (resolves port 0 and wildcards), from `ZMQ_LAST_ENDPOINT`.
  public var lastEndpoint: String {
    var buffer = [CChar](repeating: 0, count: 256)
    var size = buffer.count
    _ = withUnsafeHandle { zmq_getsockopt($0, ZMQ_LAST_ENDPOINT, &buffer, &size) }
    return String(zeroTerminated: buffer)
  }

  /// Sets an integer option (`ZMQ_SNDHWM`, `ZMQ_LINGER`, `ZMQ_ROUTER_MANDATORY`, …).
  func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
    var value = value
    let rc = withUnsafeHandle { zmq_setsockopt($0, option, &value, MemoryLayout<Int32>.size) }
    if rc != 0 { throw ZMQError.last("setsockopt \(option)") }
  }

  /// Sets a 64-bit option (`ZMQ_MAXMSGSIZE`).
  func setOption(_ option: Int32, _ value: Int64) throws(ZMQError) {
    var value = value
    let rc = withUnsafeHandle { zmq_setsockopt($0, option, &value, MemoryLayout<Int64>.size) }
    if rc != 0 { throw ZMQError.last("setsockopt \(option)") }
  }

  /// Sets a bytes option (`ZMQ_ROUTING_ID`, CURVE keys).
  func setOption(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
    let rc = withUnsafeHandle { handle in
      bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
    }
    if rc != 0 { throw ZMQError.last("setsockopt \(option)") }
  }

  /// Sends one multipart message. Returns false when `dontWait` and the send would block
  /// (high-water mark reached, or no route for a ROUTER with ZMQ_ROUTER_MANDATORY).
  @discardableResult
  public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
    for (i, frame) in frames.enumerated() {
      var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
      if i < frames.count - 1 { flags |= ZMQ_SNDMORE }
      let rc = withUnsafeHandle { handle in
        frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
      }
      if rc < 0 {
        let error = ZMQError.last("send")
        // Only the first frame can block; later frames of a started message are queued atomically.
        if error.isWouldBlock || error.errno == EHOSTUNREACH { return false }
        throw error
      }
    }
    return true
  }

  /// Receives one multipart message, or nil when `dontWait` and nothing is queued.
  public func receive(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
    try receiveWithSource(dontWait: dontWait)?.frames
  }

  /// Receives one multipart message and the descriptor of the connection it came in on
  /// (`ZMQ_SRCFD`; -1 for transports without one), or nil when `dontWait` and nothing is queued.
  public func receiveWithSource(dontWait: Bool = false) throws(ZMQError) -> (
    frames: [[UInt8]], sourceFD: Int32
  )? {
    try receiveWithPeer(dontWait: dontWait, userID: false).map { ($0.frames, $0.sourceFD) }
  }

  /// Receives one message with its source descriptor and, when `userID`, the ZAP User-Id its
  /// connection was admitted under (nil without one).
  public func receiveWithPeer(dontWait: Bool = false, userID: Bool) throws(ZMQError) -> (
    frames: [[UInt8]], sourceFD: Int32, userID: String?
  )? {
    var sourceFD: Int32 = -1
    var user: String?
    var frames: [[UInt8]] = []
    var message = zmq_msg_t()
    zmq_msg_init(&message)
    defer { zmq_msg_close(&message) }
    while true {
      let flags: Int32 = (dontWait && frames.isEmpty) ? ZMQ_DONTWAIT : 0
      let rc = withUnsafeHandle { zmq_msg_recv(&message, $0, flags) }
      if rc < 0 {
        let error = ZMQError.last("receive")
        if error.isWouldBlock && frames.isEmpty { return nil }
        throw error
      }
      let size = zmq_msg_size(&message)
      let data = zmq_msg_data(&message)!
      // A ROUTER makes the routing-id frame itself (no descriptor): take the first frame that
      // came off a connection.
      if sourceFD < 0 { sourceFD = zmq_msg_get(&message, ZMQ_SRCFD) }
      if userID, user == nil, let value = zmq_msg_gets(&message, "User-Id") {
        user = String(cString: value)
      }
      frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
      if zmq_msg_more(&message) == 0 { return (frames, sourceFD, user) }
    }
  }

  /// Waits up to `timeoutMilliseconds` for a message to read (-1 waits forever).
  /// Returns false on timeout; throws ETERM when the context shuts down.
  public func waitForInput(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
    let ready = try ZMQPoller.poll([self], timeoutMilliseconds: timeoutMilliseconds)
    return ready[0]
  }
}
