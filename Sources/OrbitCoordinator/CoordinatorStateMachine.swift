import OrbitProtocol
import OrbitSpec

/// The coordinator's dispatch logic as a pure state machine: leases, credits, liveness, retries.
///
/// Fed inputs, each with the stimulus id the shell numbered it by, it returns actions; it never
/// touches a socket, a clock or a file, so every rule is tested directly (and the whole protocol
/// in one process, in `ProtocolSimulationTests`). The policy lives in owned parts, each tested
/// alone: the peers (`PeerRegistry`: admission, credits, strikes, flood control, bans), the
/// trials' whereabouts (`LeaseBook`: leases, awaited results, retry queue, cursor), early
/// stopping and the target (`EarlyStopping`) and the loss judge (`LossJudge`). This type routes
/// each input through them, and its extensions hold the flows that touch several:
/// `+Admission` (HELLO, re-adoption), `+Results` (RESULT), `+Departure` (a peer leaving).
///
/// What a peer sends is never trusted: a result is accepted only for a lease this coordinator
/// issued to that worker (a live lease, or a valid lease token after a restart) and only for a
/// trial of the plan; credits never exceed the slots a worker announced; every number a peer
/// supplies is clamped before arithmetic.
public struct CoordinatorStateMachine {
  /// Where the sweep is: one value, so no two phases can hold at once.
  enum Phase: Equatable {
    /// After a restart: nothing is dispatched until the workers the journal showed connected
    /// are back, or `adoptionGraceSeconds` after the first input (`since`) have passed.
    case awaitingWorkers(since: Double?)
    case dispatching
    /// No more dispatch: workers were told to leave once they finish what they hold.
    case draining(DrainCause)
    /// Every worker was told BYE; `drained` says whether dispatch had been stopped first.
    case finished(drained: DrainCause?)
  }

  enum DrainCause: Equatable {
    case stopRequested
    case targetReached
  }

  /// One history as early stopping holds it (for tests: a restart must rebuild it exactly).
  public struct History: Sendable, Equatable {
    public var attempt: Int
    public var values: [Double]
    public var lastStep: Int
    public var worker: String
    /// Judged on its data points alone (it sent one).
    public var onPoints: Bool = false
  }

  public let settings: CoordinatorSettings
  let plan: TrialPlan
  let signer: LeaseSigner
  var peers = PeerRegistry()
  var book: LeaseBook
  var earlyStopping: EarlyStopping
  /// Whether a trial lost with its worker again is a poison pill: the sweep's death rate.
  var lossJudge: LossJudge
  var phase: Phase
  /// Workers of `settings.expectedWorkers` not yet back.
  var awaitedWorkers: Set<String>
  /// Results sent to the journal and not yet reported durable.
  var persisting = 0
  /// The input being handled: stamped on everything it causes that is recorded.
  var stimulus = StimulusID(0)
  public private(set) var counts: [TrialStatus: Int] = [:]
  public internal(set) var malformedCount = 0
  public private(set) var duplicateCount = 0
  /// Results refused: no lease of this peer's, a bad token, a trial not in the plan, another sweep.
  public internal(set) var refusedCount = 0
  /// Trials recorded `lost` by the cap (`LossJudge.maximumLosses` deaths) while most of the
  /// sweep's other runs died with their workers too: deaths that are not improbable by chance,
  /// taken for poison by the documented cap that bounds what a pill can cost under a storm.
  public internal(set) var lostInStorm: Set<TrialID> = []
  /// `cancelled` results without a live lease, acknowledged and not recorded (a run cancelled
  /// because it was not re-adopted, or whose lease had been re-queued).
  public internal(set) var unrecordedCancels = 0

  /// - Parameters:
  ///   - plan: every trial of the sweep, in dispatch order.
  ///   - resumed: trials recorded by an earlier run of this sweep: never dispatched again.
  ///
  /// Memory does not grow with the plan or with results: only leases and retries are held.
  /// (A random search that draws the same point twice runs it twice; the journal keeps the first.)
  public init(settings: CoordinatorSettings, plan: TrialPlan, resumed: ResumeSet = ResumeSet()) {
    self.settings = settings
    self.plan = plan
    self.book = LeaseBook(plan: plan, resumed: resumed, priorAttempts: settings.priorAttempts)
    self.earlyStopping = EarlyStopping(
      metric: settings.metric, termination: settings.earlyTermination)
    self.signer = LeaseSigner(secret: settings.leaseSecret, sweepID: settings.sweepID)
    self.lossJudge = LossJudge(
      minimumLosses: settings.lossLimit, trials: plan.count,
      endedRuns: settings.judgedRuns.endedRuns, deaths: settings.judgedRuns.deaths)
    self.phase = settings.adoptionGraceSeconds > 0 ? .awaitingWorkers(since: nil) : .dispatching
    self.awaitedWorkers = settings.expectedWorkers
  }

  // MARK: The entry point

  /// Handles one input; `stimulus` is the shell's number for it, stamped on every recorded
  /// output it causes.
  public mutating func handle(_ event: CoordinatorEvent, stimulus: StimulusID)
    -> [CoordinatorAction]
  {
    self.stimulus = stimulus
    var actions: [CoordinatorAction] = []
    if case .awaitingWorkers(since: nil) = phase { phase = .awaitingWorkers(since: event.now) }
    switch event {
    case .received(let peer, let message, let now):
      receive(message, from: peer, now: now, into: &actions)
    case .disconnected(let peer, let now):
      leave(peer, because: .connectionClosed, now: now, into: &actions)
    case .revoked(let peer, let now):
      leave(peer, because: .revoked, now: now, into: &actions)
    case .malformed(let peer, let error, _):
      malformedCount += 1
      if peers.noteMalformed(from: peer) {
        actions.append(
          .log(
            .warning,
            "dropped a malformed message from \(peer): \(error) (further ones from this peer are counted silently)"
          ))
      }
    case .tick(let now):
      checkLiveness(now: now, into: &actions)
      if earlyStopping.changed { terminateEarly(now: now, into: &actions) }
      for (id, peer) in peers.peers where now - peer.lastSent >= settings.heartbeatInterval {
        send(.heartbeat, to: id, now: now, into: &actions)
      }
    case .persisted(let entries, let inserted, let now):
      persisted(entries, inserted: inserted, now: now, into: &actions)
    case .stop(let now):
      drain(.stopRequested, now: now, into: &actions)
    }
    checkFinished(now: event.now, into: &actions)
    return actions
  }

  // MARK: Messages

  private mutating func receive(
    _ message: Message, from id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    if case .hello(let hello) = message {
      admit(hello, as: id, now: now, into: &actions)
      return
    }
    guard let peer = peers[id] else {
      // A worker we do not know: we restarted, or declared it dead. It must introduce itself again.
      if case .bye = message { return }
      send(.unknownPeer, to: id, now: now, into: &actions)
      return
    }
    guard peers.heard(from: id, now: now) else {
      let limit = PeerPolicy.maxMessagesPerSecond
      dropMisbehaving(
        id, workerID: peer.hello.workerID, .flooding(limit: limit),
        detail: "more than \(limit) messages in a second", rejectReason: "dropped for flooding",
        now: now, into: &actions)
      return
    }
    switch message {
    case .ready(let credits):
      grant(credits, to: id, now: now, into: &actions)
      dispatch(now: now, into: &actions)
    case .result(let sweepID, let results, let credits):
      accept(results, ofSweep: sweepID, from: id, now: now, into: &actions)
      // The peer may have been dropped for what it sent.
      if peers[id] != nil { grant(credits, to: id, now: now, into: &actions) }
      dispatch(now: now, into: &actions)
    case .progress(let progress):
      // Only for a trial this peer runs, and small: a peer cannot make the journal store
      // points for trials it does not hold, nor grow it without bound.
      if let lease = book.leases[progress.trialID], lease.peer == id,
        lease.trial.index == progress.index, lease.attempt == progress.attempt,
        progress.metricsJSON.utf8.count <= PeerPolicy.maxProgressBytes
      {
        actions.append(.recordProgress(progress, workerID: peer.hello.workerID))
        if earlyStopping.isEnabled {
          earlyStopping.note(progress, attempt: lease.attempt, worker: peer.hello.workerID)
        }
      }
    case .started(let trialIDs):
      for trialID in trialIDs { book.markStarted(trialID, by: id) }
    case .heartbeat:
      break
    case .bye(let reason):
      leave(
        id, because: .bye(String(reason.prefix(PeerPolicy.maxReasonBytes))), now: now,
        into: &actions)
    case .hello, .welcome, .reject, .task, .ack, .cancel, .drain, .unknownPeer:
      malformedCount += 1
      strike(id, "sent a coordinator-only message", now: now, into: &actions)
    }
  }

  /// Adds credits a peer granted (clamped by the registry); an out-of-range grant is a strike.
  private mutating func grant(
    _ credits: Int, to id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    if let violation = peers.grant(credits, to: id, holding: book.leases(of: id).count) {
      strike(id, violation, now: now, into: &actions)
    }
  }

  /// Counts a protocol violation; at `PeerPolicy.strikesBeforeDrop` the peer is dropped.
  mutating func strike(
    _ id: PeerID, _ what: String, now: Double, into actions: inout [CoordinatorAction]
  ) {
    guard let peer = peers[id], peers.strike(id) else { return }
    dropMisbehaving(
      id, workerID: peer.hello.workerID, .protocolViolations(last: what), detail: what,
      rejectReason: "dropped for protocol violations: \(what)", now: now, into: &actions)
  }

  /// Drops a misbehaving peer: an offence against its worker id (toward a ban), an event,
  /// REJECT, and its leases re-queued.
  private mutating func dropMisbehaving(
    _ id: PeerID, workerID: String, _ violation: PeerViolation, detail: String,
    rejectReason: String, now: Double, into actions: inout [CoordinatorAction]
  ) {
    peers.recordOffence(by: workerID)
    record(.peerDropped, trialID: nil, workerID: workerID, detail: detail, into: &actions)
    send(.reject(reason: rejectReason), to: id, now: now, into: &actions)
    drop(id, because: .dropped(violation), now: now, into: &actions)
  }

  private mutating func persisted(
    _ entries: [ResultEntry], inserted: [Bool], now: Double,
    into actions: inout [CoordinatorAction]
  ) {
    persisting -= entries.count
    var acks: [String: [TrialID]] = [:]
    for (entry, fresh) in zip(entries, inserted) {
      if fresh {
        counts[entry.outcome.status, default: 0] += 1
      } else {
        duplicateCount += 1
        actions.append(
          .log(
            .info,
            "trial \(entry.outcome.trialID.short) attempt \(entry.outcome.attempt): a result was already recorded; this one is dropped"
          ))
      }
      acks[entry.workerID, default: []].append(entry.outcome.trialID)
    }
    for (workerID, ids) in acks.sorted(by: { $0.key < $1.key }) {
      if let peer = peers.id(ofWorker: workerID) {
        send(.ack(trialIDs: ids), to: peer, now: now, into: &actions)
      }
    }
    dispatch(now: now, into: &actions)
  }

  /// Stops dispatch and tells every worker to leave once it has returned what it holds.
  mutating func drain(
    _ cause: DrainCause, now: Double, into actions: inout [CoordinatorAction]
  ) {
    switch phase {
    case .finished(drained: nil): phase = .finished(drained: cause)
    case .finished, .draining: break
    case .awaitingWorkers, .dispatching: phase = .draining(cause)
    }
    for id in peers.sortedIDs { send(.drain, to: id, now: now, into: &actions) }
  }

  // MARK: The end

  private mutating func checkFinished(now: Double, into actions: inout [CoordinatorAction]) {
    guard !isFinished, book.isIdle, persisting == 0 else { return }
    let exhausted = book.skipRecordedAndCheckExhausted()
    guard exhausted || isDraining else { return }
    // The sweep is over: every worker leaves now, even one that re-took work after it was
    // declared dead (its results would be duplicates).
    for id in peers.sortedIDs {
      send(
        .bye(reason: isDraining ? "sweep stopped" : "sweep complete"), to: id, now: now,
        into: &actions)
    }
    if case .draining(let cause) = phase {
      phase = .finished(drained: cause)
    } else {
      phase = .finished(drained: nil)
    }
    actions.append(.finished)
  }

  // MARK: Outputs

  mutating func send(
    _ message: Message, to id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    peers.sent(to: id, now: now)
    actions.append(.send(id, message))
  }

  /// A journal event, stamped with the input being handled.
  func record(
    _ kind: EventKind, trialID: TrialID?, workerID: String?, detail: String,
    into actions: inout [CoordinatorAction]
  ) {
    actions.append(
      .event(
        CoordinatorJournalEvent(
          kind: kind, trialID: trialID, workerID: workerID, detail: detail, stimulus: stimulus)))
  }

  // MARK: Invariants

  /// Every rule the tables must keep, checked after every event by the tests (as dask's
  /// `validate_state`): empty when all hold.
  public func invariantViolations() -> [String] {
    var problems = book.invariantViolations()
    for (trialID, lease) in book.leases.records where peers[lease.peer] == nil {
      problems.append("lease \(trialID) held by unknown peer \(lease.peer)")
    }
    for id in book.peersWithHoldings where peers[id] == nil {
      problems.append("unknown peer \(id) holds or awaits trials")
    }
    problems += peers.invariantViolations(holding: { book.leases(of: $0).count })
    if persisting < 0 { problems.append("persisting \(persisting) < 0") }
    return problems
  }
}
