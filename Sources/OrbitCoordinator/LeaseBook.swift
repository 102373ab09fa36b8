import OrbitProtocol
import OrbitSpec

/// Which trial is where: leased to a peer, awaited from one (a re-introduced worker re-sends
/// its result), waiting in the retry queue, or ahead of the cursor over the lazy plan. A trial
/// is in at most one of these; each lease and awaited result is listed under its peer.
///
/// Trials go out from the retry queue first (in plan order), then from the cursor, which skips
/// ids already recorded (resume) and runs re-adopted ahead of it.
struct LeaseBook {
  struct Lease: PeerHeld {
    var trial: PlannedTrial
    var attempt: Int
    var peer: PeerID
    /// Times a worker died holding this trial before this lease, started or not. From
    /// `suspectAfterDeaths` on it is a suspect, run on a worker with no other suspect: a pill
    /// that kills its worker before its STARTED is sent must count too, or the queue's order
    /// sends it with the same honest neighbour again and again, and the neighbour takes the
    /// blame (the simulation found one that died six times so). A first death is common under
    /// churn, so it does not isolate: a dead worker's trials go back out in batches.
    var losses: Int
    /// Times this trial failed by itself (`failed`, `timeout`) before this lease: what `retries`
    /// bounds. A trial handed back by a worker that left, or lost with one, is not a failure.
    var failures: Int
    /// The worker said it started the trial (STARTED): early termination judges only those.
    var started = false
    /// Early termination asked the worker to stop it: its `cancelled` result is `stopped`.
    var stopRequested = false
    var trialID: TrialID { trial.id }
  }

  /// A result a re-introduced worker re-sends for a trial this coordinator does not lease (it
  /// restarted, or the worker's lease had ended), kept as the lease whose run has ended:
  /// neither the queue nor the cursor hands the trial out while it is awaited; if the worker
  /// leaves first, it goes back to the queue. (`started` and `stopRequested` are not read: a
  /// stop asked before a restart is `EarlyStopping`'s to remember.)
  typealias Awaited = Lease

  /// A trial waiting for a worker. `attempt` counts dispatches (each lease has its own number);
  /// `losses` and `failures` are what the caps (`lossLimit`, `retries`) are checked against.
  struct Queued {
    var trial: PlannedTrial
    var attempt: Int
    var losses: Int
    var failures: Int
    /// Re-queued because its worker was taken for dead (a loss counted): if that worker comes
    /// back still running it (`adopt`), it was no death, and the loss is taken back.
    var diedWithWorker = false
  }

  /// Deaths with its workers after which a trial runs apart from other such trials (`Lease`).
  static let suspectAfterDeaths = 2

  let plan: TrialPlan
  /// Trials recorded by earlier runs of this sweep: the cursor skips them.
  let resumed: ResumeSet
  /// The last attempt of trials `--retry-failed` forgot (`CoordinatorSettings.priorAttempts`).
  let priorAttempts: [TrialID: Int]
  private(set) var leases = PeerHeldTable<Lease>()
  private(set) var awaited = PeerHeldTable<Awaited>()
  private(set) var retryQueue: [Queued] = []
  private(set) var cursor = 0
  /// Trials re-adopted from a worker's HELLO before the cursor reached them: the cursor skips
  /// them (they run, or ran, under the adopted lease). At most the adopted leases' count.
  private var adoptedAhead: Set<TrialID> = []
  init(plan: TrialPlan, resumed: ResumeSet, priorAttempts: [TrialID: Int]) {
    self.plan = plan
    self.resumed = resumed
    self.priorAttempts = priorAttempts
  }

  /// Trials not yet dispatched nor finished (an upper bound while the cursor has not reached the
  /// end: it counts resumed ids it has not skipped yet).
  var queuedCount: Int { max(0, plan.count - cursor) + retryQueue.count }
  /// Nothing is leased or awaited.
  var isIdle: Bool { leases.isEmpty && awaited.isEmpty }

  func leases(of peer: PeerID) -> Set<TrialID> { leases.of(peer) }
  func awaitedResults(of peer: PeerID) -> Set<TrialID> { awaited.of(peer) }

  /// Whether `peer` holds a suspect (a trial that died with its workers before).
  func holdsSuspect(_ peer: PeerID) -> Bool {
    leases(of: peer).contains { (leases[$0]?.losses ?? 0) >= Self.suspectAfterDeaths }
  }

  func queued(_ trialID: TrialID) -> Queued? { retryQueue.first(where: { $0.trial.id == trialID }) }

  /// Whether the trial at `index` is behind the cursor or was adopted ahead of it: its result
  /// is recorded, being written, or `lost`, unless it is leased, awaited or queued.
  func isPassed(index: Int, id: TrialID) -> Bool { index < cursor || adoptedAhead.contains(id) }

  // MARK: Leases

  /// Leases `queued` to `peer`.
  mutating func lease(_ queued: Queued, to peer: PeerID) {
    leases.insert(
      Lease(
        trial: queued.trial, attempt: queued.attempt, peer: peer, losses: queued.losses,
        failures: queued.failures))
  }

  /// Makes a lease again of a run its worker still holds (re-adoption).
  mutating func readopt(_ lease: Lease) { leases.insert(lease) }

  /// Ends a lease; returns it.
  @discardableResult
  mutating func endLease(_ trialID: TrialID) -> Lease? { leases.remove(trialID) }

  mutating func markStarted(_ trialID: TrialID, by peer: PeerID) {
    if leases[trialID]?.peer == peer { leases.update(trialID) { $0.started = true } }
  }

  mutating func markStopRequested(_ trialID: TrialID) {
    leases.update(trialID) { $0.stopRequested = true }
  }

  /// Moves what `old` holds and awaits to `new`: the same worker process on a new connection.
  mutating func move(from old: PeerID, to new: PeerID) {
    leases.move(from: old, to: new)
    awaited.move(from: old, to: new)
  }

  // MARK: Awaited results

  /// Turns a lease whose run its worker says has finished into an awaited result.
  mutating func awaitResult(ofLease trialID: TrialID) {
    guard let lease = endLease(trialID) else { return }
    addAwaited(lease)
  }

  mutating func addAwaited(_ a: Awaited) { awaited.insert(a) }

  /// Stops awaiting a trial's result (it came); returns what was awaited.
  @discardableResult
  mutating func endAwaiting(_ trialID: TrialID) -> Awaited? { awaited.remove(trialID) }

  /// Puts an awaited result's trial back in the queue: its worker left, or its result turned
  /// out to be no result (a cancelled run). True when it was awaited.
  @discardableResult
  mutating func releaseAwaited(_ trialID: TrialID) -> Bool {
    guard let a = endAwaiting(trialID) else { return false }
    enqueue(Queued(trial: a.trial, attempt: a.attempt + 1, losses: a.losses, failures: a.failures))
    return true
  }

  // MARK: The queue

  /// Adds trials to the retry queue, which stays in plan order.
  mutating func enqueue(_ queued: Queued...) { enqueue(contentsOf: queued) }

  mutating func enqueue(contentsOf queued: [Queued]) {
    guard !queued.isEmpty else { return }
    retryQueue += queued
    retryQueue.sort { $0.trial.index < $1.trial.index }
  }

  /// Ends leases and puts their trials back in the queue with the attempt incremented
  /// (counting a loss if `countingLoss`); returns the leases re-queued.
  mutating func requeue(_ trialIDs: Set<TrialID>, countingLoss: Bool) -> [Lease] {
    var ended: [Lease] = []
    for trialID in trialIDs.sorted() {
      guard let lease = endLease(trialID) else { continue }
      ended.append(lease)
    }
    enqueue(
      contentsOf: ended.map {
        Queued(
          trial: $0.trial, attempt: $0.attempt + 1, losses: $0.losses + (countingLoss ? 1 : 0),
          failures: $0.failures, diedWithWorker: countingLoss)
      })
    return ended
  }

  /// Takes a trial out of the queue (its worker still runs it, or its result came).
  mutating func takeQueued(_ trialID: TrialID) -> Queued? {
    guard let i = retryQueue.firstIndex(where: { $0.trial.id == trialID }) else { return nil }
    return retryQueue.remove(at: i)
  }

  /// Notes that a run adopted from a worker is at or past the cursor: the cursor skips it.
  mutating func adoptedAheadOfCursor(_ trialID: TrialID, index: Int) {
    if index >= cursor { adoptedAhead.insert(trialID) }
  }

  /// The next trial for a worker; `isolatingSuspects` when it already holds a suspect.
  ///
  /// A suspect — a trial that died with a worker before — runs on a worker that holds no other
  /// suspect. Otherwise the queue's order would send a poison pill and the neighbour that died
  /// with it to the same worker again and again, and the neighbour would share every death of
  /// the pill (the simulation found it: an honest trial `lost` beside a pill on 2-slot workers).
  mutating func nextTrial(isolatingSuspects: Bool) -> Queued? {
    if let i = retryQueue.firstIndex(where: {
      !isolatingSuspects || $0.losses < Self.suspectAfterDeaths
    }) {
      return retryQueue.remove(at: i)
    }
    while cursor < plan.count {
      let trial = plan.trial(at: cursor)
      cursor += 1
      if !adoptedAhead.isEmpty && adoptedAhead.remove(trial.id) != nil { continue }
      if !resumed.contains(index: trial.index, id: trial.id) && leases[trial.id] == nil {
        let attempt = (priorAttempts[trial.id] ?? 0) + 1
        return Queued(trial: trial, attempt: attempt, losses: 0, failures: 0)
      }
    }
    return nil
  }

  /// With nothing in flight, moves the cursor past trials already recorded (or adopted ahead),
  /// so a resumed sweep whose every trial is done finishes without a worker asking; true when
  /// no trial is left to hand out.
  mutating func skipRecordedAndCheckExhausted() -> Bool {
    while retryQueue.isEmpty, cursor < plan.count,
      !resumed.isEmpty(from: cursor) || !adoptedAhead.isEmpty
    {
      let trial = plan.trial(at: cursor)
      if adoptedAhead.remove(trial.id) == nil {
        guard resumed.contains(index: cursor, id: trial.id) else { break }
      }
      cursor += 1
    }
    return retryQueue.isEmpty && cursor >= plan.count
  }

  // MARK: Invariants

  /// The book's own rules (dask's `validate_state`): empty when all hold.
  func invariantViolations() -> [String] {
    var problems = leases.invariantViolations("lease") + awaited.invariantViolations("awaited")
    var queued: Set<TrialID> = []
    for q in retryQueue {
      if !queued.insert(q.trial.id).inserted { problems.append("\(q.trial.id) queued twice") }
      if leases[q.trial.id] != nil { problems.append("\(q.trial.id) both queued and leased") }
      if awaited[q.trial.id] != nil { problems.append("\(q.trial.id) both queued and awaited") }
    }
    for trialID in awaited.records.keys where leases[trialID] != nil {
      problems.append("\(trialID) both leased and awaited")
    }
    return problems
  }

  /// Peers that hold or await something: each must be a known peer.
  var peersWithHoldings: Set<PeerID> { Set(leases.peers).union(awaited.peers) }
}
