import ArgumentParser
import Foundation
import OrbitCoordinator
import OrbitProtocol
import OrbitSimulation
import OrbitSpec
import OrbitWorker

/// Issue 10's protocol figures without sockets:
///
///   swift run -c release ProtocolBench simulate --seeds 20000   # schedules/s; any failing seed
///   swift run -c release ProtocolBench dispatch                 # state-machine cost per trial
@main
struct ProtocolBench: ParsableCommand {
  static let configuration = CommandConfiguration(subcommands: [Simulate.self, Dispatch.self])
}

struct Simulate: ParsableCommand {
  @Option(help: "Seeded schedules to run.")
  var seeds: Int = 20_000
  @Option(help: "First seed.")
  var first: UInt64 = 0

  func run() throws {
    let start = Date()
    var failures: [String] = []
    var faults = 0
    var lost = 0
    for seed in first..<(first + UInt64(seeds)) {
      do {
        let r = try ProtocolSimulation.run(seed: seed)
        faults += r.kills + r.hangs + r.partitions + r.coordinatorCrashes
        lost += r.lost
      } catch {
        failures.append(error.description)
        print("FAIL \(error)")
      }
    }
    let seconds = Date().timeIntervalSince(start)
    print(
      "\(seeds) schedules in \(String(format: "%.1f", seconds)) s: \(String(format: "%.0f", Double(seeds) / seconds)) schedules/s; \(faults) faults injected; \(lost) trials lost (each after 5 real runs); \(failures.count) failed"
    )
    if !failures.isEmpty { throw ExitCode(1) }
  }
}

/// The coordinator's and a worker's state machines passing 200,000 no-op trials back and forth
/// in one thread, journal commits immediate: what the protocol logic costs per trial.
struct Dispatch: ParsableCommand {
  @Option var trials = 200_000
  @Option var workers = 8
  @Option var slots = 64
  @Option var repeats = 3

  func run() throws {
    var perTrial: [Double] = []
    for _ in 0..<repeats { perTrial.append(once()) }
    perTrial.sort()
    print(
      "state machines: \(perTrial.map { String(format: "%.0f", $0) }) ns per trial, median \(String(format: "%.0f", perTrial[perTrial.count / 2]))"
    )
  }

  func once() -> Double {
    var settings = CoordinatorSettings(
      requiredRunner: .core, sweepID: "bench", specText: "spec", specFileName: "b.yaml")
    settings.leaseSecret = Array(repeating: 7, count: 32)
    let plan = TrialPlan(count: trials) { i in
      PlannedTrial(index: i, id: TrialID(canonicalJSON: "\(i)"), paramsJSON: #"{"i":\#(i)}"#)
    }
    // Ids precomputed: the grid's SHA-256 per trial is the plan's cost, not the protocol's.
    let ids = (0..<trials).map { TrialID(canonicalJSON: "\($0)") }
    let cachedPlan = TrialPlan(count: trials) { i in
      PlannedTrial(index: i, id: ids[i], paramsJSON: #"{"i":\#(i)}"#)
    }
    _ = plan
    var coordinator = CoordinatorStateMachine(settings: settings, plan: cachedPlan)
    var machines: [WorkerStateMachine] = (0..<workers).map { w in
      WorkerStateMachine(
        identity: Hello(
          workerID: "w\(w)", host: "h", pid: w, slots: slots, runners: [.core],
          orbitVersion: "b"))
    }
    let peers = (0..<workers).map { PeerID(Array("w\($0)#1".utf8)) }
    var toWorker: [[Message]] = Array(repeating: [], count: workers)
    var toCoordinator: [(Int, Message)] = []
    func route(_ actions: [CoordinatorAction], _ persist: inout [[ResultEntry]]) {
      for a in actions {
        switch a {
        case .send(let p, let m): if let w = peers.firstIndex(of: p) { toWorker[w].append(m) }
        case .persist(let e): persist.append(e)
        default: break
        }
      }
    }
    let start = DispatchTime.now().uptimeNanoseconds
    var persist: [[ResultEntry]] = []
    for w in 0..<workers {
      for a in machines[w].handle(.connected(now: 0)) {
        if case .send(let m) = a { toCoordinator.append((w, m)) }
      }
    }
    var now = 0.0
    // Every input gets its stimulus id, as the server numbers them.
    var stimulus: Int64 = 0
    func next() -> StimulusID {
      stimulus += 1
      return StimulusID(stimulus)
    }
    while !coordinator.isFinished {
      now += 0.001
      for (w, m) in toCoordinator {
        route(coordinator.handle(.received(peers[w], m, now: now), stimulus: next()), &persist)
      }
      toCoordinator.removeAll(keepingCapacity: true)
      for batch in persist {
        route(
          coordinator.handle(
            .persisted(batch, inserted: batch.map { _ in true }, now: now), stimulus: next()),
          &persist)
      }
      persist.removeAll(keepingCapacity: true)
      for w in 0..<workers {
        for m in toWorker[w] {
          var pending = machines[w].handle(.received(m, now: now))
          while !pending.isEmpty {
            let a = pending.removeFirst()
            switch a {
            case .send(let out): toCoordinator.append((w, out))
            case .start(let t):
              pending += machines[w].handle(
                .trialFinished(
                  TrialOutcome(
                    trialID: t.trialID, index: t.index, attempt: t.attempt, status: .ok,
                    metricsJSON: #"{"test_loss":0}"#), now: now))
            default: break
            }
          }
        }
        toWorker[w].removeAll(keepingCapacity: true)
        for a in machines[w].flush(now: now) {
          if case .send(let out) = a { toCoordinator.append((w, out)) }
        }
      }
      if now > 1e6 { break }
    }
    let elapsed = DispatchTime.now().uptimeNanoseconds - start
    precondition(coordinator.counts[.ok] == trials, "the sweep did not finish")
    return Double(elapsed) / Double(trials)
  }
}
