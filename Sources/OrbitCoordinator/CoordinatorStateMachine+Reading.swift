import OrbitProtocol
import OrbitSpec

/// What the shell, the simulator and the tests read of the machine, and what a restarted
/// coordinator restores into it before its first input.
extension CoordinatorStateMachine {
  // MARK: Restart

  /// Replays one progress point the journal holds (in the order it was written) into early
  /// stopping's histories, before the first event: a restarted coordinator judges as the one
  /// that wrote them did. Points are checked as a live one is (finite, rising steps).
  public mutating func restoreProgress(
    trialID: TrialID, attempt: Int, step: Int, metricsJSON: String, workerID: String
  ) {
    guard earlyStopping.isEnabled else { return }
    earlyStopping.note(
      TrialProgress(
        trialID: trialID, index: 0, attempt: attempt, step: step, metricsJSON: metricsJSON),
      attempt: attempt, worker: workerID)
  }

  /// A stop early stopping asked for before the restart, whose trial has no result yet: a
  /// re-adopted run of that attempt is stopped again, and its `cancelled` result is `stopped`.
  public mutating func restoreStop(trialID: TrialID, attempt: Int) {
    earlyStopping.askedToStop(trialID, attempt: attempt)
  }

  // MARK: Reading

  /// Early stopping's state: every trial's history, and the stops asked for and not yet
  /// answered by a result (trial → attempt). Equal states give equal decisions.
  public var earlyStoppingState: (histories: [TrialID: History], stops: [TrialID: Int]) {
    (earlyStopping.histories, earlyStopping.askedStops)
  }

  /// What early stopping would stop now among `running` (tests compare a restarted
  /// coordinator's judgement with the one it replaced).
  public func trialsToStop(running: [TrialID]) -> [TrialID] {
    earlyStopping.trialsToStop(running: running.sorted())
  }

  /// A result reached `metric.target`: no more dispatch.
  public var targetReached: Bool { earlyStopping.targetReached }
  public var runningCount: Int { book.leases.count }
  /// The loss judge's counts, journaled with the live snapshot (`judgedRuns` after a restart).
  public var judgedRuns: (endedRuns: Int, deaths: Int) { (lossJudge.endedRuns, lossJudge.deaths) }
  public var workerCount: Int { peers.count }
  /// Trials each connected worker holds, by worker id: its busy slots.
  public var busyByWorker: [String: Int] {
    var busy: [String: Int] = [:]
    for (id, peer) in peers.peers {
      busy[peer.hello.workerID, default: 0] += book.leases(of: id).count
    }
    return busy
  }
  /// Each connected worker's slots, by worker id (the Slurm pool's free-slot count).
  public var slotsByWorker: [String: Int] {
    var slots: [String: Int] = [:]
    for peer in peers.peers.values { slots[peer.hello.workerID, default: 0] += peer.hello.slots }
    return slots
  }
  /// Trials not yet dispatched nor finished (an upper bound while the cursor has not reached the
  /// end: it counts resumed ids it has not skipped yet).
  public var queuedCount: Int { book.queuedCount }
  public var isFinished: Bool {
    if case .finished = phase { return true }
    return false
  }
  /// Dispatch was stopped (a stop, or the target reached); the workers were told to drain.
  var isDraining: Bool {
    switch phase {
    case .draining, .finished(drained: .some): true
    case .awaitingWorkers, .dispatching, .finished(drained: nil): false
    }
  }
}
