import CZeroMQ

/// `zmq_poll` over a few sockets for input.
public enum ZMQPoller {
  /// Waits until at least one socket has a message to read, or the timeout (ms; -1 forever).
  /// Returns, per socket, whether it is readable. EINTR returns all false.
  public static func poll(_ sockets: [ZMQSocket], timeoutMilliseconds: Int) throws(ZMQError)
    -> [Bool]
  {
    var items = sockets.map { socket in
      socket.withUnsafeHandle {
        zmq_pollitem_t(socket: $0, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
      }
    }
    let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
    if rc < 0 {
      let error = ZMQError.last("poll")
      if error.isInterrupted { return Array(repeating: false, count: sockets.count) }
      throw error
    }
    return items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
  }

  /// Waits for input on sockets and plain file descriptors (a `WakeSignal`, a pipe) together.
  /// Returns which sockets and which descriptors are readable. EINTR returns all false.
  public static func poll(
    _ sockets: [ZMQSocket], fileDescriptors: [Int32], timeoutMilliseconds: Int
  )
    throws(ZMQError) -> (sockets: [Bool], fileDescriptors: [Bool])
  {
    var items = sockets.map { socket in
      socket.withUnsafeHandle {
        zmq_pollitem_t(socket: $0, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
      }
    }
    items += fileDescriptors.map {
      zmq_pollitem_t(socket: nil, fd: $0, events: Int16(ZMQ_POLLIN), revents: 0)
    }
    let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
    if rc < 0 {
      let error = ZMQError.last("poll")
      if error.isInterrupted {
        return (
          Array(repeating: false, count: sockets.count),
          Array(repeating: false, count: fileDescriptors.count)
        )
      }
      throw error
    }
    let ready = items.map { ($0.revents & Int16(ZMQ_POLLIN)) != 0 }
    return (Array(ready[0..<sockets.count]), Array(ready[sockets.count...]))
  }
}
