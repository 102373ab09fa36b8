import Foundation
import OrbitCompute
import OrbitProtocol

#if canImport(Glibc)
  import Glibc
#endif

/// The `orbit worker` processes `orbit run` starts on this machine, on loopback: the same code
/// path as workers on many machines. A worker that crashes mid-sweep is started again.
public final class LocalWorkers {
  private var processes: [Process?]
  /// Crashes of each worker that count against `maxRestarts` since it last lived long.
  private var restarts: [Int]
  /// When each worker was last started (monotonic seconds).
  private var startedAt: [Double]
  private let executable: URL
  private let endpoint: String
  private let slots: Int
  private let logDirectory: String
  private let logLevel: String
  /// Where each worker keeps its trial folders (`orbit worker --trial-dir`), or nil.
  private let trialDirectory: String?
  /// A worker that crashes by itself is restarted at most this many times in a row: past that
  /// the cause is not transient (a bad install, a full disk).
  public static let maxRestarts = 3
  /// A worker that ran this long before it crashed starts a new row of `maxRestarts`: one crash
  /// a day must not shrink a week-long sweep's workers for good.
  static let healthyLifetimeSeconds = 60.0

  /// The running `orbit` executable: each worker is this program's `orbit worker`.
  public static var orbitExecutable: URL {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  }

  /// Workers that will connect to `endpoint` with `slots` each, logging to
  /// `logDirectory/worker-N.log` and keeping trial folders in `trialDirectory`; `executable` is
  /// started with `orbit worker`'s arguments.
  public init(
    count: Int, slots: Int, endpoint: String, logDirectory: String, logLevel: String,
    trialDirectory: String? = nil, executable: URL = LocalWorkers.orbitExecutable
  ) {
    self.trialDirectory = trialDirectory
    self.processes = Array(repeating: nil, count: count)
    self.restarts = Array(repeating: 0, count: count)
    self.startedAt = Array(repeating: 0, count: count)
    self.executable = executable
    self.endpoint = endpoint
    self.slots = slots
    self.logDirectory = logDirectory
    self.logLevel = logLevel
  }

  /// Starts every worker, in order, until `stopRequested` says to stop (a SIGTERM while they
  /// are being started): no worker is started after it, and the caller stops those already
  /// started (`terminateAll`). Returns how many were started.
  @discardableResult
  public func startAll(stopRequested: () -> Bool = { false }) throws -> Int {
    for i in processes.indices {
      if stopRequested() { return i }
      try start(i)
    }
    return processes.count
  }

  private func start(_ i: Int) throws {
    let process = Process()
    process.executableURL = executable
    process.arguments =
      [
        "worker", "--connect", endpoint, "--slots", String(slots), "--worker-id",
        "local-\(getpid())-\(i)",
        "--allow-command", "--exit-with-parent", "--log-level", logLevel,
      ] + (trialDirectory.map { ["--trial-dir", $0] } ?? [])
    process.environment = OpenBLASCore.childEnvironment(ProcessInfo.processInfo.environment)
    let log = "\(logDirectory)/worker-\(i).log"
    if !FileManager.default.fileExists(atPath: log) {
      _ = FileManager.default.createFile(atPath: log, contents: nil)
    }
    let handle = FileHandle(forWritingAtPath: log)
    handle?.seekToEndOfFile()
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    processes[i] = process
    startedAt[i] = MonotonicClock.seconds()
  }

  /// Whether worker `i`, exited, is started again, counting the restart.
  ///
  /// A SIGKILL comes from outside the worker — a trial that kills its worker, the OOM killer
  /// reaping a trial's memory, a person — never from a fault of its own: it is always restarted,
  /// and the coordinator's loss limit bounds how many workers one trial can take down. Counting
  /// those against `maxRestarts` made a sweep with a poison pill hang: under load a pill killed
  /// a few more workers than its five counted losses, the restarts ran out, and the sweep waited
  /// for workers that would never come.
  private func restarts(_ i: Int, _ p: Process, now: Double) -> Bool {
    if p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL { return true }
    guard p.terminationReason == .uncaughtSignal || p.terminationStatus != 0 else { return false }
    if now - startedAt[i] >= Self.healthyLifetimeSeconds { restarts[i] = 0 }
    guard restarts[i] < Self.maxRestarts else { return false }
    restarts[i] += 1
    return true
  }

  /// Restarts workers that died with a failure while the sweep still runs; returns how many.
  public func superviseOnce() -> Int {
    var restarted = 0
    let now = MonotonicClock.seconds()
    for i in processes.indices {
      guard let p = processes[i], !p.isRunning else { continue }
      if restarts(i, p, now: now) {
        if (try? start(i)) != nil { restarted += 1 } else { processes[i] = nil }
      } else {
        processes[i] = nil
      }
    }
    return restarted
  }

  var runningCount: Int { processes.filter { $0?.isRunning == true }.count }

  /// Every worker has exited for good (after `superviseOnce`): none runs and none is started
  /// again, so a sweep with trials left would wait for ever.
  public var allGone: Bool { processes.allSatisfy { $0 == nil } }

  /// Waits up to `timeout` seconds for every worker to leave, then kills what remains.
  public func waitForExit(timeout: Double) {
    let end = Date().addingTimeInterval(timeout)
    while runningCount > 0 && Date() < end { usleep(20_000) }
    for p in processes.compactMap({ $0 }) where p.isRunning {
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
    }
  }

  /// Asks every running worker to stop (SIGTERM): each drains and leaves.
  public func terminateAll() {
    for p in processes.compactMap({ $0 }) where p.isRunning { kill(p.processIdentifier, SIGTERM) }
  }
}
