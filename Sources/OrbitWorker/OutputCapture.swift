#if canImport(Glibc)
  import Glibc
#endif

/// Reads a child's stdout and stderr pipes without blocking either, keeping their tails, its
/// complete stdout lines (for progress points), and, when given, both streams in log files.
struct OutputCapture {
  /// Enough stdout to find a final JSON line of metrics.
  static let stdoutLimit = 1 << 20
  /// A stdout line longer than this is not a metrics line: dropped rather than buffered.
  static let maxLineBytes = 1 << 16
  private var fds: [Int32]
  private var stdoutBytes: [UInt8] = []
  private var stderrBytes: [UInt8] = []
  private let stdoutFD: Int32
  private var buffer = [UInt8](repeating: 0, count: 65536)
  private var partialLine: [UInt8] = []
  private var overlongLine = false
  private var lines: [String] = []
  private var stdoutLog: BoundedLog?
  private var stderrLog: BoundedLog?

  init(stdoutFD: Int32, stderrFD: Int32, stdoutLog: String? = nil, stderrLog: String? = nil) {
    self.stdoutFD = stdoutFD
    self.fds = [stdoutFD, stderrFD]
    self.stdoutLog = stdoutLog.map(BoundedLog.init)
    self.stderrLog = stderrLog.map(BoundedLog.init)
  }

  /// The stdout lines completed since the last call.
  mutating func takeLines() -> [String] {
    defer { lines.removeAll(keepingCapacity: true) }
    return lines
  }

  private mutating func split(_ chunk: ArraySlice<UInt8>) {
    var start = chunk.startIndex
    while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
      if !overlongLine { partialLine += chunk[start..<newline] }
      if !overlongLine { lines.append(String(decoding: partialLine, as: UTF8.self)) }
      partialLine.removeAll(keepingCapacity: true)
      overlongLine = false
      start = chunk.index(after: newline)
    }
    if !overlongLine { partialLine += chunk[start...] }
    if partialLine.count > Self.maxLineBytes {
      overlongLine = true
      partialLine.removeAll()
    }
  }

  var isClosed: Bool { fds.isEmpty }

  var stdoutTail: String { String(decoding: stdoutBytes, as: UTF8.self) }
  var stderrTail: String { String(decoding: stderrBytes.suffix(4096), as: UTF8.self) }

  mutating func appendNote(_ note: String) {
    stderrBytes += Array(("\n" + note + "\n").utf8)
  }

  /// Waits up to the timeout for output, or until `wake` (a child's exit descriptor, -1 for
  /// none) is readable, and reads what is there; closes pipes at EOF. With every pipe closed it
  /// still waits, on `wake` alone: the caller's loop never spins and never sleeps past an exit.
  mutating func pump(timeoutMilliseconds: Int32, wake: Int32 = -1) {
    var items = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    if wake >= 0 { items.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
    let ready = poll(&items, nfds_t(items.count), timeoutMilliseconds)
    guard ready > 0 else { return }
    for item in items where item.revents != 0 && item.fd != wake {
      let n = buffer.withUnsafeMutableBytes { read(item.fd, $0.baseAddress, $0.count) }
      if n > 0 {
        if item.fd == stdoutFD {
          stdoutLog?.write(buffer[0..<n])
          split(buffer[0..<n])
          stdoutBytes += buffer[0..<n]
          if stdoutBytes.count > Self.stdoutLimit {
            stdoutBytes.removeFirst(stdoutBytes.count - Self.stdoutLimit)
          }
        } else {
          stderrLog?.write(buffer[0..<n])
          stderrBytes += buffer[0..<n]
          if stderrBytes.count > 8192 { stderrBytes.removeFirst(stderrBytes.count - 4096) }
        }
      } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
        if item.fd == stdoutFD && !partialLine.isEmpty && !overlongLine {
          lines.append(String(decoding: partialLine, as: UTF8.self))
          partialLine.removeAll()
        }
        close(item.fd)
        fds.removeAll { $0 == item.fd }
      }
    }
  }

  mutating func closeAll() {
    for fd in fds { close(fd) }
    fds.removeAll()
    stdoutLog?.close()
    stderrLog?.close()
  }
}

/// A log file that keeps the last `limit` to 2 × `limit` bytes written: past the limit it is
/// moved to `PATH.1` (replacing the one before) and started again.
struct BoundedLog {
  /// 8 MiB: a long training run's whole log, or the end of a runaway one.
  static let limit = 8 << 20
  let path: String
  private var fd: Int32
  private var written = 0

  init(path: String) {
    self.path = path
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
  }

  mutating func write(_ bytes: ArraySlice<UInt8>) {
    guard fd >= 0 else { return }
    if written + bytes.count > Self.limit {
      Glibc.close(fd)
      rename(path, path + ".1")
      fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
      written = 0
      guard fd >= 0 else { return }
    }
    written += max(0, bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) })
  }

  mutating func close() {
    if fd >= 0 { Glibc.close(fd) }
    fd = -1
  }
}

/// Lines appended to a file by another process (a program's `$ORBIT_PROGRESS_PATH`), read as
/// they come: the file may not exist yet, and its last line may be half written.
struct AppendedLines {
  let path: String
  private var fd: Int32 = -1
  private var partial: [UInt8] = []

  init(path: String) { self.path = path }

  /// The lines completed since the last call.
  mutating func take() -> [String] {
    if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return [] }
    var buffer = [UInt8](repeating: 0, count: 65536)
    var lines: [String] = []
    while true {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      guard n > 0 else { break }
      partial += buffer[0..<n]
      while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
        lines.append(String(decoding: partial[..<newline], as: UTF8.self))
        partial.removeSubrange(...newline)
      }
      if partial.count > OutputCapture.maxLineBytes { partial.removeAll() }
    }
    return lines
  }

  mutating func close() {
    if fd >= 0 { Glibc.close(fd) }
    fd = -1
  }
}
