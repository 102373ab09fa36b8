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
          "\r\u{1B}[2K\(Self.line(text, done: done, total: s.total, columns: Self.columns()))".utf8)
      )
    } else if now.timeIntervalSince(lastPlain) >= 10 {
      lastPlain = now
      print("[\(Summary.duration(elapsed))] \(text)")
      flushStandardOutput()
    }
  }

  /// The line as it fits in `columns`: a line longer than the terminal wraps, and `\r` then
  /// returns only to the start of its last row, so every update would add rows. The bar goes
  /// first when space is short, then the text is cut.
  static func line(_ text: String, done: Int, total: Int, columns: Int) -> String {
    let room = max(10, columns - 1)
    let barWidth = 20
    if text.count + barWidth + 1 <= room {
      let filled = total == 0 ? barWidth : min(barWidth, done * barWidth / max(1, total))
      return String(repeating: "█", count: filled)
        + String(repeating: "░", count: barWidth - filled) + " " + text
    }
    return text.count <= room ? text : String(text.prefix(room - 1)) + "…"
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
