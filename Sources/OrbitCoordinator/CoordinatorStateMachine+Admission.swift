import OrbitProtocol
import OrbitSpec

/// HELLO: admission, a worker back on a new connection, and the re-adoption of the runs it
/// still holds.
extension CoordinatorStateMachine {
  mutating func admit(
    _ hello: Hello, as id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    if let refusal = peers.admissionRefusal(of: hello, requiredRunner: settings.requiredRunner) {
      send(.reject(reason: refusal), to: id, now: now, into: &actions)
      return
    }
    // What it held on a connection it had before, and what it keeps on this one.
    var inherited: Set<TrialID> = []
    var inheritedAwaiting: Set<TrialID> = []
    var keptCancelling: Set<TrialID> = []
    var strikesSoFar = 0
    var repeatedHellos = 0
    if let (otherID, other) = peers.other(withWorkerID: hello.workerID, than: id) {
      let sameProcess = other.hello.host == hello.host && other.hello.pid == hello.pid
      // A worker restarted under the same id (by Slurm, systemd) before its old connection was
      // seen to close: the old one has been silent, so it is gone. A live one keeps its id.
      let replaced =
        !sameProcess
        && now - other.lastHeard >= PeerPolicy.silenceBeforeTakeover * settings.heartbeatInterval
      if replaced {
        drop(
          otherID, because: .replaced(host: hello.host, pid: hello.pid), now: now, into: &actions)
      } else if !sameProcess {
        send(
          .reject(
            reason:
              "worker id '\(hello.workerID)' is already in use by the worker on \(other.hello.host) (pid \(other.hello.pid)); give each worker its own --worker-id"
          ), to: id, now: now, into: &actions)
        actions.append(
          .log(
            .warning,
            "refused a second worker with id '\(hello.workerID)' (from \(hello.host), pid \(hello.pid)); the one on \(other.hello.host) pid \(other.hello.pid) keeps it"
          ))
        return
      } else {
        // The same process on a new connection (it reconnected): its trials keep running there,
        // so their leases move with it instead of being re-queued.
        peers.remove(otherID)
        inherited = book.leases(of: otherID)
        inheritedAwaiting = book.awaitedResults(of: otherID)
        book.move(from: otherID, to: id)
        keptCancelling = other.cancelling
      }
    }
    if let existing = peers[id] {
      // HELLO again on a connection already admitted: an honest worker does so only while its
      // re-admission is in progress (one HELLO per UNKNOWN_PEER, before this one's WELCOME
      // reached it). Anything else is a strike; either way it keeps what it runs.
      if existing.onlyHelloSinceWelcome
        && existing.repeatedHellos < PeerPolicy.repeatedHellosAllowed
      {
        repeatedHellos = existing.repeatedHellos + 1
      } else {
        repeatedHellos = existing.repeatedHellos  // the allowance is spent for this connection
        strike(id, "said HELLO again on an admitted connection", now: now, into: &actions)
      }
      guard let struck = peers[id] else { return }
      // The same connection lost nothing: every lease and awaited result stays (this HELLO may
      // be a copy sent before later TASKs, so what it lists says nothing about them).
      keptCancelling = existing.cancelling
      strikesSoFar = struck.strikes
    }
    // Of what it held before, keep only the leases it says it is running; any other was lost
    // in transit (a TASK that went down with the old connection) and goes back to the queue,
    // or the sweep would wait for it forever. A lease whose run it says has finished awaits the
    // result it re-sends.
    let running = Set(hello.holding.lazy.filter { !$0.finished }.map(\.trialID))
    let finished = Set(hello.holding.lazy.filter(\.finished).map(\.trialID))
    let forgotten = inherited.subtracting(running).subtracting(finished)
    let finishedLeases = inherited.intersection(finished)
    let forgottenAwaited = inheritedAwaiting.subtracting(finished)
    let key = signer.key(forWorker: hello.workerID)
    let keptLeases = book.leases(of: id).subtracting(forgotten).subtracting(finishedLeases)
    peers[id] = PeerRegistry.Peer(
      hello: hello, lastHeard: now, lastSent: now, strikes: strikesSoFar, key: key,
      repeatedHellos: repeatedHellos,
      allowance: max(PeerPolicy.initialAllowance, keptLeases.union(running).count),
      cancelling: keptCancelling.intersection(running))
    for lease in book.requeue(forgotten, countingLoss: false) {
      record(
        .requeued, trialID: lease.trial.id, workerID: hello.workerID,
        detail: "attempt \(lease.attempt) back in the queue: its worker no longer holds it",
        into: &actions)
    }
    for trialID in forgottenAwaited.sorted() where book.releaseAwaited(trialID) {
      record(
        .requeued, trialID: trialID, workerID: hello.workerID,
        detail: "its worker no longer holds its result", into: &actions)
    }
    for trialID in finishedLeases.sorted() { book.awaitResult(ofLease: trialID) }
    // What it holds that this coordinator does not lease to it (it restarted, or declared this
    // worker dead): a run is re-adopted when the token proves the lease and the trial still
    // needs its result, so it is not run again, and cancelled otherwise; a finished run's
    // result is awaited likewise (it comes right after WELCOME).
    var toCancel: [TrialID] = []
    var seen = book.leases(of: id).union(book.awaitedResults(of: id))
    for held in hello.holding where seen.insert(held.trialID).inserted {
      // Told to cancel it already: it is being cancelled (the CANCEL may still be on its way).
      if peers[id]!.cancelling.contains(held.trialID) { continue }
      if let refusal = adoptionRefusal(of: held, key: key, by: id) {
        // A finished one's result is judged as any result when it comes.
        guard !held.finished else { continue }
        toCancel.append(held.trialID)
        peers[id]!.cancelling.insert(held.trialID)
        record(
          .heldTrialCancelled, trialID: held.trialID, workerID: hello.workerID,
          detail: "attempt \(held.attempt) not re-adopted: \(refusal.rawValue)", into: &actions)
      } else {
        adopt(held, by: id, workerID: hello.workerID, into: &actions)
      }
    }
    awaitedWorkers.remove(hello.workerID)
    actions.append(.workerJoined(hello))
    let welcome = Welcome(
      sweepID: settings.sweepID,
      heartbeatIntervalMilliseconds: Int(settings.heartbeatInterval * 1000),
      liveness: settings.liveness, specText: settings.specText, specFileName: settings.specFileName)
    send(.welcome(welcome), to: id, now: now, into: &actions)
    for trialID in toCancel { send(.cancel(trialID: trialID), to: id, now: now, into: &actions) }
    // A re-adopted run that early stopping had asked to stop is asked again (that CANCEL may
    // have been lost with the old coordinator).
    for trialID in book.leases(of: id).sorted() where book.leases[trialID]?.stopRequested == true {
      send(.cancel(trialID: trialID), to: id, now: now, into: &actions)
    }
    if isDraining { send(.drain, to: id, now: now, into: &actions) }
  }

  /// Why a run a worker lists in HELLO cannot be re-adopted, or nil when it can: its lease
  /// token verifies for this worker, and its trial is in the plan with no result and no other
  /// live lease.
  private func adoptionRefusal(of held: HeldLease, key: LeaseSigner.PeerKey, by peer: PeerID)
    -> HeldTrialRefusal?
  {
    guard held.index >= 0, held.index < plan.count, plan.trial(at: held.index).id == held.trialID
    else { return .notInPlan }
    guard
      signer.verify(
        held.leaseToken, key, trialID: held.trialID, index: held.index, attempt: held.attempt)
    else { return .badToken }
    if book.leases[held.trialID] != nil || book.awaited[held.trialID] != nil {
      return .heldElsewhere
    }
    if book.resumed.contains(index: held.index, id: held.trialID) { return .finished }
    // Behind the cursor (or adopted ahead of it before), neither leased nor queued: its result
    // is recorded, being written, or `lost`.
    guard let queued = book.queued(held.trialID) else {
      return book.isPassed(index: held.index, id: held.trialID) ? .finished : nil
    }
    if !held.finished && queued.losses >= LeaseBook.suspectAfterDeaths && book.holdsSuspect(peer) {
      return .besideSuspect
    }
    return nil
  }

  /// Makes `held` a lease of peer `id` again (a finished run: its result awaited): out of the
  /// retry queue (it was re-queued when the worker was declared dead) or, ahead of the cursor,
  /// marked for the cursor to skip.
  private mutating func adopt(
    _ held: HeldLease, by id: PeerID, workerID: String, into actions: inout [CoordinatorAction]
  ) {
    let trial = plan.trial(at: held.index)
    var losses = 0
    // Failures before this run: unknown after a restart, so every earlier dispatch counts as
    // one (as for a result without a live lease): `retries` is never exceeded.
    var failures = max(0, held.attempt - 1)
    if let queued = book.takeQueued(held.trialID) {
      losses = queued.losses
      failures = queued.failures
      if queued.diedWithWorker {
        // Its worker was taken for dead, and still runs it (or finished it): no death.
        losses = max(0, losses - 1)
        lossJudge.deathRefuted()
      }
    } else {
      book.adoptedAheadOfCursor(held.trialID, index: held.index)
    }
    var lease = LeaseBook.Lease(
      trial: trial, attempt: held.attempt, peer: id, losses: losses, failures: failures)
    if held.finished {
      book.addAwaited(lease)
      return
    }
    lease.started = true  // it runs: the worker says so
    lease.stopRequested = earlyStopping.wasAskedToStop(held.trialID, attempt: held.attempt)
    book.readopt(lease)
    earlyStopping.runJoined()  // judged at the next tick, against every history
    record(
      .heldTrialAdopted, trialID: held.trialID, workerID: workerID,
      detail: "attempt \(held.attempt) re-adopted: its worker still runs it", into: &actions)
  }
}
