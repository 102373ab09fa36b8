import Foundation
import OrbitTesting
import Testing

@testable import OrbitSession

#if canImport(Glibc)
  import Glibc
#endif

/// The supervision of local workers, with a script in place of `orbit worker`: it logs its
/// arguments and exits with the code it is given.
@Suite("Local workers started by orbit run")
struct LocalWorkersTests {
  func workers(exitCode: Int, count: Int, in sandbox: Sandbox) throws -> LocalWorkers {
    try workers(ending: "exit \(exitCode)", count: count, in: sandbox)
  }

  func workers(ending: String, count: Int, in sandbox: Sandbox) throws -> LocalWorkers {
    let script = try sandbox.file(
      "fake-worker",
      "#!/bin/sh\necho \"args: $*\"\necho \"threads: $OPENBLAS_NUM_THREADS\"\n\(ending)\n")
    chmod(script, 0o755)
    try FileManager.default.createDirectory(
      atPath: sandbox.path + "/logs", withIntermediateDirectories: true)
    return LocalWorkers(
      count: count, slots: 3, endpoint: "tcp://127.0.0.1:4242",
      logDirectory: sandbox.path + "/logs",
      logLevel: "debug", executable: URL(fileURLWithPath: script))
  }

  @Test func eachWorkerConnectsWithItsSlotsAndLogsToItsOwnFile() throws {
    let sandbox = try Sandbox()
    let local = try workers(exitCode: 0, count: 2, in: sandbox)
    try local.startAll()
    local.waitForExit(timeout: 10)
    for i in 0..<2 {
      let log = try #require(sandbox.read("logs/worker-\(i).log"))
      #expect(
        log.contains(
          "args: worker --connect tcp://127.0.0.1:4242 --slots 3 --worker-id local-\(getpid())-\(i) --allow-command --exit-with-parent --log-level debug\n"
        ))
      // The OpenBLAS settings a worker must load with.
      #expect(log.contains("threads: 1\n"))
    }
  }

  @Test func aCrashingWorkerIsRestartedAtMostMaxRestartsTimes() throws {
    let sandbox = try Sandbox()
    let local = try workers(exitCode: 3, count: 2, in: sandbox)
    try local.startAll()
    for _ in 0..<LocalWorkers.maxRestarts {
      local.waitForExit(timeout: 10)
      #expect(local.superviseOnce() == 2)
    }
    local.waitForExit(timeout: 10)
    #expect(local.superviseOnce() == 0)
    // Every start appended to the same log.
    let log = try #require(sandbox.read("logs/worker-0.log"))
    #expect(log.components(separatedBy: "args: worker").count - 1 == LocalWorkers.maxRestarts + 1)
  }

  @Test func aWorkerKilledFromOutsideIsAlwaysRestarted() throws {
    // A SIGKILL is a trial's doing (or the OOM killer's): the coordinator's loss limit bounds
    // it, not the restart count, or a sweep with a poison pill runs out of workers and hangs.
    let sandbox = try Sandbox()
    let local = try workers(ending: "kill -9 $$", count: 1, in: sandbox)
    try local.startAll()
    for _ in 0..<(LocalWorkers.maxRestarts + 3) {
      local.waitForExit(timeout: 10)
      #expect(local.superviseOnce() == 1)
      #expect(!local.allGone)
    }
    local.waitForExit(timeout: 10)
  }

  @Test func workersThatCrashOrLeaveForGoodAreAllGone() throws {
    let sandbox = try Sandbox()
    let local = try workers(exitCode: 3, count: 2, in: sandbox)
    try local.startAll()
    #expect(!local.allGone)
    for _ in 0...LocalWorkers.maxRestarts {
      local.waitForExit(timeout: 10)
      _ = local.superviseOnce()
    }
    #expect(local.allGone)
    let clean = try workers(exitCode: 0, count: 1, in: try Sandbox())
    try clean.startAll()
    clean.waitForExit(timeout: 10)
    _ = clean.superviseOnce()
    #expect(clean.allGone)
  }

  @Test func aWorkerThatLeftCleanlyIsNotRestarted() throws {
    let sandbox = try Sandbox()
    let local = try workers(exitCode: 0, count: 1, in: sandbox)
    try local.startAll()
    local.waitForExit(timeout: 10)
    #expect(local.superviseOnce() == 0)
    #expect(local.runningCount == 0)
  }
}
