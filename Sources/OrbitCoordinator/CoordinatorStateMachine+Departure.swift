import OrbitProtocol
import OrbitSpec

/// A peer leaving: its leases back in the queue, or recorded `lost` when the loss judge takes
/// the trial for a poison pill.
extension CoordinatorStateMachine {
  /// A peer left (BYE, a closed connection, a revoked key): it is dropped, and what it held is
  /// dispatched again at once.
  mutating func leave(
    _ id: PeerID, because reason: LeaveReason, now: Double,
    into actions: inout [CoordinatorAction]
  ) {
    guard peers[id] != nil else { return }
    drop(id, because: reason, now: now, into: &actions)
    dispatch(now: now, into: &actions)
  }

  /// Forgets a peer and puts its leases back in the queue (or records them lost past
  /// `lossLimit` losses). A peer that left by itself (BYE: stopped, or its lifetime over) handed
  /// its trials back (`LeaveReason.handsBackTrials`): they are neither losses nor failures.
  mutating func drop(
    _ id: PeerID, because reason: LeaveReason, now: Double,
    into actions: inout [CoordinatorAction]
  ) {
    guard let peer = peers.remove(id) else { return }
    let workerID = peer.hello.workerID
    let countsLosses = !reason.handsBackTrials
    // Results it was to re-send and did not: their trials run again (no loss: the runs ended).
    for trialID in book.awaitedResults(of: id).sorted() where book.releaseAwaited(trialID) {
      record(
        .requeued, trialID: trialID, workerID: workerID,
        detail: "its result was not re-sent (\(workerID): \(reason))", into: &actions)
    }
    let held = book.leases(of: id)
    var lost: [ResultEntry] = []
    // Every death of this drop counts in the sweep's death rate before any trial is judged.
    if countsLosses {
      for _ in held { lossJudge.runEnded(died: true) }
    }
    var requeued: [LeaseBook.Queued] = []
    for trialID in held.sorted() {
      guard let lease = book.endLease(trialID) else { continue }
      // Every trial the dead worker held counts a loss, started or not: whether its TASK was
      // still in transit is churn like any other, which the judge weighs; a pill that kills
      // its worker before STARTED is reported must not escape.
      let losses = lease.losses + (countsLosses ? 1 : 0)
      if countsLosses && lossJudge.isPoisonPill(losses: losses, ownRuns: losses + lease.failures) {
        let rate = lossJudge.backgroundRate(
          excludingLosses: losses, ownRuns: losses + lease.failures)
        let outcome = TrialOutcome(
          trialID: trialID, index: lease.trial.index, attempt: lease.attempt, status: .lost,
          stderrTail:
            "lost with its worker \(losses) times, where the sweep's other runs die \(Int((rate * 100).rounded())) % of the time: it kills its worker (last: \(workerID) \(reason))",
        )
        earlyStopping.forgetStop(trialID)
        if losses >= lossJudge.maximumLosses && rate >= 0.5 {
          // Not improbable by chance: most runs die with their workers, and the cap took it.
          lostInStorm.insert(trialID)
        }
        lost.append(
          ResultEntry(
            outcome: outcome, index: lease.trial.index, paramsJSON: lease.trial.paramsJSON,
            workerID: workerID, stimulus: stimulus))
      } else {
        requeued.append(
          LeaseBook.Queued(
            trial: lease.trial, attempt: lease.attempt + 1, losses: losses,
            failures: lease.failures, diedWithWorker: countsLosses))
        record(
          .requeued, trialID: trialID, workerID: workerID,
          detail: "attempt \(lease.attempt) back in the queue (\(workerID): \(reason))",
          into: &actions)
      }
    }
    book.enqueue(contentsOf: requeued)
    actions.append(
      .workerLeft(
        workerID: workerID, reason: reason, requeued: held.count - lost.count,
        stimulus: stimulus))
    if !lost.isEmpty {
      persisting += lost.count
      actions.append(.persist(lost))
    }
  }
}
