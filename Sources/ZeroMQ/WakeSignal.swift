#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file descriptor that polls readable while a wake-up is pending: how another thread (a slot
/// that finished a trial, the journal thread, a memory network) wakes an I/O loop that waits in
/// `ZMQPoller.poll` beside its sockets. The one wake primitive of the loops.
///
/// A non-blocking pipe: `signal()` writes a byte, `clear()` reads them all. Signals coalesce —
/// a full pipe still polls readable — so the loop asks its queues, not the pipe, what is waiting.
/// The descriptors are closed when the signal is released (nothing else holds them).
public final class WakeSignal: Sendable {
  /// The end to poll.
  public let fileDescriptor: Int32
  private let writeEnd: Int32

  public init() {
    var fds: [Int32] = [0, 0]
    // A process out of descriptors cannot run a loop at all: not a condition to recover from.
    precondition(pipe(&fds) == 0, "pipe: errno \(errno)")
    for fd in fds {
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      // Not inherited by trial programs and workers this process spawns.
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
    (fileDescriptor, writeEnd) = (fds[0], fds[1])
  }

  deinit {
    _ = close(fileDescriptor)
    _ = close(writeEnd)
  }

  /// Makes `fileDescriptor` readable until the next `clear()`; safe from any thread.
  public func signal() {
    var byte: UInt8 = 1
    _ = write(writeEnd, &byte, 1)
  }

  /// Takes every pending wake-up (never blocks).
  public func clear() {
    var buffer = [UInt8](repeating: 0, count: 64)
    while read(fileDescriptor, &buffer, buffer.count) > 0 {}
  }

  /// Waits for a wake-up or input on one of `fileDescriptors`, at most `timeoutMilliseconds`,
  /// then takes the pending wake-ups: for a loop with no socket to poll (a memory transport).
  public func wait(timeoutMilliseconds: Int, or fileDescriptors: [Int32] = []) {
    var items = ([fileDescriptor] + fileDescriptors).map {
      pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
    }
    _ = poll(&items, nfds_t(items.count), Int32(clamping: timeoutMilliseconds))
    clear()
  }
}
