import CZeroMQ

/// An error from a libzmq call, with the call that failed and libzmq's own description.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The `errno` value libzmq reported (`zmq_errno()`).
  public let errno: Int32
  /// What was being done, e.g. "bind tcp://127.0.0.1:5555".
  public let operation: String

  public init(errno: Int32, operation: String) {
    self.errno = errno
    self.operation = operation
  }

  /// Captures the calling thread's `zmq_errno()` right after a failed call.
  static func last(_ operation: String) -> ZMQError {
    ZMQError(errno: zmq_errno(), operation: operation)
  }

  /// True when a non-blocking call had nothing to do (EAGAIN) rather than failing.
  public var isWouldBlock: Bool { errno == EAGAIN }
  /// True when a blocking call was interrupted by a signal (EINTR): retry or check for shutdown.
  public var isInterrupted: Bool { errno == EINTR }

  public var description: String {
    "\(operation): \(String(validatingCString: zmq_strerror(errno)) ?? "errno \(errno)")"
  }
}
