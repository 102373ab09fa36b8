import ArgumentParser
import CZeroMQ
import Foundation
import OrbitJournal
import ZeroMQ

/// Issue 3's dispatch and memory benchmarks, against a real `orbit` release binary.
///
///   swift run -c release DispatchBench --orbit ../.build/release/orbit
@main
struct DispatchBench: ParsableCommand {
  @Option(help: "The orbit binary (build it with: swift build -c release --product orbit).")
  var orbit: String = "../.build/release/orbit"

  @Option(help: "Worker process counts to measure.")
  var workers: [Int] = [1, 2, 8]

  @Option(help: "Slots (credits) per worker: the dispatch window.")
  var slots: Int = 64

  @Option(help: "Repeats per configuration; medians are reported.")
  var repeats: Int = 3

  @Option(help: "The no-op spec to dispatch.")
  var spec: String = "specs/noop-20k.yaml"

  @Option(help: "The 10^7-point spec for the memory check.")
  var bigSpec: String = "specs/noop-10m.yaml"

  func run() throws {
    let orbitPath = URL(fileURLWithPath: orbit).standardizedFileURL.path
    guard FileManager.default.isExecutableFile(atPath: orbitPath) else {
      throw ValidationError("\(orbitPath) not found: swift build -c release --product orbit (in ..)")
    }
    let specPath = URL(fileURLWithPath: spec).standardizedFileURL.path
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
      .first { $0.hasPrefix("model name") }.map { $0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces) } ?? "?"
    print("machine: \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("| workers | raw ZeroMQ round trips/s (window \(slots)/worker) | Orbit trials/s recorded | ratio | `orbit run` wall s |")
    print("|---|---|---|---|---|")
    for w in workers {
      var raw: [Double] = []
      var rates: [Double] = []
      var walls: [Double] = []
      for _ in 0..<repeats {
        raw.append(try RawPingPong.measure(dealers: w, window: slots, seconds: 1.5))
        let (rate, wall) = try orbitRun(orbitPath, spec: specPath, workers: w)
        rates.append(rate)
        walls.append(wall)
      }
      let r = median(raw)
      let o = median(rates)
      print("| \(w) | \(Int(r)) | \(Int(o)) | \(String(format: "%.2f", o / r)) | \(String(format: "%.2f", median(walls))) |")
    }
    try memoryCheck(orbitPath, spec: URL(fileURLWithPath: bigSpec).standardizedFileURL.path)
  }

  /// Runs the whole sweep; returns (trials recorded per second from the first worker's arrival
  /// to the last result, as the journal times them; wall seconds of the command).
  func orbitRun(_ orbit: String, spec: String, workers: Int) throws -> (Double, Double) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-dispatch-\(UUID().uuidString.prefix(8))").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let start = Date()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: orbit)
    p.arguments = ["run", spec, "--workers", String(workers), "--slots", String(slots), "--run-dir", dir, "--no-report"]
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    let wall = Date().timeIntervalSince(start)
    guard p.terminationStatus == 0 else { throw ValidationError("orbit run exited \(p.terminationStatus)") }
    let journal = try Journal(path: dir + "/journal.sqlite", readOnly: true)
    let trials = try journal.trials()
    let firstJoin = try journal.workers().map(\.joinedAt).min() ?? 0
    let last = trials.map(\.finishedAt).max() ?? 0
    guard trials.count > 0, trials.allSatisfy({ $0.status == .ok }) else { throw ValidationError("not every trial ok") }
    return (Double(trials.count) / (last - firstJoin), wall)
  }

  /// Peak RSS of a coordinator serving a 10^7-point grid to a worker for a few seconds, and the
  /// time `orbit plan` takes to count it.
  func memoryCheck(_ orbit: String, spec: String) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-mem-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let planStart = Date()
    let plan = Process()
    plan.executableURL = URL(fileURLWithPath: orbit)
    plan.arguments = ["plan", spec, "--limit", "1"]
    let pipe = Pipe()
    plan.standardOutput = pipe
    try plan.run()
    plan.waitUntilExit()
    let planSeconds = Date().timeIntervalSince(planStart)
    let firstLine = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").first ?? ""

    let coordinator = Process()
    coordinator.executableURL = URL(fileURLWithPath: orbit)
    coordinator.arguments = ["coordinator", spec, "--bind", "tcp://127.0.0.1:0", "--run-dir", dir + "/run"]
    let out = Pipe()
    coordinator.standardOutput = out
    coordinator.standardError = FileHandle.nullDevice
    try coordinator.run()
    var endpoint = ""
    var text = ""
    while endpoint.isEmpty {
      text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
      if let r = text.range(of: #"tcp://127\.0\.0\.1:\d+"#, options: .regularExpression) { endpoint = String(text[r]) }
    }
    let worker = Process()
    worker.executableURL = URL(fileURLWithPath: orbit)
    worker.arguments = ["worker", "--connect", endpoint, "--slots", String(slots * 4)]
    worker.standardError = FileHandle.nullDevice
    try worker.run()
    var peak = 0
    let end = Date().addingTimeInterval(6)
    while Date() < end {
      peak = max(peak, Self.peakRSSKiB(coordinator.processIdentifier))
      usleep(100_000)
    }
    kill(worker.processIdentifier, SIGTERM)
    worker.waitUntilExit()
    peak = max(peak, Self.peakRSSKiB(coordinator.processIdentifier))
    kill(coordinator.processIdentifier, SIGINT)
    coordinator.waitUntilExit()
    let recorded = try Journal(path: dir + "/run/journal.sqlite", readOnly: true).statusCounts().values.reduce(0, +)
    print("")
    print("10^7-point grid: `orbit plan` \(String(format: "%.3f", planSeconds)) s (\(firstLine))")
    print("coordinator peak RSS serving it: \(peak / 1024) MiB over 6 s, \(recorded) trials recorded meanwhile (target ≤ 64 MiB)")
  }

  static func peakRSSKiB(_ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
  }
}

func median(_ values: [Double]) -> Double {
  let s = values.sorted()
  return s.isEmpty ? 0 : s[s.count / 2]
}

/// The raw ZeroMQ limit on this machine: a ROUTER echoing every message back, and `dealers`
/// DEALERs over tcp loopback each keeping `window` messages of a TASK's size in flight.
enum RawPingPong {
  static func measure(dealers: Int, window: Int, seconds: Double) throws -> Double {
    let context = try ZMQContext()
    // Moved to the echo thread, which alone uses it until it is closed after that thread ends.
    nonisolated(unsafe) let router = try ZMQSocket(context, type: .router)
    try router.bind("tcp://127.0.0.1:*")
    let endpoint = router.lastEndpoint
    let stop = Atomic(false)
    let routerThread = Thread {
      while !stop.value {
        guard (try? router.waitForInput(timeoutMilliseconds: 50)) == true else { continue }
        while let frames = try? router.receive(dontWait: true) { _ = try? router.send(frames) }
      }
    }
    routerThread.start()
    let counts = (0..<dealers).map { _ in Atomic(0) }
    let done = DispatchSemaphore(value: 0)
    let payload = [UInt8](repeating: 7, count: 160)  // about one trial's TASK entry
    for i in 0..<dealers {
      let thread = Thread {
        defer { done.signal() }
        guard let dealer = try? ZMQSocket(context, type: .dealer) else { return }
        defer { dealer.close() }
        try? dealer.connect(endpoint)
        for _ in 0..<window { _ = try? dealer.send([payload]) }
        var n = 0
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
          guard (try? dealer.receive()) != nil else { break }
          n += 1
          _ = try? dealer.send([payload])
        }
        counts[i].value = n
      }
      thread.start()
    }
    for _ in 0..<dealers { done.wait() }
    stop.value = true
    while routerThread.isExecuting { usleep(10_000) }
    router.close()
    return Double(counts.map(\.value).reduce(0, +)) / seconds
  }
}

/// A tiny lock-protected box shared between the benchmark's threads.
final class Atomic<T: Sendable>: @unchecked Sendable {
  // @unchecked: every access goes through `lock`.
  private let lock = NSLock()
  private var stored: T
  init(_ value: T) { stored = value }
  var value: T {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }
}
