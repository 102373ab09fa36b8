#if canImport(Glibc)
  import Glibc
#endif

/// Reads a child's stdout and stderr pipes without blocking either, keeping only their tails.
struct OutputCapture {
  /// Enough stdout to find a final JSON line of metrics.
  static let stdoutLimit = 1 << 20
  private var fds: [Int32]
  private var stdoutBytes: [UInt8] = []
  private var stderrBytes: [UInt8] = []
  private let stdoutFD: Int32
  private var buffer = [UInt8](repeating: 0, count: 65536)

  init(stdoutFD: Int32, stderrFD: Int32) {
    self.stdoutFD = stdoutFD
    self.fds = [stdoutFD, stderrFD]
  }

  var isClosed: Bool { fds.isEmpty }

  var stdoutTail: String { String(decoding: stdoutBytes, as: UTF8.self) }
  var stderrTail: String { String(decoding: stderrBytes.suffix(4096), as: UTF8.self) }

  mutating func appendNote(_ note: String) {
    stderrBytes += Array(("\n" + note + "\n").utf8)
  }

  /// Waits up to the timeout for output and reads what is there; closes pipes at EOF.
  mutating func pump(timeoutMilliseconds: Int32) {
    guard !fds.isEmpty else { return }
    var items = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    let ready = poll(&items, nfds_t(items.count), timeoutMilliseconds)
    guard ready > 0 else { return }
    for item in items where item.revents != 0 {
      let n = buffer.withUnsafeMutableBytes { read(item.fd, $0.baseAddress, $0.count) }
      if n > 0 {
        if item.fd == stdoutFD {
          stdoutBytes += buffer[0..<n]
          if stdoutBytes.count > Self.stdoutLimit {
            stdoutBytes.removeFirst(stdoutBytes.count - Self.stdoutLimit)
          }
        } else {
          stderrBytes += buffer[0..<n]
          if stderrBytes.count > 8192 { stderrBytes.removeFirst(stderrBytes.count - 4096) }
        }
      } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
        close(item.fd)
        fds.removeAll { $0 == item.fd }
      }
    }
  }

  mutating func closeAll() {
    for fd in fds { close(fd) }
    fds.removeAll()
  }
}
