import OrbitJournal
import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitCoordinator

func report(_ id: TrialID, index: Int, attempt: Int = 1, token: LeaseToken = LeaseToken())
  -> ResultReport
{
  ResultReport(
    outcome: TrialOutcome(
      trialID: id, index: index, attempt: attempt, status: .ok, metricsJSON: #"{"loss":-1e9}"#),
    leaseToken: token)
}

@Suite("What a peer sends is not trusted")
struct HostilePeerTests {
  @Test func creditsNearIntMaxNeitherCrashNorExceedTheSlots() {
    var d = Driver(trials: 100)
    d.hello("w1", slots: 4)
    d.send("w1", .ready(credits: Int.max))
    d.send("w1", .ready(credits: Int.max))
    #expect(d.takeTasks("w1").count == 4)
    d.hello("w2", slots: 2)
    d.send("w2", .ready(credits: Int.min))
    d.send("w2", .ready(credits: 2))
    // w2 is either dropped for misbehaving or holds at most its slots: never all the work.
    #expect(d.takeTasks("w2").count <= 2)
  }

  @Test func resultsWithoutALeaseAreRefusedAcknowledgedAndNeverWritten() {
    var d = Driver(trials: 3)
    d.hello("honest", slots: 3)
    d.send("honest", .ready(credits: 3))
    let tasks = d.takeTasks("honest")
    d.hello("forger", slots: 1)
    // Real ids with no token, a token for another worker, and ids not in the plan.
    let stolen = tasks[0].leaseToken
    d.send(
      "forger",
      .result(
        sweepID: "s",
        results: [
          report("t0", index: 0), report("t1", index: 1, token: stolen),
          report("t0", index: 0, token: stolen), report("nope", index: 7),
          report("t2", index: 1),
        ], credits: 0))
    #expect(d.journal.isEmpty)
    #expect(d.machine.refusedCount >= 4)
    #expect(d.messages(to: "forger").contains { if case .ack = $0 { true } else { false } })
    d.send("honest", .result(sweepID: "s", results: tasks.map(ok), credits: 3))
    #expect(d.journal.count == 3)
    #expect(d.journal.values.allSatisfy { $0.metricsJSON == "{}" })
    #expect(d.finished)
  }

  @Test func aPeerThatKeepsForgingIsDroppedThenBanned() {
    var d = Driver(trials: 5)
    for _ in 0..<PeerPolicy.dropsBeforeBan {
      d.hello("forger", slots: 1)
      for _ in 0..<PeerPolicy.strikesBeforeDrop {
        d.send("forger", .result(sweepID: "s", results: [report("t0", index: 0)], credits: 0))
      }
    }
    d.sent.removeAll()
    d.hello("forger", slots: 1)
    guard case .reject(let reason) = d.messages(to: "forger").first else {
      Issue.record("a banned worker id was admitted")
      return
    }
    #expect(reason.contains("refused for the rest of this sweep"))
    #expect(d.machine.workerCount == 0)
  }

  @Test func aRestartedCoordinatorAcceptsAResultItsTokenProvesAndRecordsItsTrial() {
    // The first coordinator leases t1 to w1 ...
    var first = Driver(trials: 3)
    first.hello("w1", slots: 3)
    first.send("w1", .ready(credits: 3))
    let tasks = first.takeTasks("w1")
    // ... and dies. The second one (same sweep, same secret) holds no lease at all.
    var second = Driver(trials: 3)
    second.hello("w1", slots: 3)
    second.send("w1", .result(sweepID: "s", results: tasks.map(ok), credits: 0))
    #expect(second.journal.count == 3)
    #expect(second.machine.refusedCount == 0)
    // The same results with another secret (another run directory) are refused.
    var other = Driver(trials: 3, secret: Array("other".utf8))
    other.hello("w1", slots: 3)
    other.send("w1", .result(sweepID: "s", results: tasks.map(ok), credits: 0))
    #expect(other.journal.isEmpty)
    // A result of another sweep is refused.
    var later = Driver(trials: 3)
    later.hello("w1", slots: 3)
    later.send("w1", .result(sweepID: "old", results: tasks.map(ok), credits: 0))
    #expect(later.journal.isEmpty)
  }

  @Test func aSecondWorkerWithTheSameIdIsRefusedByName() {
    var d = Driver(trials: 4)
    d.feed(
      .received(
        PeerID(Array("w#1".utf8)),
        .hello(
          Hello(workerID: "w", host: "a", pid: 1, slots: 2, runners: [.core], orbitVersion: "t")),
        now: 0))
    d.feed(
      .received(
        PeerID(Array("w#2".utf8)),
        .hello(
          Hello(workerID: "w", host: "b", pid: 9, slots: 2, runners: [.core], orbitVersion: "t")),
        now: 0))
    guard case .reject(let reason) = d.sent.last?.1 else {
      Issue.record("the second worker was admitted")
      return
    }
    #expect(reason.contains("already in use"))
    #expect(d.machine.workerCount == 1)
  }

  @Test func theSameProcessOnANewConnectionKeepsItsLeases() {
    var d = Driver(trials: 4)
    let hello = Hello(
      workerID: "w", host: "a", pid: 1, slots: 2, runners: [.core], orbitVersion: "t")
    d.feed(.received(PeerID(Array("w#1".utf8)), .hello(hello), now: 0))
    d.feed(.received(PeerID(Array("w#1".utf8)), .ready(credits: 2), now: 0))
    let tasks = d.takeTasks("w#1")
    #expect(tasks.count == 2)
    // It reconnects running only the first: the second TASK was lost with the old connection.
    var again = hello
    again.holding = [HeldLease(tasks[0])]
    d.feed(.received(PeerID(Array("w#2".utf8)), .hello(again), now: 1))
    #expect(d.machine.workerCount == 1)
    #expect(d.machine.runningCount == 1)
    #expect(d.left.isEmpty)
    d.feed(.received(PeerID(Array("w#2".utf8)), .ready(credits: 1), now: 1))
    // The lost one goes out again, and nothing it still runs does.
    #expect(d.takeTasks("w#2").map(\.trialID) == [tasks[1].trialID])
  }

  @Test func progressIsKeptOnlyForATrialThePeerRuns() {
    var d = Driver(trials: 2)
    d.hello("w1", slots: 1)
    d.send("w1", .ready(credits: 1))
    let t = d.takeTasks("w1")[0]
    d.hello("w2", slots: 1)
    func progressActions(_ name: String, _ p: TrialProgress) -> Int {
      d.handle(.received(PeerID(Array(name.utf8)), .progress(p), now: 0)).filter {
        if case .recordProgress = $0 { true } else { false }
      }.count
    }
    let p = TrialProgress(
      trialID: t.trialID, index: t.index, attempt: 1, step: 1, metricsJSON: "{}")
    #expect(progressActions("w1", p) == 1)
    #expect(progressActions("w2", p) == 0)
    var big = p
    big.metricsJSON = String(repeating: " ", count: PeerPolicy.maxProgressBytes + 1)
    #expect(progressActions("w1", big) == 0)
  }

  @Test(arguments: [
    "a\u{0}b", "w\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}", "evil\u{202e}gnp.exe", "cafe\u{301}",
    "tab\tid",
  ])
  func aWorkerIDWithControlCharactersOrNotInNFCIsRejected(id: String) {
    var d = Driver(trials: 1)
    d.hello(id, slots: 1)
    #expect(d.machine.workerCount == 0)
    let rejected = d.messages(to: id).contains { if case .reject = $0 { true } else { false } }
    #expect(rejected)
  }

  @Test func aNewPeerDeclaringThousandsOfSlotsTakesOnlyWhatItHasShownItCanRun() {
    var d = Driver(trials: 1000)
    d.hello("greedy", slots: PeerPolicy.maxSlots)
    d.send("greedy", .ready(credits: PeerPolicy.maxSlots))
    let first = d.takeTasks("greedy")
    #expect(first.count == PeerPolicy.initialAllowance)
    // Each result it returns lets it hold one more: 16 results, room for 32.
    d.send(
      "greedy",
      .result(sweepID: "s", results: first.map(ok), credits: first.count))
    d.send("greedy", .ready(credits: PeerPolicy.maxSlots))
    #expect(d.takeTasks("greedy").count == 2 * PeerPolicy.initialAllowance)
    // An honest peer beside it still gets work.
    d.hello("honest", slots: 4)
    d.send("honest", .ready(credits: 4))
    #expect(d.takeTasks("honest").count == 4)
  }

  @Test func aHelloAfterOtherTrafficIsAStrikeAndQuietRepeatsAreBounded() {
    var d = Driver(trials: 2)
    // A re-admission after a coordinator restart: HELLOs repeated with nothing else said are
    // one introduction (an older worker answers each UNKNOWN_PEER with one), not strikes.
    for _ in 0...PeerPolicy.repeatedHellosAllowed { d.hello("quiet", slots: 1) }
    #expect(d.machine.workerCount == 1)
    #expect(d.left.isEmpty)
    // Past the allowance each is a strike: every WELCOME carries the spec.
    for _ in 0..<PeerPolicy.strikesBeforeDrop { d.hello("quiet", slots: 1) }
    #expect(d.left == ["quiet"])
    // A HELLO after any other message is a strike at once.
    d.hello("chatty", slots: 1)
    for _ in 0..<PeerPolicy.strikesBeforeDrop - 1 {
      d.send("chatty", .heartbeat)
      d.hello("chatty", slots: 1)
    }
    #expect(d.machine.workerCount == 1)
    d.send("chatty", .heartbeat)
    d.hello("chatty", slots: 1)
    #expect(d.left == ["quiet", "chatty"])
    #expect(d.machine.workerCount == 0)
  }

  @Test func aFloodingPeerIsDroppedAndAnHonestRateIsNot() {
    var d = Driver(trials: 4)
    d.hello("honest", slots: 2)
    d.hello("flood", slots: 2)
    d.send("flood", .ready(credits: 2), now: 0)
    #expect(d.takeTasks("flood").count == 2)
    // A heartbeat every 100 µs for 5 s is 10,000 a second: honest enough.
    for k in 0..<50_000 {
      _ = d.handle(
        .received(PeerID(Array("honest".utf8)), .heartbeat, now: Double(k) * 1e-4))
    }
    #expect(d.machine.workerCount == 2)
    for _ in 0...PeerPolicy.maxMessagesPerSecond {
      _ = d.handle(.received(PeerID(Array("flood".utf8)), .heartbeat, now: 5))
    }
    #expect(d.machine.workerCount == 1)
    // Its leases went back to the queue: the honest worker gets them.
    d.send("honest", .ready(credits: 2), now: 5)
    #expect(d.takeTasks("honest").map(\.attempt) == [2, 2])
    #expect(d.machine.runningCount == 2)
  }

  @Test func aClosedConnectionRequeuesAtOnceWithoutWaitingForLiveness() {
    var d = Driver(trials: 2)
    d.hello("w1", slots: 2)
    d.send("w1", .ready(credits: 2))
    #expect(d.takeTasks("w1").count == 2)
    d.hello("w2", slots: 2)
    d.feed(.disconnected(PeerID(Array("w1".utf8)), now: 0.01))
    #expect(d.left == ["w1"])
    d.send("w2", .ready(credits: 2), now: 0.02)
    #expect(d.takeTasks("w2").map(\.attempt) == [2, 2])
  }

  @Test func oversizedMetricsFromAPeerAreRecordedAsAFailureThatSaysWhy() {
    var d = Driver(trials: 1)
    d.hello("w1", slots: 1)
    d.send("w1", .ready(credits: 1))
    var r = ok(d.takeTasks("w1")[0])
    r.outcome.metricsJSON = "[" + String(repeating: "1,", count: Wire.maxMetricsBytes) + "1]"
    d.send("w1", .result(sweepID: "s", results: [r], credits: 1))
    #expect(d.journal["t0"]?.status == .failed)
    #expect(d.journal["t0"]?.stderrTail.contains("over the limit") == true)
  }

  @Test func aFailureIsRunAgainOnlyAsOftenAsRetriesSays() {
    var d = Driver(trials: 1, retries: 1)
    d.hello("w1", slots: 1)
    d.send("w1", .ready(credits: 1))
    for attempt in 1...2 {
      let t = d.takeTasks("w1")
      #expect(t.map(\.attempt) == [attempt])
      guard let task = t.first else { return }
      var r = ok(task)
      r.outcome.status = .failed
      d.send("w1", .result(sweepID: "s", results: [r], credits: 1))
    }
    #expect(d.journal["t0"]?.status == .failed)
    #expect(d.journal["t0"]?.attempt == 2)
  }
}

@Suite("Lease tokens")
struct LeaseSignerTests {
  /// The reference implementation's 128-bit vectors (key 00…0f, message 00…(n−1)).
  @Test func sipHashMatchesTheReferenceVectors() {
    let mac = SipHash128(key: Array(0..<16))
    func hex(_ n: Int) -> String {
      let tag = [UInt8]((0..<n).map { UInt8($0) }).withUnsafeBytes { mac.tag($0) }
      return SHA256.hexString((0..<16).map { tag[$0] })
    }
    #expect(hex(0) == "a3817f04ba25a8e66df67214c7550293")
    #expect(hex(1) == "da87c1d86b99af44347659119b22fc45")
  }

  @Test func aTokenVerifiesOnlyForItsOwnLease() {
    let signer = LeaseSigner(secret: Array(repeating: 7, count: 32), sweepID: "s")
    let w = signer.key(forWorker: "w")
    let id = TrialID(hex: String(repeating: "ab", count: 32))!
    let token = signer.token(w, trialID: id, index: 3, attempt: 2)
    #expect(token.bytes.count == LeaseToken.byteCount)
    #expect(signer.verify(token, w, trialID: id, index: 3, attempt: 2))
    #expect(!signer.verify(token, w, trialID: id, index: 3, attempt: 3))
    #expect(!signer.verify(token, w, trialID: id, index: 4, attempt: 2))
    #expect(
      !signer.verify(
        token, w, trialID: TrialID(hex: String(repeating: "ac", count: 32))!, index: 3, attempt: 2))
    #expect(!signer.verify(token, signer.key(forWorker: "x"), trialID: id, index: 3, attempt: 2))
    let otherSweep = LeaseSigner(secret: Array(repeating: 7, count: 32), sweepID: "z")
    #expect(
      !otherSweep.verify(token, otherSweep.key(forWorker: "w"), trialID: id, index: 3, attempt: 2))
    let otherSecret = LeaseSigner(secret: Array(repeating: 8, count: 32), sweepID: "s")
    #expect(
      !otherSecret.verify(token, otherSecret.key(forWorker: "w"), trialID: id, index: 3, attempt: 2)
    )
    // The same lease signed twice is the same token (a restarted coordinator recomputes it).
    #expect(signer.token(signer.key(forWorker: "w"), trialID: id, index: 3, attempt: 2) == token)
  }

}
