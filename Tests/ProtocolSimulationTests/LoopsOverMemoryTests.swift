import Foundation
import Logging
import MetricsTestKit
import OrbitCoordinator
import OrbitJournal
import OrbitProtocol
import OrbitSimulation
import OrbitSpec
import OrbitTesting
import OrbitWorker
import Synchronization
import Testing

/// The real I/O loops — `CoordinatorServer` with its journal thread, `WorkerServer` with its
/// slot threads and real trial processes — in one process over `MemoryNetwork`, the in-memory
/// side of the transport seam, with injected clocks. The state machines' logic is simulated
/// exhaustively elsewhere (ProtocolSimulationTests); this proves the loops around them keep the
/// same promises: faults injected between the loops, exactly one row per trial.
@Suite("The real loops over an in-memory network", .serialized)
struct LoopsOverMemoryTests {
  static let script = """
    import json, sys, time
    args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
    x = int(args["x"])
    time.sleep(0.03)
    print(json.dumps({"loss": x * 3 + 1}))
    """

  /// A clock whose readings a test can step while loops run on other threads.
  final class SteppedClock: Sendable {
    private let offsets = Mutex((monotonic: 0.0, wall: 0.0))
    func step(monotonic: Double = 0, wall: Double = 0) {
      offsets.withLock {
        $0.monotonic += monotonic
        $0.wall += wall
      }
    }
    var loopClock: LoopClock {
      LoopClock(
        monotonic: { MonotonicClock.seconds() + self.offsets.withLock { $0.monotonic } },
        wall: { Date().timeIntervalSince1970 + self.offsets.withLock { $0.wall } })
    }
  }

  /// One sweep of `trials` command trials on `workers` workers × 2 slots; `faults` runs on the
  /// test's thread while the sweep does. Returns the journal's rows and the coordinator's status.
  func sweep(
    trials: Int, workers: Int, coordinatorClock: LoopClock = .system,
    metrics: CoordinatorMetrics = CoordinatorMetrics(),
    faults: (MemoryNetwork, CoordinatorStatus) -> Void
  ) throws -> (
    rows: [TrialRecord], status: CoordinatorSnapshot, workerExits: [Int32], workersLeft: [String],
    leftAt: [Double]
  ) {
    let sandbox = try Sandbox()
    defer { try? FileManager.default.removeItem(atPath: sandbox.path) }
    try sandbox.write("trial.py", Self.script)
    let specText = "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: \(trials)}\n"
    let specPath = "\(sandbox.path)/sweep.yaml"
    try sandbox.write("sweep.yaml", specText)
    let spec = try Spec.parse(yaml: specText, fileName: specPath)
    let journal = try Journal(path: "\(sandbox.path)/journal.sqlite")
    let sweepID = try journal.beginSweep(
      name: "memory", specPath: specPath, specText: specText, fingerprint: spec.fingerprint,
      trialCount: spec.trialCount, now: 0)
    let plan = TrialPlan(count: spec.trialCount) { index in
      let trial = spec.trial(at: index)
      return PlannedTrial(index: index, id: trial.id, paramsJSON: trial.paramsJSON)
    }
    var settings = CoordinatorSettings(
      requiredRunner: spec.runner, sweepID: sweepID, specText: specText, specFileName: specPath)
    settings.leaseSecret = Array(repeating: 7, count: 32)
    let machine = CoordinatorStateMachine(
      settings: settings, plan: plan, resumed: ResumeSet(recorded: [], plan: plan))
    let network = MemoryNetwork()
    let status = CoordinatorStatus()
    var logger = Logger(label: "test")
    logger.logLevel = .error
    nonisolated(unsafe) let coordinator = CoordinatorServer(
      transport: network.coordinatorTransport(), journal: journal, machine: machine, resumed: 0,
      status: status, logger: logger, clock: coordinatorClock, metrics: metrics)
    let failure = Mutex<CoordinatorError?>(nil)
    let coordinatorThread = Thread {
      do throws(CoordinatorError) { try coordinator.run() } catch {
        failure.withLock { $0 = error }
      }
    }
    coordinatorThread.start()
    while status.boundEndpoint == nil { usleep(1000) }

    let controls = (0..<workers).map { _ in WorkerControl() }
    let exits = Mutex([Int32](repeating: -1, count: workers))
    let done = DispatchGroup()
    for i in 0..<workers {
      nonisolated(unsafe) let worker = WorkerServer(
        transport: network.workerTransport(name: "w\(i)"), endpoint: "memory://coordinator",
        identity: WorkerIdentity(
          workerID: "w\(i)", host: "memory", pid: i, slots: 2, runners: [.core, .command],
          orbitVersion: "test"),
        giveUpAfter: 60, allowCommand: true, control: controls[i], logger: logger)
      done.enter()
      Thread {
        let code = (try? worker.run()) ?? -2
        exits.withLock { $0[i] = code }
        done.leave()
      }.start()
    }
    faults(network, status)
    let deadline = Date().addingTimeInterval(90)
    while !status.snapshot.finished && failure.withLock({ $0 == nil }) && Date() < deadline {
      usleep(10_000)
    }
    // Workers told the sweep is over leave by themselves; one cut off for good never hears.
    for i in 0..<workers where network.isKilled("w\(i)") {
      controls[i].requestStop(reason: "test over")
    }
    if done.wait(timeout: .now() + 20) == .timedOut {
      for control in controls { control.requestStop(reason: "test over") }
      _ = done.wait(timeout: .now() + 10)
    }
    while !coordinatorThread.isFinished { usleep(1000) }
    if let error = failure.withLock({ $0 }) { throw error }
    let events = try journal.events(kind: "worker_left")
    let left = events.map { "\($0.workerID ?? ""): \($0.detail)" }
    return (try journal.trials(), status.snapshot, exits.withLock { $0 }, left, events.map(\.at))
  }

  func waitUntil(_ status: CoordinatorStatus, recorded: Int) {
    let deadline = Date().addingTimeInterval(30)
    while status.snapshot.recorded < recorded && Date() < deadline { usleep(2000) }
  }

  /// Every trial of the plan exactly once, `ok`, with its plan index, parameters and the exact
  /// metrics its program printed.
  func expectEachTrialOnce(_ rows: [TrialRecord], trials: Int) throws {
    #expect(rows.count == trials)
    #expect(Set(rows.map(\.id)).count == trials)
    #expect(rows.map(\.index).sorted() == Array(0..<trials))
    for row in rows {
      #expect(row.status == .ok, "trial \(row.index): \(row.status) \(row.stderrTail)")
      let params =
        try JSONSerialization.jsonObject(with: Data(row.paramsJSON.utf8)) as? [String: Any]
      let metrics =
        try JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as? [String: Any]
      let x = try #require(params?["x"] as? Int, "row \(row.index) has no parameters")
      #expect(row.index == x - 1)
      #expect((metrics?["loss"] as? Double) == Double(x * 3 + 1))
    }
  }

  @Test(.timeLimit(.minutes(2)))
  func aSeveredConnectionAndAKilledWorkerLoseNothing() throws {
    let result = try sweep(trials: 60, workers: 3) { network, status in
      waitUntil(status, recorded: 10)
      network.sever("w0")  // a reset connection: in-flight messages lost, the worker re-joins
      waitUntil(status, recorded: 25)
      network.kill("w1")  // a dead worker: its leases go back at once
    }
    try expectEachTrialOnce(result.rows, trials: 60)
    #expect(result.status.counts[.ok] == 60)
    // w2 never saw a fault; w0 re-joined after its connection broke and was told the sweep ended.
    #expect(result.workerExits[0] == 0)
    #expect(result.workerExits[2] == 0)
    // Both faults were noticed as closed connections, not after liveness.
    #expect(
      result.workersLeft.filter { $0.hasPrefix("w0:") }.first?.contains("connection closed") == true
    )
    #expect(
      result.workersLeft.filter { $0.hasPrefix("w1:") }.first?.contains("connection closed") == true
    )
    #expect(!result.workersLeft.contains { $0.contains("silent") }, "\(result.workersLeft)")
  }

  @Test(.timeLimit(.minutes(2)))
  func aWallClockStepChangesNothingAndAFrozenCoordinatorRecoversOncePerTrial() throws {
    let clock = SteppedClock()
    let result = try sweep(trials: 40, workers: 2, coordinatorClock: clock.loopClock) {
      network, status in
      waitUntil(status, recorded: 8)
      // NTP steps the wall clock a day ahead: timers run on the monotonic clock, nobody is
      // declared dead, and rows are stamped with the (stepped) wall clock.
      clock.step(wall: 86_400)
      waitUntil(status, recorded: 16)
      // The coordinator was frozen past liveness (and its wall clock moves a second day, to
      // date what follows): a worker not heard from since is declared dead at the next tick,
      // its leases re-queued; it hears UNKNOWN_PEER, re-joins, and the sweep finishes. (A
      // worker whose message lands between the jump and that tick was heard after it.)
      clock.step(monotonic: 60, wall: 86_400)
    }
    try expectEachTrialOnce(result.rows, trials: 40)
    #expect(result.workerExits == [0, 0])
    // Declared dead by the monotonic jump only — each event dated after the second step — and
    // the first (wall-clock) step killed nobody.
    let now = Date().timeIntervalSince1970
    let silent = zip(result.workersLeft, result.leftAt).filter { $0.0.contains("silent") }
    #expect((1...2).contains(silent.count), "\(result.workersLeft)")
    #expect(silent.allSatisfy { $0.1 > now + 1.5 * 86_400 }, "\(silent)")
    let stamps = result.rows.map(\.finishedAt)
    #expect(stamps.contains { $0 > now + 80_000 }, "rows after the step carry the stepped clock")
    #expect(stamps.contains { $0 < now + 1000 }, "rows before it carry the real one")
  }

  /// The monitoring counters follow the loops: at the end of a sweep in which a worker was
  /// killed, `orbit_trials_total{status="ok"}` equals the journal's ok rows, every trial was
  /// dispatched at least once, and the kill shows as a disconnect.
  @Test(.timeLimit(.minutes(2)))
  func metricsAtTheEndEqualTheJournal() throws {
    let factory = TestMetrics()
    let metrics = CoordinatorMetrics(factory: factory)
    let result = try sweep(trials: 40, workers: 2, metrics: metrics) { network, status in
      waitUntil(status, recorded: 10)
      network.kill("w1")
    }
    try expectEachTrialOnce(result.rows, trials: 40)
    let ok = try factory.expectCounter(CoordinatorMetrics.Name.trials, [("status", "ok")])
    #expect(ok.totalValue == 40)
    #expect(try factory.expectCounter(CoordinatorMetrics.Name.dispatches).totalValue >= 40)
    #expect(try factory.expectCounter(CoordinatorMetrics.Name.results).totalValue >= 40)
    #expect(try factory.expectCounter(CoordinatorMetrics.Name.workersJoined).totalValue == 2)
    #expect(try factory.expectCounter(CoordinatorMetrics.Name.disconnects).totalValue >= 1)
    #expect(try factory.expectTimer(CoordinatorMetrics.Name.trialSeconds).values.count == 40)
    #expect(try !factory.expectTimer(CoordinatorMetrics.Name.commitSeconds).values.isEmpty)
    #expect(try factory.expectGauge(CoordinatorMetrics.Name.queued).lastValue == 0)
  }

}
