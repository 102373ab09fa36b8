import OrbitProtocol
import OrbitSpec

/// RESULT: which results are recorded, refused, retried, or are no result (a cancelled run);
/// and the target a recorded one may reach.
extension CoordinatorStateMachine {
  mutating func accept(
    _ reports: [ResultReport], ofSweep sweepID: String, from id: PeerID, now: Double,
    into actions: inout [CoordinatorAction]
  ) {
    var entries: [ResultEntry] = []
    var refusedIDs: [TrialID] = []
    var disownedAcks: [TrialID] = []
    entries.reserveCapacity(reports.count)
    let workerID = peers[id]!.hello.workerID
    for report in reports {
      var outcome =
        report.outcome.isWithinWireLimits && Self.isObjectOrEmpty(report.outcome.metricsJSON)
        ? report.outcome : report.outcome.boundedForWire()
      var stopRequested = false
      let trial: PlannedTrial
      // Failures before this run: the lease knows; a result without a lease (we restarted)
      // counts every earlier dispatch as one, so `retries` is never exceeded.
      var failures = max(0, outcome.attempt - 1)
      if sweepID == settings.sweepID, let lease = book.leases[outcome.trialID], lease.peer == id,
        lease.attempt == outcome.attempt, lease.trial.index == outcome.index
      {
        // The common case: the lease this peer holds. Only a live lease's result is a run that
        // ended for the loss judge: duplicates and re-sent results would dilute its death rate.
        lossJudge.runEnded(died: false)
        trial = lease.trial
        failures = lease.failures
        stopRequested = lease.stopRequested
        book.endLease(outcome.trialID)
        peers.widenAllowance(of: id)
        if outcome.status == .cancelled && !stopRequested {
          // Cancelled, and not by early stopping: no result. It runs again.
          unrecordedCancels += 1
          disownedAcks.append(outcome.trialID)
          book.enqueue(
            LeaseBook.Queued(
              trial: lease.trial, attempt: lease.attempt + 1, losses: lease.losses,
              failures: lease.failures))
          record(
            .requeued, trialID: outcome.trialID, workerID: workerID,
            detail: "attempt \(lease.attempt) cancelled by its worker: it runs again",
            into: &actions)
          continue
        }
      } else if outcome.status == .cancelled
        && !earlyStopping.wasAskedToStop(outcome.trialID, attempt: outcome.attempt)
      {
        // A run cancelled without a live lease: one this coordinator cancelled when it did not
        // re-adopt it (it has a result, or another worker runs it), or one whose lease was
        // re-queued. A cancelled run is no result: acknowledged, never recorded (the trial
        // runs again if it needs to).
        unrecordedCancels += 1
        disownedAcks.append(outcome.trialID)
        peers[id]!.cancelling.remove(outcome.trialID)
        if book.awaited[outcome.trialID]?.peer == id, book.releaseAwaited(outcome.trialID) {
          record(
            .requeued, trialID: outcome.trialID, workerID: workerID,
            detail: "its awaited result was a cancelled run: it runs again", into: &actions)
        }
        continue
      } else if let reason = refusal(of: report, sweepID: sweepID, peer: peers[id]!) {
        refusedCount += 1
        refusedIDs.append(outcome.trialID)
        record(
          .refusedResult, trialID: outcome.trialID, workerID: workerID, detail: reason,
          into: &actions)
        if !peers[id]!.loggedRefusal {
          peers[id]!.loggedRefusal = true
          actions.append(
            .log(
              .warning,
              "refused a result from \(workerID): \(reason) (further refusals from this peer are counted, and recorded as events)"
            ))
        }
        continue
      } else {
        // A lease we issued to this worker and no longer hold (we restarted, or declared it dead
        // and re-queued the trial): the token proves it. The first result wins.
        trial = plan.trial(at: outcome.index)
        book.endLease(outcome.trialID)
        _ = book.takeQueued(outcome.trialID)
        // A stop asked for before a restart, answered now.
        stopRequested = earlyStopping.wasAskedToStop(outcome.trialID, attempt: outcome.attempt)
      }
      earlyStopping.forgetStop(outcome.trialID)
      if let a = book.endAwaiting(outcome.trialID) { failures = max(failures, a.failures) }
      if stopRequested && outcome.status == .cancelled {
        // Cancelled because early termination asked: stopped, its curve kept.
        outcome.status = .stopped
      }
      if requeueFailure(outcome, trial: trial, failures: failures, into: &actions) {
        refusedIDs.append(outcome.trialID)  // acknowledged: the worker may forget it
        continue
      }
      entries.append(
        ResultEntry(
          outcome: outcome, index: trial.index, paramsJSON: trial.paramsJSON,
          workerID: workerID, stimulus: stimulus))
      checkTarget(outcome, now: now, into: &actions)
    }
    if !refusedIDs.isEmpty || !disownedAcks.isEmpty {
      // Acknowledged so an honest worker holding a stale result stops re-sending it; nothing
      // was written for them.
      send(.ack(trialIDs: refusedIDs + disownedAcks), to: id, now: now, into: &actions)
    }
    persisting += entries.count
    if !entries.isEmpty { actions.append(.persist(entries)) }
    if refusedIDs.count > entries.count && refusedCount > 0 && peers[id] != nil {
      // Mostly refused: more likely a forger than a stale worker.
      strike(id, "sent results for leases it does not hold", now: now, into: &actions)
    }
  }

  static func isObjectOrEmpty(_ metrics: String) -> Bool {
    metrics == "{}" || TrialOutcome.isJSONObject(metrics)
  }

  /// Why a result without a live lease of this peer is refused, or nil when it answers a lease
  /// this coordinator issued to this worker for a trial of the plan.
  private func refusal(
    of report: ResultReport, sweepID: String, peer: PeerRegistry.Peer
  ) -> String? {
    let workerID = peer.hello.workerID
    let o = report.outcome
    guard sweepID == settings.sweepID else {
      return "result of another sweep (\(sweepID.prefix(40))), not \(settings.sweepID)"
    }
    guard o.index >= 0, o.index < plan.count else {
      return "trial index \(o.index) is not in the plan of \(plan.count) trials"
    }
    guard plan.trial(at: o.index).id == o.trialID else {
      return "trial \(o.trialID.short) is not trial \(o.index) of the plan"
    }
    guard
      signer.verify(
        report.leaseToken, peer.key, trialID: o.trialID, index: o.index, attempt: o.attempt)
    else {
      return
        "no lease of trial \(o.trialID.short) attempt \(o.attempt) was issued to \(workerID)"
    }
    return nil
  }

  /// Re-queues a trial that failed by itself while `retries` allows; true when it did.
  private mutating func requeueFailure(
    _ outcome: TrialOutcome, trial: PlannedTrial, failures: Int,
    into actions: inout [CoordinatorAction]
  ) -> Bool {
    guard outcome.status == .failed || outcome.status == .timeout, failures < settings.retries
    else { return false }
    book.enqueue(
      LeaseBook.Queued(
        trial: trial, attempt: outcome.attempt + 1, losses: 0, failures: failures + 1))
    record(
      .retry, trialID: outcome.trialID, workerID: nil,
      detail:
        "attempt \(outcome.attempt) ended \(outcome.status.rawValue); run again (retries: \(settings.retries))",
      into: &actions)
    return true
  }

  /// wandb's `metric.target`: once an ok result reaches it, nothing more is dispatched and the
  /// sweep ends when what runs has returned.
  private mutating func checkTarget(
    _ outcome: TrialOutcome, now: Double, into actions: inout [CoordinatorAction]
  ) {
    guard let metric = settings.metric, let (value, target) = earlyStopping.reachesTarget(outcome)
    else { return }
    record(
      .targetReached, trialID: outcome.trialID, workerID: nil,
      detail: "\(metric.name) \(value) reached the target \(target): no more trials are dispatched",
      into: &actions)
    actions.append(
      .log(
        .info,
        "trial \(outcome.trialID.short) reached \(metric.name) \(value) (target \(target)): stopping dispatch"
      ))
    drain(.targetReached, now: now, into: &actions)
  }
}
