import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitCoordinator

@Suite("Lease book: leases, awaited results, retry queue, cursor")
struct LeaseBookTests {
  static func plan(_ count: Int) -> TrialPlan {
    TrialPlan(count: count) { PlannedTrial(index: $0, id: "t\($0)", paramsJSON: #"{"i":\#($0)}"#) }
  }

  static let a = PeerID(Array("a".utf8))
  static let b = PeerID(Array("b".utf8))

  static func book(_ count: Int, recorded: [Int] = []) -> LeaseBook {
    let plan = plan(count)
    let resumed = ResumeSet(
      recorded: recorded.map { (id: plan.trial(at: $0).id, index: $0) }, plan: plan)
    return LeaseBook(plan: plan, resumed: resumed, priorAttempts: [:])
  }

  @Test func theCursorSkipsRecordedTrialsAndTheQueueGoesFirstInPlanOrder() {
    var book = Self.book(5, recorded: [1])
    let first = book.nextTrial(isolatingSuspects: false)!
    #expect(first.trial.index == 0 && first.attempt == 1)
    book.lease(first, to: Self.a)
    #expect(book.nextTrial(isolatingSuspects: false)?.trial.index == 2)
    book.enqueue(
      LeaseBook.Queued(trial: Self.plan(5).trial(at: 4), attempt: 2, losses: 0, failures: 0))
    let requeued = book.requeue([first.trial.id], countingLoss: true)
    #expect(requeued.map(\.attempt) == [1])
    // Re-queued 0 comes before 4, whatever order they were queued in.
    #expect(book.retryQueue.map(\.trial.index) == [0, 4])
    let again = book.nextTrial(isolatingSuspects: false)!
    #expect(again.trial.index == 0 && again.attempt == 2 && again.losses == 1)
    #expect(again.diedWithWorker)
    #expect(book.invariantViolations() == [])
  }

  @Test func suspectsAreHandedOnlyToAWorkerWithoutOne() {
    var book = Self.book(3)
    // Trial 0 went out and died with its workers twice: back in the queue, behind the cursor.
    let trial = book.nextTrial(isolatingSuspects: false)!.trial
    book.enqueue(
      LeaseBook.Queued(
        trial: trial, attempt: 3, losses: LeaseBook.suspectAfterDeaths, failures: 0))
    #expect(book.nextTrial(isolatingSuspects: true)?.trial.index == 1)  // from the cursor
    let suspect = book.nextTrial(isolatingSuspects: false)!
    #expect(suspect.trial.index == 0)
    book.lease(suspect, to: Self.a)
    #expect(book.holdsSuspect(Self.a))
    #expect(!book.holdsSuspect(Self.b))
  }

  @Test func aPeersHoldingsMoveWithItAndEachSideOfTheIndexAgrees() {
    var book = Self.book(4)
    for _ in 0..<2 { book.lease(book.nextTrial(isolatingSuspects: false)!, to: Self.a) }
    book.awaitResult(ofLease: Self.plan(4).trial(at: 1).id)
    #expect(book.leases(of: Self.a).count == 1)
    #expect(book.awaitedResults(of: Self.a).count == 1)
    book.move(from: Self.a, to: Self.b)
    #expect(book.leases(of: Self.a).isEmpty && book.awaitedResults(of: Self.a).isEmpty)
    #expect(book.leases(of: Self.b).count == 1 && book.awaitedResults(of: Self.b).count == 1)
    #expect(book.peersWithHoldings == [Self.b])
    #expect(book.invariantViolations() == [])
    // An awaited result released goes back to the queue as the next attempt.
    let released = book.releaseAwaited(Self.plan(4).trial(at: 1).id)
    #expect(released)
    #expect(book.retryQueue.map(\.attempt) == [2])
    #expect(!book.isIdle)
    book.endLease(Self.plan(4).trial(at: 0).id)
    #expect(book.isIdle)
    #expect(book.invariantViolations() == [])
  }

  @Test func anAdoptedRunAheadOfTheCursorIsSkippedAndCountsAsPassed() {
    var book = Self.book(3)
    let ahead = Self.plan(3).trial(at: 2)
    book.adoptedAheadOfCursor(ahead.id, index: 2)
    #expect(book.isPassed(index: 2, id: ahead.id))
    #expect(book.nextTrial(isolatingSuspects: false)?.trial.index == 0)
    #expect(book.nextTrial(isolatingSuspects: false)?.trial.index == 1)
    #expect(book.nextTrial(isolatingSuspects: false) == nil)
  }

  @Test func aFullyRecordedPlanIsExhaustedWithoutDispatch() {
    var book = Self.book(3, recorded: [0, 1, 2])
    #expect(book.queuedCount == 3)  // an upper bound until the cursor has skipped them
    let exhausted = book.skipRecordedAndCheckExhausted()
    #expect(exhausted)
    #expect(book.queuedCount == 0)
    var partly = Self.book(3, recorded: [0])
    let partlyExhausted = partly.skipRecordedAndCheckExhausted()
    #expect(!partlyExhausted)
    #expect(partly.cursor == 1)
  }

  @Test func brokenTablesAreReported() {
    var book = Self.book(2)
    let trial = Self.plan(2).trial(at: 0)
    book.lease(LeaseBook.Queued(trial: trial, attempt: 1, losses: 0, failures: 0), to: Self.a)
    book.enqueue(LeaseBook.Queued(trial: trial, attempt: 2, losses: 0, failures: 0))
    #expect(book.invariantViolations() == ["\(trial.id) both queued and leased"])
  }
}

@Suite("A table of trials held by peers")
struct PeerHeldTableTests {
  struct Held: PeerHeld {
    var trialID: TrialID
    var peer: PeerID
    var note = 0
  }

  @Test func bothSidesStayInStepThroughInsertUpdateMoveAndRemove() {
    var table = PeerHeldTable<Held>()
    let (a, b) = (PeerID([1]), PeerID([2]))
    table.insert(Held(trialID: "t", peer: a))
    table.insert(Held(trialID: "u", peer: a))
    // Given to another peer: listed under that one only.
    table.insert(Held(trialID: "u", peer: b))
    #expect(table.of(a) == ["t"] && table.of(b) == ["u"])
    // An update cannot move a record: `move` does.
    table.update("t") {
      $0.note = 7
      $0.peer = b
    }
    #expect(table["t"]?.note == 7 && table["t"]?.peer == a)
    table.move(from: a, to: b)
    #expect(table.of(a).isEmpty && table.of(b) == ["t", "u"])
    #expect(table.remove("t")?.peer == b)
    #expect(Array(table.peers) == [b])
    #expect(table.invariantViolations("held") == [])
  }
}
