import Foundation
import OrbitCompute

#if canImport(Glibc)
  import Glibc
#endif

/// The `orbit worker` processes `orbit run` starts on this machine, on loopback: the same code
/// path as workers on many machines. A worker that crashes mid-sweep is started again.
public final class LocalWorkers {
  private var processes: [Process?]
  private var restarts: [Int]
  private let executable: URL
  private let endpoint: String
  private let slots: Int
  private let logDirectory: String
  private let logLevel: String
  /// Where each worker keeps its trial folders (`orbit worker --trial-dir`), or nil.
  private let trialDirectory: String?
  /// A crashing worker is restarted at most this many times: past that the cause is not transient.
  static let maxRestarts = 3

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
  }

  /// Restarts workers that died with a failure while the sweep still runs; returns how many.
  public func superviseOnce() -> Int {
    var restarted = 0
    for i in processes.indices {
      guard let p = processes[i], !p.isRunning else { continue }
      let crashed = p.terminationReason == .uncaughtSignal || p.terminationStatus != 0
      guard crashed, restarts[i] < Self.maxRestarts else { continue }
      restarts[i] += 1
      if (try? start(i)) != nil { restarted += 1 }
    }
    return restarted
  }

  var runningCount: Int { processes.filter { $0?.isRunning == true }.count }

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
