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
      let width = 20
      let filled = s.total == 0 ? width : min(width, done * width / max(1, s.total))
      let bar =
        String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
      FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(bar) \(text)".utf8))
    } else if now.timeIntervalSince(lastPlain) >= 10 {
      lastPlain = now
      print("[\(Summary.duration(elapsed))] \(text)")
      flushStandardOutput()
    }
  }

  func finish() {
    if interactive { FileHandle.standardOutput.write(Data("\n".utf8)) }
  }
}
