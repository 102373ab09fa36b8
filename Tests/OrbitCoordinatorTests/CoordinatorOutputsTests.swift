import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitCoordinator

@Suite("The machine's typed outputs and stimulus ids")
struct CoordinatorOutputsTests {
  /// Journals written before `EventKind` hold these strings: the raw values must not change.
  @Test func eventKindsAreTheJournalsStrings() {
    #expect(
      EventKind.allCases.map(\.rawValue) == [
        "dispatched", "requeued", "worker_left", "peer_dropped", "refused_result",
        "held_trial_adopted", "held_trial_cancelled", "retry", "early_stopped", "target_reached",
      ])
  }

  /// The journal's `left_reason` and the logs say a leaving as earlier Orbits did.
  @Test func leaveReasonsSayWhatTheProseSaid() {
    #expect(LeaveReason.bye("lifetime over").description == "left: lifetime over")
    #expect(
      LeaveReason.silent(seconds: 31.7, liveness: 30).description
        == "silent for 31 s (liveness 30 s): declared dead")
    #expect(LeaveReason.connectionClosed.description == "connection closed")
    #expect(
      LeaveReason.dropped(.flooding(limit: 5)).description
        == "dropped for flooding (over 5 messages/s)")
    #expect(
      LeaveReason.dropped(.protocolViolations(last: "x")).description
        == "dropped for protocol violations: x")
    #expect(
      LeaveReason.replaced(host: "h", pid: 7).description
        == "replaced by a new worker with its id (h, pid 7)")
    #expect(LeaveReason.bye("").handsBackTrials)
    #expect(!LeaveReason.connectionClosed.handsBackTrials)
    #expect(!LeaveReason.revoked.handsBackTrials)
  }

  /// One trial's dispatch, its worker's death, its re-queue, its second dispatch and its result
  /// each carry the stimulus of the input that caused them.
  @Test func everyRecordedOutputCarriesItsStimulus() throws {
    var d = Driver(trials: 1)
    d.hello("w1", slots: 1)
    d.hello("w2", slots: 1)
    let ready = d.handle(.received(PeerID(Array("w1".utf8)), .ready(credits: 1), now: 0))
    let dispatched = ready.compactMap { a -> CoordinatorJournalEvent? in
      if case .event(let e) = a { e } else { nil }
    }
    #expect(dispatched.map(\.kind) == [.dispatched])
    #expect(dispatched.map(\.stimulus) == [StimulusID(d.lastStimulus)])
    #expect(dispatched.first?.workerID == "w1")
    #expect(dispatched.first?.detail == "attempt 1")

    d.send("w2", .ready(credits: 1))
    let death = d.handle(.disconnected(PeerID(Array("w1".utf8)), now: 1))
    let deathStimulus = StimulusID(d.lastStimulus)
    var kinds: [EventKind] = []
    for action in death {
      switch action {
      case .event(let e):
        kinds.append(e.kind)
        #expect(e.stimulus == deathStimulus)
      case .workerLeft(let worker, let reason, let requeued, let stimulus):
        #expect(worker == "w1")
        #expect(reason == .connectionClosed)
        #expect(requeued == 1)
        #expect(stimulus == deathStimulus)
      default: break
      }
    }
    // Re-queued and, w2 having a credit, dispatched again within the same input.
    #expect(kinds == [.requeued, .dispatched])

    let tasks = death.flatMap { a -> [TaskAssignment] in
      if case .send(_, .task(let t)) = a { t } else { [] }
    }
    let task = try #require(tasks.first)
    #expect(task.attempt == 2)
    let result = d.handle(
      .received(
        PeerID(Array("w2".utf8)), .result(sweepID: "s", results: [ok(task)], credits: 1), now: 2))
    let entries = result.flatMap { a -> [ResultEntry] in
      if case .persist(let e) = a { e } else { [] }
    }
    #expect(entries.map(\.stimulus) == [StimulusID(d.lastStimulus)])
  }

  @Test func aRevokedPeerLeavesAsRevoked() {
    var d = Driver(trials: 2)
    d.hello("w1")
    let actions = d.handle(.revoked(PeerID(Array("w1".utf8)), now: 1))
    #expect(
      actions.contains {
        if case .workerLeft("w1", .revoked, _, _) = $0 { true } else { false }
      })
    #expect(d.machine.workerCount == 0)
  }

  @Test func theFourFlagsAreOnePhase() {
    var d = Driver(trials: 2) { $0.adoptionGraceSeconds = 10 }
    #expect(d.machine.phase == .awaitingWorkers(since: nil))
    d.hello("w1")
    #expect(d.machine.phase == .awaitingWorkers(since: 0))
    d.send("w1", .ready(credits: 2))
    // No expected workers: nobody to wait for, so dispatch starts at once.
    #expect(d.machine.phase == .dispatching)
    d.feed(.stop(now: 1))
    #expect(d.machine.phase == .draining(.stopRequested))
    for task in d.takeTasks("w1") {
      d.send("w1", .result(sweepID: "s", results: [ok(task)], credits: 1), now: 2)
    }
    #expect(d.machine.phase == .finished(drained: .stopRequested))
    #expect(d.machine.isFinished)
  }
}
