import Foundation
import OrbitCoordinator
import OrbitSession

/// The live progress of a sweep: one rewritten line on a terminal, plain lines every 10 s
/// otherwise (logs, CI, `nohup`).
struct ProgressDisplay {
  let interactive: Bool
  let start = Date()
  private var lastPlain = Date.distantPast
  private var samples: [(time: Double, done: Int)] = []

  init(interactive: Bool) { self.interactive = interactive }

  mutating func update(_ s: CoordinatorSnapshot) {
    let now = Date()
    let elapsed = now.timeIntervalSince(start)
    samples.append((elapsed, s.recorded))
    samples.removeAll { elapsed - $0.time > 10 }
    let rate =
      samples.count > 1
      ? Double(samples.last!.done - samples.first!.done)
        / max(1e-3, samples.last!.time - samples.first!.time) : 0
    let done = s.recorded + s.resumed
    let left = max(0, s.total - done)
    let eta = rate > 0 ? Summary.duration(Double(left) / rate) : "–"
    let text =
      "\(done)/\(s.total) done · \(s.running) running · \(s.failures) failed · \(s.workers) workers · "
      + String(format: "%.1f trials/s", rate) + " · ETA \(eta)"
    if interactive {
      FileHandle.standardOutput.write(
        Data(
          "\r\u{1B}[2K\(TerminalLine.fit(text, done: done, total: s.total, columns: Self.columns()))"
            .utf8)
      )
    } else if now.timeIntervalSince(lastPlain) >= 10 {
      lastPlain = now
      print("[\(Summary.duration(elapsed))] \(text)")
      flushStandardOutput()
    }
  }

  /// The terminal's width (80 when it cannot be asked).
  static func columns() -> Int {
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
    return Int(size.ws_col)
  }

  func finish() {
    if interactive { FileHandle.standardOutput.write(Data("\n".utf8)) }
  }
}
