import CZeroMQ

/// Owns one libzmq context. Contexts are thread-safe in libzmq, hence `Sendable`.
///
/// Close every socket made from a context before terminating it: `zmq_ctx_term` blocks until all
/// of them are closed.
public final class ZMQContext: @unchecked Sendable {
  // @unchecked: libzmq documents contexts as thread-safe; the pointer is never mutated after init.
  let handle: UnsafeMutableRawPointer

  public init(ioThreads: Int32 = 1) throws(ZMQError) {
    guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
    zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
    self.handle = handle
  }

  deinit {
    // "zmq_ctx_term() shall block until ... all open sockets within context have been closed";
    // owners close their sockets first, so this returns at once.
    while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
  }
}
