import OrbitProtocol
import OrbitSpec
import Testing

@testable import OrbitWorker

@Suite("Worker protocol logic, without sockets")
struct WorkerStateMachineTests {
  static let identity = WorkerIdentity(
    workerID: "w", host: "h", pid: 1, slots: 2, runners: ["core"], orbitVersion: "t")
  static let welcome = Welcome(
    sweepID: "s", heartbeatIntervalMilliseconds: 1000, liveness: 5, specText: "",
    specFileName: "s.yaml")

  func task(_ id: String) -> TaskAssignment {
    TaskAssignment(trialID: id, index: 0, attempt: 1, paramsJSON: "{}")
  }

  func joined() -> WorkerStateMachine {
    var m = WorkerStateMachine(identity: Self.identity)
    _ = m.handle(.connected(now: 0))
    _ = m.handle(.received(.welcome(Self.welcome), now: 0))
    return m
  }

  @Test func introducesItselfThenOffersEverySlotOnWelcome() {
    var m = WorkerStateMachine(identity: Self.identity)
    #expect(m.handle(.connected(now: 0)) == [.send(.hello(Self.identity))])
    let actions = m.handle(.received(.welcome(Self.welcome), now: 0))
    #expect(actions.contains(.configure(Self.welcome)))
    #expect(actions.contains(.send(.result(results: [], credits: 2))))
  }

  @Test func finishedTrialsGoOutBatchedWithTheCreditsTheyFree() {
    var m = joined()
    #expect(
      m.handle(.received(.task([task("a"), task("b")]), now: 1)) == [
        .start(task("a")), .start(task("b")),
      ])
    let a = TrialOutcome(trialID: "a", attempt: 1, status: .ok)
    let b = TrialOutcome(trialID: "b", attempt: 1, status: .failed)
    _ = m.handle(.trialFinished(a, now: 2))
    _ = m.handle(.trialFinished(b, now: 2))
    #expect(m.flush(now: 2) == [.send(.result(results: [a, b], credits: 2))])
    #expect(m.flush(now: 2).isEmpty)
  }

  @Test func unacknowledgedResultsAreSentAgainAfterTheCoordinatorForgetsUs() {
    var m = joined()
    _ = m.handle(.received(.task([task("a"), task("b")]), now: 1))
    let a = TrialOutcome(trialID: "a", attempt: 1, status: .ok)
    let b = TrialOutcome(trialID: "b", attempt: 1, status: .ok)
    _ = m.handle(.trialFinished(a, now: 2))
    _ = m.handle(.trialFinished(b, now: 2))
    _ = m.flush(now: 2)
    _ = m.handle(.received(.ack(trialIDs: ["a"]), now: 3))
    // The coordinator restarted: it asks us to introduce ourselves again.
    #expect(m.handle(.received(.unknownPeer, now: 4)) == [.send(.hello(Self.identity))])
    let actions = m.handle(.received(.welcome(Self.welcome), now: 4))
    #expect(actions == [.send(.result(results: [b], credits: 2))])
  }

  @Test func silentCoordinatorTriggersAReconnectThenGivingUp() {
    var m = joined()
    #expect(m.handle(.tick(now: 0.5)).isEmpty)
    #expect(m.handle(.tick(now: 1.1)) == [.send(.heartbeat)])
    #expect(m.handle(.tick(now: 6)).contains(.reconnect))
    var late = WorkerStateMachine(identity: Self.identity, giveUpAfter: 30)
    _ = late.handle(.connected(now: 0))
    let actions = late.handle(.tick(now: 31))
    #expect(actions.contains { if case .exit(69, _) = $0 { true } else { false } })
  }

  @Test func drainLetsRunningTrialsFinishThenLeavesOnceAcknowledged() {
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    #expect(m.handle(.received(.drain, now: 2)).isEmpty)
    let a = TrialOutcome(trialID: "a", attempt: 1, status: .ok)
    _ = m.handle(.trialFinished(a, now: 3))
    #expect(m.flush(now: 3) == [.send(.result(results: [a], credits: 0))])
    let actions = m.handle(.received(.ack(trialIDs: ["a"]), now: 4))
    #expect(
      actions == [.send(.bye(reason: "sweep complete")), .exit(code: 0, reason: "sweep complete")])
  }

  @Test func stopCancelsRunningTrialsSaysByeAndExitsWhenTheyEnd() {
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    let actions = m.handle(.stop(reason: "SIGTERM", now: 2))
    #expect(actions == [.cancel(trialID: "a"), .send(.bye(reason: "SIGTERM"))])
    let end = m.handle(
      .trialFinished(TrialOutcome(trialID: "a", attempt: 1, status: .cancelled), now: 3))
    #expect(end == [.exit(code: 0, reason: "SIGTERM")])
  }

  @Test func rejectionExitsWithTheReason() {
    var m = WorkerStateMachine(identity: Self.identity)
    _ = m.handle(.connected(now: 0))
    let actions = m.handle(.received(.reject(reason: "needs command"), now: 0))
    #expect(actions.contains(.exit(code: 69, reason: "rejected by the coordinator: needs command")))
  }

  @Test func duplicateTaskForARunningTrialIsNotStartedTwice() {
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    #expect(m.handle(.received(.task([task("a")]), now: 1)).isEmpty)
  }
}
