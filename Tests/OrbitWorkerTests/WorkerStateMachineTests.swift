import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitWorker

@Suite("Worker protocol logic, without sockets")
struct WorkerStateMachineTests {
  static let identity = WorkerIdentity(
    workerID: "w", host: "h", pid: 1, slots: 2, runners: [.core], orbitVersion: "t")
  static let heartbeatSeconds = 1.0
  static let welcome = Welcome(
    sweepID: "s", heartbeatIntervalMilliseconds: 1000, liveness: 5, specText: "",
    specFileName: "s.yaml")

  func task(_ id: TrialID) -> TaskAssignment {
    TaskAssignment(trialID: id, index: 0, attempt: 1, paramsJSON: "{}")
  }

  func r(_ o: TrialOutcome) -> ResultReport { ResultReport(outcome: o, leaseToken: LeaseToken()) }

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
    #expect(actions.contains(.send(.ready(credits: 2))))
  }

  /// Re-introduced after a coordinator restart, a worker lists every run it holds with its
  /// lease: the one still running, and the one finished whose result awaits an ACK, so the new
  /// coordinator re-adopts both instead of running them again (issue 25).
  @Test func itsHelloListsEachRunItHoldsWithItsLease() {
    var m = joined()
    let token = { (b: UInt8) in LeaseToken(Array(repeating: b, count: LeaseToken.byteCount)) }
    let a = TaskAssignment(
      trialID: "a", index: 3, attempt: 2, paramsJSON: "{}", leaseToken: token(1))
    let b = TaskAssignment(
      trialID: "b", index: 4, attempt: 1, paramsJSON: "{}", leaseToken: token(2))
    _ = m.handle(.received(.task([a, b]), now: 1))
    _ = m.handle(
      .trialFinished(
        TrialOutcome(trialID: "b", index: 4, attempt: 1, status: .ok), now: 2))
    _ = m.flush(now: 2)
    var expected = Self.identity
    expected.holding = [
      HeldLease(trialID: "a", index: 3, attempt: 2, leaseToken: token(1)),
      HeldLease(trialID: "b", index: 4, attempt: 1, leaseToken: token(2), finished: true),
    ]
    #expect(m.handle(.received(.unknownPeer, now: 3)) == [.send(.hello(expected))])
  }

  @Test func finishedTrialsGoOutBatchedWithTheCreditsTheyFree() {
    var m = joined()
    #expect(
      m.handle(.received(.task([task("a"), task("b")]), now: 1)) == [
        .start(task("a")), .start(task("b")),
      ])
    // Still running at the next flush: the coordinator is told they started.
    #expect(m.flush(now: 1) == [.send(.started(trialIDs: ["a", "b"]))])
    let a = TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .ok)
    let b = TrialOutcome(trialID: "b", index: 0, attempt: 1, status: .failed)
    _ = m.handle(.trialFinished(a, now: 2))
    _ = m.handle(.trialFinished(b, now: 2))
    #expect(m.flush(now: 2) == [.send(.result(sweepID: "s", results: [r(a), r(b)], credits: 2))])
    #expect(m.flush(now: 2).isEmpty)
  }

  @Test func unacknowledgedResultsAreSentAgainAfterTheCoordinatorForgetsUs() {
    var m = joined()
    _ = m.handle(.received(.task([task("a"), task("b")]), now: 1))
    let a = TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .ok)
    let b = TrialOutcome(trialID: "b", index: 0, attempt: 1, status: .ok)
    _ = m.handle(.trialFinished(a, now: 2))
    _ = m.handle(.trialFinished(b, now: 2))
    _ = m.flush(now: 2)
    _ = m.handle(.received(.ack(trialIDs: ["a"]), now: 3))
    // The coordinator restarted: it asks us to introduce ourselves again; the HELLO lists the
    // finished run whose result it will re-send (its trial is then not dispatched again).
    var again = Self.identity
    again.holding = [HeldLease(trialID: "b", index: 0, attempt: 1, finished: true)]
    #expect(m.handle(.received(.unknownPeer, now: 4)) == [.send(.hello(again))])
    let actions = m.handle(.received(.welcome(Self.welcome), now: 4))
    #expect(actions == [.send(.result(sweepID: "s", results: [r(b)], credits: 2))])
  }

  @Test func manyUnknownPeerRepliesAfterARestartGetOneHello() {
    // A restarted coordinator answers each message that was in flight (progress, results) with
    // UNKNOWN_PEER: one HELLO answers them all, or the coordinator strikes the repeats.
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    var hellos = 0
    for _ in 0..<5 {
      hellos +=
        m.handle(.received(.unknownPeer, now: 4)).filter {
          if case .send(.hello) = $0 { true } else { false }
        }.count
    }
    #expect(hellos == 1)
    // An introduction unanswered for two heartbeat intervals (lost) is made again.
    let later = m.handle(.received(.unknownPeer, now: 4 + 2 * Self.heartbeatSeconds + 0.01))
    #expect(later.contains { if case .send(.hello) = $0 { true } else { false } })
    // Once welcomed, the next UNKNOWN_PEER (another restart) is answered at once.
    _ = m.handle(.received(.welcome(Self.welcome), now: 5))
    let again = m.handle(.received(.unknownPeer, now: 5.1))
    #expect(again.contains { if case .send(.hello) = $0 { true } else { false } })
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

  @Test func reconnectingDoesNotPostponeGivingUp() {
    // The coordinator is gone for good: the worker reconnects with backoff, and its own
    // reconnects do not count as word from the coordinator.
    var m = WorkerStateMachine(identity: Self.identity, giveUpAfter: 10)
    _ = m.handle(.connected(now: 0.001))
    _ = m.handle(.received(.welcome(Self.welcome), now: 0.001))
    var reconnects = 0
    var exitedAt: Double?
    for tenth in 1...200 {
      let now = Double(tenth) / 10
      let actions = m.handle(.tick(now: now))
      if actions.contains(.reconnect) {
        reconnects += 1
        _ = m.handle(.connected(now: now))
      }
      if actions.contains(where: { if case .exit(69, _) = $0 { true } else { false } }) {
        exitedAt = now
        break
      }
    }
    #expect(reconnects >= 1)
    let at = try? #require(exitedAt)
    #expect(at.map { $0 > 10 && $0 < 10.5 } == true, "gave up at \(String(describing: exitedAt))")
  }

  @Test func drainLetsRunningTrialsFinishThenLeavesOnceAcknowledged() {
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    #expect(m.handle(.received(.drain, now: 2)).isEmpty)
    let a = TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .ok)
    _ = m.handle(.trialFinished(a, now: 3))
    #expect(m.flush(now: 3) == [.send(.result(sweepID: "s", results: [r(a)], credits: 0))])
    let actions = m.handle(.received(.ack(trialIDs: ["a"]), now: 4))
    #expect(
      actions == [.send(.bye(reason: "sweep complete")), .exit(code: 0, reason: "sweep complete")])
  }

  @Test func aLifetimeStopsTakingTrialsThatWouldNotFinishThenLeavesCleanly() {
    var m = WorkerStateMachine(identity: Self.identity, lifetimeEnd: 100)
    _ = m.handle(.connected(now: 0))
    _ = m.handle(.received(.welcome(Self.welcome), now: 0))
    // A 30 s trial: seen once, it is what the next one is expected to take.
    _ = m.handle(.received(.task([task("a")]), now: 1))
    let a = TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .ok)
    _ = m.handle(.trialFinished(a, now: 31))
    #expect(m.flush(now: 31) == [.send(.result(sweepID: "s", results: [r(a)], credits: 1))])
    _ = m.handle(.received(.ack(trialIDs: ["a"]), now: 31))
    _ = m.handle(.received(.task([task("b")]), now: 31))
    // At t=50 there are 50 s left: a 30 s trial and the 10 s margin still fit.
    #expect(!m.handle(.tick(now: 50)).contains { if case .exit = $0 { true } else { false } })
    // At t=61, 39 s left: not enough for another. b still runs; no new trial is started.
    _ = m.handle(.tick(now: 61))
    #expect(m.handle(.received(.task([task("c")]), now: 62)).isEmpty)
    let b = TrialOutcome(trialID: "b", index: 0, attempt: 1, status: .ok)
    _ = m.handle(.trialFinished(b, now: 70))
    #expect(m.flush(now: 70) == [.send(.result(sweepID: "s", results: [r(b)], credits: 0))])
    let actions = m.handle(.received(.ack(trialIDs: ["b"]), now: 71))
    #expect(actions.count == 2)
    guard case .send(.bye(let reason)) = actions.first, case .exit(0, _) = actions.last else {
      Issue.record("expected BYE then exit 0, got \(actions)")
      return
    }
    #expect(reason.contains("lifetime ends in 39 s"), "\(reason)")
  }

  @Test func aLifetimeAboutToEndHandsBackWhatStillRuns() {
    var m = WorkerStateMachine(identity: Self.identity, lifetimeEnd: 20)
    _ = m.handle(.connected(now: 0))
    _ = m.handle(.received(.welcome(Self.welcome), now: 0))
    _ = m.handle(.received(.task([task("a")]), now: 1))
    // No trial has finished, so none is judged too long; at the margin, it is handed back.
    #expect(m.handle(.tick(now: 5)).allSatisfy { if case .exit = $0 { false } else { true } })
    let actions = m.handle(.tick(now: 10.5))
    #expect(actions.first == .cancel(trialID: "a"))
    guard case .send(.bye(let reason)) = actions.last else {
      Issue.record("expected a BYE, got \(actions)")
      return
    }
    #expect(reason.contains("handing back 1 running trials"))
    let end = m.handle(
      .trialFinished(TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .cancelled), now: 11))
    #expect(end.last.map { if case .exit(0, _) = $0 { true } else { false } } == true)
  }

  @Test func stopCancelsRunningTrialsSaysByeAndExitsWhenTheyEnd() {
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    let actions = m.handle(.stop(reason: "SIGTERM", now: 2))
    #expect(actions == [.cancel(trialID: "a"), .send(.bye(reason: "SIGTERM"))])
    let end = m.handle(
      .trialFinished(TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .cancelled), now: 3))
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

  @Test func manyUnacknowledgedResultsAreResentInFramesUnderTheLimit() {
    let ids: [TrialID] = (0..<100).map { "t\($0)" }
    // Each result carries 60 KiB of metrics: 100 of them (6 MiB) do not fit one 4 MiB batch.
    let metrics = "{\"x\":\"" + String(repeating: "a", count: 60 << 10) + "\"}"
    var m2 = WorkerStateMachine(
      identity: WorkerIdentity(
        workerID: "w", host: "h", pid: 1, slots: 100, runners: [.core], orbitVersion: "t"))
    _ = m2.handle(.connected(now: 0))
    _ = m2.handle(.received(.welcome(Self.welcome), now: 0))
    _ = m2.handle(.received(.task(ids.map(task)), now: 1))
    for id in ids {
      _ = m2.handle(
        .trialFinished(
          TrialOutcome(trialID: id, index: 0, attempt: 1, status: .ok, metricsJSON: metrics),
          now: 2))
    }
    _ = m2.flush(now: 2)
    _ = m2.handle(.received(.unknownPeer, now: 3))
    let resent = m2.handle(.received(.welcome(Self.welcome), now: 3))
    var seen: [TrialID] = []
    for case .send(let message) in resent {
      guard case .result(_, let reports, _) = message else { continue }
      #expect(MessageCodec.encode(message).count <= Wire.maxResultBatchBytes + 4096)
      seen += reports.map(\.outcome.trialID)
    }
    #expect(resent.count >= 2)
    #expect(seen.sorted() == ids.sorted())
  }

  @Test func metricsOverTheLimitBecomeAFailureThatSaysWhy() {
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    let big = "{\"x\":\"" + String(repeating: "a", count: Wire.maxMetricsBytes) + "\"}"
    _ = m.handle(
      .trialFinished(
        TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .ok, metricsJSON: big), now: 2))
    guard case .send(.result(_, let reports, _)) = m.flush(now: 2).first else {
      Issue.record("no RESULT sent")
      return
    }
    #expect(reports.count == 1)
    #expect(reports[0].outcome.status == .failed)
    #expect(reports[0].outcome.metricsJSON == "{}")
    #expect(reports[0].outcome.stderrTail.contains("bytes of metrics, over the limit"))
  }

  @Test func resultsCarryTheLeaseTokenOfTheirTask() {
    var m = joined()
    let token = LeaseToken(Array(repeating: 7, count: LeaseToken.byteCount))
    let t = TaskAssignment(trialID: "a", index: 3, attempt: 2, paramsJSON: "{}", leaseToken: token)
    _ = m.handle(.received(.task([t]), now: 1))
    _ = m.handle(
      .trialFinished(TrialOutcome(trialID: "a", index: 3, attempt: 2, status: .ok), now: 2))
    guard case .send(.result(let sweep, let reports, _)) = m.flush(now: 2).first else {
      Issue.record("no RESULT sent")
      return
    }
    #expect(sweep == "s")
    #expect(reports.map(\.leaseToken) == [token])
    #expect(reports.map(\.outcome.index) == [3])
  }

  @Test func aNewSpecReconfiguresAndANewSweepDropsWhatTheOldOneHeld() {
    var m = joined()
    _ = m.handle(.received(.task([task("a"), task("b")]), now: 1))
    _ = m.handle(
      .trialFinished(TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .ok), now: 2))
    _ = m.flush(now: 2)
    // Same sweep, spec with grid points added: reconfigure, keep running, re-send results.
    var grown = Self.welcome
    grown.specText = "more"
    _ = m.handle(.received(.unknownPeer, now: 3))
    let again = m.handle(.received(.welcome(grown), now: 3))
    #expect(again.contains(.configure(grown)))
    #expect(!again.contains(.cancel(trialID: "b")))
    #expect(
      again.contains { if case .send(.result(_, let r, _)) = $0 { r.count == 1 } else { false } })
    // Another sweep entirely: what is held belongs to the old one.
    var other = grown
    other.sweepID = "s2"
    _ = m.handle(.received(.unknownPeer, now: 4))
    let fresh = m.handle(.received(.welcome(other), now: 4))
    #expect(fresh.contains(.configure(other)))
    #expect(fresh.contains(.cancel(trialID: "b")))
    #expect(fresh.contains(.send(.ready(credits: 1))))
  }

  @Test func theCoordinatorSayingTheSweepIsOverEndsTheWorkerWithZeroEvenMidTrial() {
    var m = joined()
    _ = m.handle(.received(.task([task("a")]), now: 1))
    let actions = m.handle(.received(.bye(reason: "sweep complete"), now: 2))
    #expect(actions.contains(.cancel(trialID: "a")))
    let end = m.handle(
      .trialFinished(TrialOutcome(trialID: "a", index: 0, attempt: 1, status: .cancelled), now: 3))
    #expect(end.contains { if case .exit(0, _) = $0 { true } else { false } })
  }
}
