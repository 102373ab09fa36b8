import OrbitProtocol
import OrbitSpec

/// Time and credits: trials out to the workers with credits, hyperband's stops, and the
/// workers declared dead when silent past liveness.
extension CoordinatorStateMachine {
  // MARK: Dispatch

  mutating func dispatch(now: Double, into actions: inout [CoordinatorAction]) {
    guard persisting < settings.maxUnpersisted else { return }
    switch phase {
    case .dispatching, .finished(drained: nil): break
    case .draining, .finished(drained: .some): return
    case .awaitingWorkers(let since):
      // After a restart, the workers still running trials come back first (`adopt`).
      guard awaitedWorkers.isEmpty || now - (since ?? now) >= settings.adoptionGraceSeconds
      else { return }
      phase = .dispatching
    }
    // Only peers with credits can take a trial: a pass costs the peers a READY or RESULT just
    // freed, not the fleet (a copy of the list: serving a peer takes it out).
    passes: for id in peers.creditedIDs {
      guard let peer = peers[id], peer.credits > 0 else { continue }
      var batch: [TaskAssignment] = []
      // A suspect goes only to a worker heard from lately (a live one speaks at least every
      // heartbeat interval): at a sweep's end, with every worker idle, the trials left went
      // again and again to a worker that had hung or died unseen, each time a loss.
      let silent =
        now - peer.lastHeard > PeerPolicy.silenceBeforeTakeover * settings.heartbeatInterval
      var holdsSuspect = silent || book.holdsSuspect(id)
      var credits = peer.credits
      var ranDry = false
      while credits > 0, batch.count < settings.maxBatch {
        guard let next = book.nextTrial(isolatingSuspects: holdsSuspect) else {
          // Nothing left even for a peer that may take suspects: no later peer gets a trial.
          ranDry = !holdsSuspect
          break
        }
        if next.losses >= LeaseBook.suspectAfterDeaths { holdsSuspect = true }
        credits -= 1
        book.lease(next, to: id)
        batch.append(
          TaskAssignment(
            trialID: next.trial.id, index: next.trial.index, attempt: next.attempt,
            paramsJSON: next.trial.paramsJSON,
            leaseToken: signer.token(
              peer.key, trialID: next.trial.id, index: next.trial.index, attempt: next.attempt)))
        record(
          .dispatched, trialID: next.trial.id, workerID: peer.hello.workerID,
          detail: "attempt \(next.attempt)", into: &actions)
      }
      peers[id]!.credits = credits
      if !batch.isEmpty { send(.task(batch), to: id, now: now, into: &actions) }
      if ranDry { break passes }
    }
  }

  // MARK: Early termination

  /// Asks the workers of running trials that hyperband stops to cancel them (at most once per
  /// tick: every running trial is judged against every trial's history, as wandb does).
  mutating func terminateEarly(now: Double, into actions: inout [CoordinatorAction]) {
    let running = book.leases.records.filter { $0.value.started && !$0.value.stopRequested }.keys
      .sorted()
    for trialID in earlyStopping.judge(running: running) {
      guard let lease = book.leases[trialID] else { continue }
      book.markStopRequested(trialID)
      earlyStopping.askedToStop(trialID, attempt: lease.attempt)
      actions.append(.recordStop(trialID: trialID, attempt: lease.attempt))
      send(.cancel(trialID: trialID), to: lease.peer, now: now, into: &actions)
      record(
        .earlyStopped, trialID: trialID, workerID: peers[lease.peer]?.hello.workerID,
        detail: earlyStopping.stopDetail(trialID), into: &actions)
    }
  }

  // MARK: Liveness

  mutating func checkLiveness(now: Double, into actions: inout [CoordinatorAction]) {
    let limit = settings.heartbeatInterval * Double(settings.liveness)
    for id in peers.sortedIDs {
      guard let peer = peers[id], now - peer.lastHeard > limit else { continue }
      drop(
        id, because: .silent(seconds: now - peer.lastHeard, liveness: limit), now: now,
        into: &actions)
    }
    dispatch(now: now, into: &actions)
  }
}
