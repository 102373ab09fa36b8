import OrbitJournal
import OrbitProtocol
import OrbitSpec

/// Settings of the dispatch logic.
public struct CoordinatorSettings: Sendable {
  /// Seconds between heartbeats sent to a silent peer.
  public var heartbeatInterval: Double = Double(Wire.heartbeatIntervalMilliseconds) / 1000
  /// Heartbeat intervals a worker may stay silent before it is declared dead.
  public var liveness: Int = Wire.heartbeatLiveness
  /// Fewest times a trial must be lost with a dead worker (while running on it) before it can be
  /// recorded `lost`; `LossJudge` decides past it, by whether that many deaths are plausible by
  /// chance given the sweep's churn, and at 4 × `lossLimit` at the latest. Generous: a worker
  /// dying is the cluster's fault, not the trial's, unless the trial is the common factor.
  public var lossLimit: Int = 5
  /// How often a trial that failed by itself (`failed`, `timeout`) is run again: the spec's
  /// `retries` (default 0: a failure is a result).
  public var retries: Int = Spec.defaultRetries
  /// The last attempt of trials whose failures `--retry-failed` forgot: their next run is
  /// attempt + 1, so a program sees `ORBIT_ATTEMPT=2` on its retry.
  public var priorAttempts: [TrialID: Int] = [:]
  /// The secret lease tokens are signed with (32 random bytes kept in the run directory).
  public var leaseSecret: [UInt8] = []
  /// Most trials in one TASK message.
  public var maxBatch: Int = 1024
  /// Results received but not yet durable above which dispatch pauses: backpressure from the
  /// journal, so a disk slower than the workers bounds memory instead of growing a backlog.
  public var maxUnpersisted: Int = 16_384
  /// The runner every worker must offer.
  public var requiredRunner: RunnerKind
  /// The spec's metric: what early termination judges and `target` ends the sweep on.
  public var metric: Metric?
  /// The spec's `early_terminate` (hyperband), or nil.
  public var earlyTermination: EarlyTermination?
  public var sweepID: String
  public var specText: String
  public var specFileName: String
  /// After a restart: seconds during which nothing is dispatched, so the workers still running
  /// this sweep's trials re-introduce themselves first (their HELLO lists what they run, and
  /// those runs are re-adopted); a trial dispatched before its worker is back would run twice.
  /// It ends early once every worker of `expectedWorkers` is back. 0: a fresh sweep.
  public var adoptionGraceSeconds = 0.0
  /// Workers the journal showed connected when this coordinator started (the ones it waits for).
  public var expectedWorkers: Set<String> = []
  /// The loss judge's counts an earlier coordinator of this sweep journaled (runs ended, deaths).
  public var judgedRuns = (endedRuns: 0, deaths: 0)

  public init(requiredRunner: RunnerKind, sweepID: String, specText: String, specFileName: String) {
    self.requiredRunner = requiredRunner
    self.sweepID = sweepID
    self.specText = specText
    self.specFileName = specFileName
  }
}

/// Inputs to the coordinator's logic. Every `now` is a monotonic clock reading in seconds.
public enum CoordinatorEvent: Sendable {
  case received(PeerID, Message, now: Double)
  /// The peer's connection closed (the socket monitor saw it): the process is gone or its host
  /// is unreachable. Its leases go back to the queue at once, without waiting for liveness.
  case disconnected(PeerID, now: Double)
  /// A peer sent bytes that do not decode; counted, logged once per peer.
  case malformed(PeerID, ProtocolError, now: Double)
  /// Time passes: liveness checks and heartbeats.
  case tick(now: Double)
  /// The entries of a `.persist` action are in the journal (`inserted[i]` false: duplicate).
  case persisted([JournalEntry], inserted: [Bool], now: Double)
  /// Stop dispatching; tell workers to leave once they finish what they hold.
  case stop(now: Double)
}

/// Outputs: what the I/O loop must do.
public enum CoordinatorAction: Sendable {
  case send(PeerID, Message)
  /// Write these to the journal in one transaction, then feed `.persisted` back.
  case persist([JournalEntry])
  /// A learning-curve point of a trial `workerID` runs: journaled, with its worker, so a
  /// restarted coordinator rebuilds early stopping from it (`restoreProgress`).
  case recordProgress(TrialProgress, workerID: String)
  /// Early stopping asked for this attempt to stop: journaled (`restoreStop` after a restart).
  case recordStop(trialID: TrialID, attempt: Int)
  case workerJoined(Hello)
  case workerLeft(workerID: String, reason: String, requeued: Int)
  /// Something a peer sent that was refused (a forged or stale result, a misbehaving peer):
  /// recorded in the journal's events, never as a trial row.
  case event(kind: String, trialID: TrialID?, workerID: String?, detail: String)
  case log(LogLevel, String)
  /// Every trial has a recorded result (or the sweep was stopped and nothing is in flight).
  case finished
}

public enum LogLevel: Sendable { case debug, info, warning, error }

/// Why a trial a worker says it runs (HELLO's holding) is not re-adopted; the coordinator
/// cancels that run.
public enum HeldTrialRefusal: String, Sendable, Equatable {
  /// Its index is not in the plan, or the plan's trial there has another id.
  case notInPlan = "not a trial of the plan"
  /// Its lease token was not signed by this sweep for this worker, trial, index and attempt.
  case badToken = "no such lease was issued to this worker"
  /// It already has a result (recorded, being written, or `lost`).
  case finished = "it already has a result"
  /// Another lease of it is live (it was dispatched again while this worker was away).
  case heldElsewhere = "another worker holds its lease"
  /// It died with workers before (a suspect) and this worker already holds another suspect:
  /// suspects run apart, so an honest one does not share a poison pill's deaths.
  case besideSuspect = "its worker holds another trial that died with its workers"
}

/// The coordinator's dispatch logic as a pure state machine: leases, credits, liveness, retries.
///
/// Fed events, it returns actions; it never touches a socket, a clock or a file, so every rule is
/// tested directly (and the whole protocol in one process, in `ProtocolSimulationTests`).
/// Trials are dispatched from a retry queue first, then from a cursor over the lazy plan that
/// skips ids already recorded (resume).
///
/// What a peer sends is never trusted: a result is accepted only for a lease this coordinator
/// issued to that worker (a live lease, or a valid lease token after a restart) and only for a
/// trial of the plan; credits never exceed the slots a worker announced; every number a peer
/// supplies is clamped before arithmetic.
public struct CoordinatorStateMachine {
  struct Peer {
    var hello: Hello
    var credits: Int = 0
    var leases: Set<TrialID> = []
    var lastHeard: Double
    var lastSent: Double
    /// Protocol violations so far; past `PeerPolicy.strikesBeforeDrop` the peer is dropped.
    var strikes = 0
    /// Whether a refused result from this peer was already logged (once per peer).
    var loggedRefusal = false
    /// The lease signer's state for this worker id.
    var key: LeaseSigner.PeerKey
    /// Nothing but HELLO heard on this connection since it was welcomed: a HELLO again is the
    /// same introduction repeated (an older worker answers each UNKNOWN_PEER a restarted
    /// coordinator sent it with a HELLO), not a violation.
    var onlyHelloSinceWelcome = true
    /// HELLOs repeated on this connection while `onlyHelloSinceWelcome`.
    var repeatedHellos = 0
    /// Trials it may hold at once: `PeerPolicy.initialAllowance`, one more per result, never
    /// more than its slots.
    var allowance = PeerPolicy.initialAllowance
    /// Messages in the current one-second window, and when it began (the flood limit).
    var windowStart = 0.0
    var windowMessages = 0
    /// Trials whose result it said (HELLO) it is re-sending: `awaitedResults`.
    var awaiting: Set<TrialID> = []
    /// Held runs it was told to cancel (not re-adopted): never re-adopted from this process,
    /// whose `cancelled` result is on its way, until a HELLO no longer lists them.
    var cancelling: Set<TrialID> = []
  }

  /// A result a re-introduced worker re-sends for a trial this coordinator does not lease (it
  /// restarted, or the worker's lease had ended): neither the queue nor the cursor hands the
  /// trial out while it is awaited; if the worker leaves first, it goes back to the queue.
  struct Awaited {
    var trial: PlannedTrial
    var attempt: Int
    var peer: PeerID
    var losses: Int
    var failures: Int
  }

  struct Lease {
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
  }

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

  public let settings: CoordinatorSettings
  let plan: TrialPlan
  let signer: LeaseSigner
  private(set) var peers: [PeerID: Peer] = [:]
  private(set) var leases: [TrialID: Lease] = [:]
  private var awaitedResults: [TrialID: Awaited] = [:]
  private var retryQueue: [Queued] = []
  private var cursor = 0
  /// Trials recorded by earlier runs of this sweep: the cursor skips them.
  private let resumed: ResumeSet
  private var persisting = 0
  private var malformedPeers: Set<PeerID> = []
  /// Whether a trial lost with its worker again is a poison pill: the sweep's death rate.
  private var lossJudge: LossJudge
  /// Worker ids dropped for misbehaving, and how often; past `PeerPolicy.dropsBeforeBan` the id
  /// is refused for the rest of the sweep. Bounded: see `PeerPolicy.maxTrackedOffenders`.
  private var offenders: [String: Int] = [:]
  private var stopping = false
  private var announcedFinish = false
  /// Each trial's logged values of the metric (this attempt's, in order; negated when the goal
  /// is to maximise): what hyperband judges. A trial that reports data points (`wsd` cooldown
  /// branches) is judged on its points alone (`onPoints`): each is a finished run at its D, so
  /// rung r compares the trials' r-th points, not a trunk that was never cooled down.
  private var histories:
    [TrialID: (attempt: Int, values: [Double], lastStep: Int, worker: String, onPoints: Bool)] =
      [:]
  /// A history grew since early termination last looked.
  private var historiesChanged = false
  /// A result reached `metric.target`: no more dispatch (wandb's meaning).
  private(set) var targetReached = false
  /// Trials re-adopted from a worker's HELLO before the cursor reached them: the cursor skips
  /// them (they run, or ran, under the adopted lease). At most the adopted leases' count.
  private var adoptedAhead: Set<TrialID> = []
  /// Stops early stopping asked for (this coordinator, or an earlier one of this sweep: from
  /// the journal), by trial: the attempt asked to stop, as the journal's `stop_requests` hold
  /// them. Cleared as each trial's result arrives.
  private var askedStops: [TrialID: Int] = [:]
  /// The first event's time, and whether the restart grace (`adoptionGraceSeconds`) is over.
  private var startedAt: Double?
  private var graceOver = false
  /// Workers of `settings.expectedWorkers` not yet back.
  private var awaitedWorkers: Set<String>
  public private(set) var counts: [TrialStatus: Int] = [:]
  public private(set) var malformedCount = 0
  public private(set) var duplicateCount = 0
  /// Results refused: no lease of this peer's, a bad token, a trial not in the plan, another sweep.
  public private(set) var refusedCount = 0
  /// Trials recorded `lost` by the cap (`LossJudge.maximumLosses` deaths) while most of the
  /// sweep's other runs died with their workers too: deaths that are not improbable by chance,
  /// taken for poison by the documented cap that bounds what a pill can cost under a storm.
  public private(set) var lostInStorm: Set<TrialID> = []
  /// `cancelled` results without a live lease, acknowledged and not recorded (a run cancelled
  /// because it was not re-adopted, or whose lease had been re-queued).
  public private(set) var unrecordedCancels = 0

  /// - Parameters:
  ///   - plan: every trial of the sweep, in dispatch order.
  ///   - resumed: trials recorded by an earlier run of this sweep: never dispatched again.
  ///
  /// Memory does not grow with the plan or with results: only leases and retries are held.
  /// (A random search that draws the same point twice runs it twice; the journal keeps the first.)
  public init(settings: CoordinatorSettings, plan: TrialPlan, resumed: ResumeSet = ResumeSet()) {
    self.settings = settings
    self.plan = plan
    self.resumed = resumed
    self.signer = LeaseSigner(secret: settings.leaseSecret, sweepID: settings.sweepID)
    self.lossJudge = LossJudge(
      minimumLosses: settings.lossLimit, trials: plan.count,
      endedRuns: settings.judgedRuns.endedRuns, deaths: settings.judgedRuns.deaths)
    self.graceOver = settings.adoptionGraceSeconds <= 0
    self.awaitedWorkers = settings.expectedWorkers
  }

  // MARK: Restart

  /// Replays one progress point the journal holds (in the order it was written) into early
  /// stopping's histories, before the first event: a restarted coordinator judges as the one
  /// that wrote them did. Points are checked as a live one is (finite, rising steps).
  public mutating func restoreProgress(
    trialID: TrialID, attempt: Int, step: Int, metricsJSON: String, workerID: String
  ) {
    guard settings.earlyTermination != nil else { return }
    note(
      TrialProgress(
        trialID: trialID, index: 0, attempt: attempt, step: step, metricsJSON: metricsJSON),
      attempt: attempt, worker: workerID)
  }

  /// A stop early stopping asked for before the restart, whose trial has no result yet: a
  /// re-adopted run of that attempt is stopped again, and its `cancelled` result is `stopped`.
  public mutating func restoreStop(trialID: TrialID, attempt: Int) {
    askedStops[trialID] = attempt
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

  /// Early stopping's state: every trial's history, and the stops asked for and not yet
  /// answered by a result (trial → attempt). Equal states give equal decisions.
  public var earlyStoppingState: (histories: [TrialID: History], stops: [TrialID: Int]) {
    (
      histories.mapValues {
        History(
          attempt: $0.attempt, values: $0.values, lastStep: $0.lastStep, worker: $0.worker,
          onPoints: $0.onPoints)
      }, askedStops
    )
  }

  /// What early stopping would stop now among `running` (tests compare a restarted
  /// coordinator's judgement with the one it replaced).
  public func trialsToStop(running: [TrialID]) -> [TrialID] {
    guard let termination = settings.earlyTermination else { return [] }
    return termination.trialsToStop(
      histories: histories.mapValues(\.values), running: running.sorted(),
      sources: histories.mapValues(\.worker))
  }

  public var runningCount: Int { leases.count }
  /// The loss judge's counts, journaled with the live snapshot (`judgedRuns` after a restart).
  public var judgedRuns: (endedRuns: Int, deaths: Int) { (lossJudge.endedRuns, lossJudge.deaths) }
  public var workerCount: Int { peers.count }
  /// Trials each connected worker holds, by worker id: its busy slots.
  public var busyByWorker: [String: Int] {
    var busy: [String: Int] = [:]
    for peer in peers.values { busy[peer.hello.workerID, default: 0] += peer.leases.count }
    return busy
  }
  /// Each connected worker's slots, by worker id (the Slurm pool's free-slot count).
  public var slotsByWorker: [String: Int] {
    var slots: [String: Int] = [:]
    for peer in peers.values { slots[peer.hello.workerID, default: 0] += peer.hello.slots }
    return slots
  }
  /// Trials not yet dispatched nor finished (an upper bound while the cursor has not reached the
  /// end: it counts resumed ids it has not skipped yet).
  public var queuedCount: Int {
    max(0, plan.count - cursor) + retryQueue.count
  }
  public var isFinished: Bool { announcedFinish }

  public mutating func handle(_ event: CoordinatorEvent) -> [CoordinatorAction] {
    var actions: [CoordinatorAction] = []
    if startedAt == nil { startedAt = event.now }
    switch event {
    case .received(let peer, let message, let now):
      receive(message, from: peer, now: now, into: &actions)
    case .disconnected(let peer, let now):
      if peers[peer] != nil {
        drop(peer, reason: "connection closed", now: now, into: &actions)
        dispatch(now: now, into: &actions)
      }
    case .malformed(let peer, let error, _):
      malformedCount += 1
      if malformedPeers.count < PeerPolicy.maxTrackedOffenders,
        malformedPeers.insert(peer).inserted
      {
        actions.append(
          .log(
            .warning,
            "dropped a malformed message from \(peer): \(error) (further ones from this peer are counted silently)"
          ))
      }
    case .tick(let now):
      checkLiveness(now: now, into: &actions)
      if historiesChanged { terminateEarly(now: now, into: &actions) }
      for (id, peer) in peers where now - peer.lastSent >= settings.heartbeatInterval {
        send(.heartbeat, to: id, now: now, into: &actions)
      }
    case .persisted(let entries, let inserted, let now):
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
        if let peer = peerID(ofWorker: workerID) {
          send(.ack(trialIDs: ids), to: peer, now: now, into: &actions)
        }
      }
      dispatch(now: now, into: &actions)
    case .stop(let now):
      stopping = true
      for id in sortedPeers() { send(.drain, to: id, now: now, into: &actions) }
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
    guard peers[id] != nil else {
      // A worker we do not know: we restarted, or declared it dead. It must introduce itself again.
      if case .bye = message { return }
      send(.unknownPeer, to: id, now: now, into: &actions)
      return
    }
    peers[id]!.lastHeard = now
    peers[id]!.onlyHelloSinceWelcome = false
    if now - peers[id]!.windowStart >= 1 {
      peers[id]!.windowStart = now
      peers[id]!.windowMessages = 0
    }
    peers[id]!.windowMessages += 1
    if peers[id]!.windowMessages > PeerPolicy.maxMessagesPerSecond {
      let workerID = peers[id]!.hello.workerID
      if offenders.count < PeerPolicy.maxTrackedOffenders || offenders[workerID] != nil {
        offenders[workerID, default: 0] += 1
      }
      actions.append(
        .event(
          kind: "peer_dropped", trialID: nil, workerID: workerID,
          detail: "more than \(PeerPolicy.maxMessagesPerSecond) messages in a second"))
      send(.reject(reason: "dropped for flooding"), to: id, now: now, into: &actions)
      drop(
        id, reason: "dropped for flooding (over \(PeerPolicy.maxMessagesPerSecond) messages/s)",
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
      if let lease = leases[progress.trialID], lease.peer == id,
        lease.trial.index == progress.index, lease.attempt == progress.attempt,
        progress.metricsJSON.utf8.count <= PeerPolicy.maxProgressBytes
      {
        actions.append(.recordProgress(progress, workerID: peers[id]!.hello.workerID))
        if settings.earlyTermination != nil {
          note(progress, attempt: lease.attempt, worker: peers[id]!.hello.workerID)
        }
      }
    case .started(let trialIDs):
      for trialID in trialIDs where leases[trialID]?.peer == id { leases[trialID]!.started = true }
    case .heartbeat:
      break
    case .bye(let reason):
      drop(
        id, reason: "left: \(reason.prefix(PeerPolicy.maxReasonBytes))", countsLosses: false,
        now: now, into: &actions)
      dispatch(now: now, into: &actions)
    case .hello, .welcome, .reject, .task, .ack, .cancel, .drain, .unknownPeer:
      malformedCount += 1
      strike(id, "sent a coordinator-only message", now: now, into: &actions)
    }
  }

  /// Adds credits a peer granted, never past the slots it announced minus what it holds.
  private mutating func grant(
    _ credits: Int, to id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    guard let peer = peers[id] else { return }
    let room = max(0, min(peer.hello.slots, peer.allowance) - peer.leases.count)
    if credits < 0 || credits > peer.hello.slots {
      strike(
        id, "granted \(credits) credits with \(peer.hello.slots) slots", now: now, into: &actions)
      guard peers[id] != nil else { return }
    }
    // Both operands are within 0...slots (≤ PeerPolicy.maxSlots): the sum cannot overflow.
    let clamped = min(max(0, credits), peer.hello.slots)
    peers[id]!.credits = min(room, peer.credits + clamped)
  }

  private mutating func admit(
    _ hello: Hello, as id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    if let problem = PeerPolicy.problem(with: hello) {
      send(.reject(reason: problem), to: id, now: now, into: &actions)
      return
    }
    if (offenders[hello.workerID] ?? 0) >= PeerPolicy.dropsBeforeBan {
      send(
        .reject(
          reason:
            "worker \(hello.workerID) was dropped \(PeerPolicy.dropsBeforeBan) times for protocol violations and is refused for the rest of this sweep"
        ), to: id, now: now, into: &actions)
      return
    }
    guard hello.runners.contains(settings.requiredRunner) else {
      let hint = settings.requiredRunner == .command ? " (start it with --allow-command)" : ""
      send(
        .reject(
          reason:
            "this sweep needs the '\(settings.requiredRunner.rawValue)' runner, which worker \(hello.workerID) does not offer\(hint)"
        ), to: id, now: now, into: &actions)
      return
    }
    var inherited: Set<TrialID> = []
    var inheritedAwaiting: Set<TrialID> = []
    var kept: Set<TrialID> = []
    var keptAwaiting: Set<TrialID> = []
    var keptCancelling: Set<TrialID> = []
    var strikesSoFar = 0
    var repeatedHellos = 0
    if let (otherID, other) = peers.first(where: {
      $0.key != id && $0.value.hello.workerID == hello.workerID
    }) {
      let sameProcess = other.hello.host == hello.host && other.hello.pid == hello.pid
      // A worker restarted under the same id (by Slurm, systemd) before its old connection was
      // seen to close: the old one has been silent, so it is gone. A live one keeps its id.
      let replaced =
        !sameProcess
        && now - other.lastHeard >= PeerPolicy.silenceBeforeTakeover * settings.heartbeatInterval
      if replaced {
        drop(
          otherID, reason: "replaced by a new worker with its id (\(hello.host), pid \(hello.pid))",
          now: now, into: &actions)
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
        peers[otherID] = nil
        inherited = other.leases
        for trialID in inherited { leases[trialID]?.peer = id }
        inheritedAwaiting = other.awaiting
        for trialID in inheritedAwaiting { awaitedResults[trialID]?.peer = id }
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
      kept = existing.leases
      keptAwaiting = existing.awaiting
      keptCancelling = existing.cancelling
      strikesSoFar = struck.strikes
    }
    // Keep only the leases it says it is running; any other was lost in transit (a TASK that
    // went down with the old connection) and goes back to the queue, or the sweep would wait
    // for it forever. A lease whose run it says has finished awaits the result it re-sends.
    let running = Set(hello.holding.lazy.filter { !$0.finished }.map(\.trialID))
    let finished = Set(hello.holding.lazy.filter(\.finished).map(\.trialID))
    let forgotten = inherited.subtracting(running).subtracting(finished)
    let finishedLeases = inherited.intersection(finished)
    inherited.formIntersection(running)
    inherited.formUnion(kept)
    let forgottenAwaited = inheritedAwaiting.subtracting(finished)
    inheritedAwaiting.formIntersection(finished)
    inheritedAwaiting.formUnion(keptAwaiting)
    let key = signer.key(forWorker: hello.workerID)
    peers[id] = Peer(
      hello: hello, leases: inherited, lastHeard: now, lastSent: now, strikes: strikesSoFar,
      key: key, repeatedHellos: repeatedHellos,
      allowance: max(PeerPolicy.initialAllowance, inherited.union(running).count),
      awaiting: inheritedAwaiting, cancelling: keptCancelling.intersection(running))
    if !forgotten.isEmpty { requeue(forgotten, losses: false) }
    for trialID in forgottenAwaited { releaseAwaited(trialID) }
    for trialID in finishedLeases.sorted() {
      guard let lease = leases.removeValue(forKey: trialID) else { continue }
      awaitedResults[trialID] = Awaited(
        trial: lease.trial, attempt: lease.attempt, peer: id, losses: lease.losses,
        failures: lease.failures)
      peers[id]!.awaiting.insert(trialID)
    }
    // What it holds that this coordinator does not lease to it (it restarted, or declared this
    // worker dead): a run is re-adopted when the token proves the lease and the trial still
    // needs its result, so it is not run again, and cancelled otherwise; a finished run's
    // result is awaited likewise (it comes right after WELCOME).
    var toCancel: [TrialID] = []
    var seen = inherited.union(finishedLeases).union(inheritedAwaiting)
    for held in hello.holding where seen.insert(held.trialID).inserted {
      // Told to cancel it already: it is being cancelled (the CANCEL may still be on its way).
      if peers[id]!.cancelling.contains(held.trialID) { continue }
      if let refusal = adoptionRefusal(of: held, key: key, peer: peers[id]) {
        // A finished one's result is judged as any result when it comes.
        guard !held.finished else { continue }
        toCancel.append(held.trialID)
        peers[id]!.cancelling.insert(held.trialID)
        actions.append(
          .event(
            kind: "held_trial_cancelled", trialID: held.trialID, workerID: hello.workerID,
            detail: "attempt \(held.attempt) not re-adopted: \(refusal.rawValue)"))
      } else {
        adopt(held, by: id, into: &actions)
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
    for trialID in peers[id]!.leases.sorted() where leases[trialID]?.stopRequested == true {
      send(.cancel(trialID: trialID), to: id, now: now, into: &actions)
    }
    if stopping { send(.drain, to: id, now: now, into: &actions) }
  }

  /// Why a run a worker lists in HELLO cannot be re-adopted, or nil when it can: its lease
  /// token verifies for this worker, and its trial is in the plan with no result and no other
  /// live lease.
  private func adoptionRefusal(of held: HeldLease, key: LeaseSigner.PeerKey, peer: Peer?)
    -> HeldTrialRefusal?
  {
    guard held.index >= 0, held.index < plan.count, plan.trial(at: held.index).id == held.trialID
    else { return .notInPlan }
    guard
      signer.verify(
        held.leaseToken, key, trialID: held.trialID, index: held.index, attempt: held.attempt)
    else { return .badToken }
    if leases[held.trialID] != nil || awaitedResults[held.trialID] != nil { return .heldElsewhere }
    if resumed.contains(index: held.index, id: held.trialID) { return .finished }
    // Behind the cursor (or adopted ahead of it before), neither leased nor queued: its result
    // is recorded, being written, or `lost`.
    guard let queued = retryQueue.first(where: { $0.trial.id == held.trialID }) else {
      if held.index < cursor || adoptedAhead.contains(held.trialID) { return .finished }
      return nil
    }
    if !held.finished && queued.losses >= Self.suspectAfterDeaths,
      let peer,
      peer.leases.contains(where: { (leases[$0]?.losses ?? 0) >= Self.suspectAfterDeaths })
    {
      return .besideSuspect
    }
    return nil
  }

  /// Puts an awaited result's trial back in the queue: its worker left, or its result turned
  /// out to be no result (a cancelled run).
  private mutating func releaseAwaited(_ trialID: TrialID) {
    guard let a = awaitedResults.removeValue(forKey: trialID) else { return }
    peers[a.peer]?.awaiting.remove(trialID)
    retryQueue.append(
      Queued(trial: a.trial, attempt: a.attempt + 1, losses: a.losses, failures: a.failures))
    retryQueue.sort { $0.trial.index < $1.trial.index }
  }

  /// Makes `held` a lease of peer `id` again (a finished run: its result awaited): out of the
  /// retry queue (it was re-queued when the worker was declared dead) or, ahead of the cursor,
  /// marked for the cursor to skip.
  private mutating func adopt(
    _ held: HeldLease, by id: PeerID, into actions: inout [CoordinatorAction]
  ) {
    let trial = plan.trial(at: held.index)
    var losses = 0
    // Failures before this run: unknown after a restart, so every earlier dispatch counts as
    // one (as for a result without a live lease): `retries` is never exceeded.
    var failures = max(0, held.attempt - 1)
    if let i = retryQueue.firstIndex(where: { $0.trial.id == held.trialID }) {
      losses = retryQueue[i].losses
      failures = retryQueue[i].failures
      if retryQueue[i].diedWithWorker {
        // Its worker was taken for dead, and still runs it (or finished it): no death.
        losses = max(0, losses - 1)
        lossJudge.deathRefuted()
      }
      retryQueue.remove(at: i)
    } else if held.index >= cursor {
      adoptedAhead.insert(held.trialID)
    }
    if held.finished {
      awaitedResults[held.trialID] = Awaited(
        trial: trial, attempt: held.attempt, peer: id, losses: losses, failures: failures)
      peers[id]!.awaiting.insert(held.trialID)
      return
    }
    var lease = Lease(
      trial: trial, attempt: held.attempt, peer: id, losses: losses, failures: failures)
    lease.started = true  // it runs: the worker says so
    lease.stopRequested = askedStops[held.trialID] == held.attempt
    leases[held.trialID] = lease
    peers[id]!.leases.insert(held.trialID)
    historiesChanged = true  // judged at the next tick, against every history
    actions.append(
      .event(
        kind: "held_trial_adopted", trialID: held.trialID, workerID: peers[id]!.hello.workerID,
        detail: "attempt \(held.attempt) re-adopted: its worker still runs it"))
  }

  private mutating func accept(
    _ reports: [ResultReport], ofSweep sweepID: String, from id: PeerID, now: Double,
    into actions: inout [CoordinatorAction]
  ) {
    var entries: [JournalEntry] = []
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
      if sweepID == settings.sweepID, let lease = leases[outcome.trialID], lease.peer == id,
        lease.attempt == outcome.attempt, lease.trial.index == outcome.index
      {
        // The common case: the lease this peer holds. Only a live lease's result is a run that
        // ended for the loss judge: duplicates and re-sent results would dilute its death rate.
        lossJudge.runEnded(died: false)
        trial = lease.trial
        failures = lease.failures
        stopRequested = lease.stopRequested
        leases[outcome.trialID] = nil
        peers[id]!.leases.remove(outcome.trialID)
        peers[id]!.allowance = min(peers[id]!.hello.slots, peers[id]!.allowance + 1)
        if outcome.status == .cancelled && !stopRequested {
          // Cancelled, and not by early stopping: no result. It runs again.
          unrecordedCancels += 1
          disownedAcks.append(outcome.trialID)
          retryQueue.append(
            Queued(
              trial: lease.trial, attempt: lease.attempt + 1, losses: lease.losses,
              failures: lease.failures))
          retryQueue.sort { $0.trial.index < $1.trial.index }
          continue
        }
      } else if outcome.status == .cancelled && askedStops[outcome.trialID] != outcome.attempt {
        // A run cancelled without a live lease: one this coordinator cancelled when it did not
        // re-adopt it (it has a result, or another worker runs it), or one whose lease was
        // re-queued. A cancelled run is no result: acknowledged, never recorded (the trial
        // runs again if it needs to).
        unrecordedCancels += 1
        disownedAcks.append(outcome.trialID)
        peers[id]!.cancelling.remove(outcome.trialID)
        if awaitedResults[outcome.trialID]?.peer == id { releaseAwaited(outcome.trialID) }
        continue
      } else if let reason = refusal(of: report, sweepID: sweepID, peer: peers[id]!) {
        refusedCount += 1
        refusedIDs.append(outcome.trialID)
        actions.append(
          .event(
            kind: "refused_result", trialID: outcome.trialID,
            workerID: workerID, detail: reason))
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
        if let other = leases.removeValue(forKey: outcome.trialID) {
          peers[other.peer]?.leases.remove(outcome.trialID)
        }
        retryQueue.removeAll { $0.trial.id == outcome.trialID }
        // A stop asked for before a restart, answered now.
        stopRequested = askedStops[outcome.trialID] == outcome.attempt
      }
      askedStops[outcome.trialID] = nil
      if let a = awaitedResults.removeValue(forKey: outcome.trialID) {
        peers[a.peer]?.awaiting.remove(outcome.trialID)
        failures = max(failures, a.failures)
      }
      if stopRequested && outcome.status == .cancelled {
        // Cancelled because early termination asked: stopped, its curve kept.
        outcome.status = .stopped
      }
      if requeueFailure(outcome, trial: trial, failures: failures, into: &actions) {
        refusedIDs.append(outcome.trialID)  // acknowledged: the worker may forget it
        continue
      }
      entries.append(
        JournalEntry(
          outcome: outcome, index: trial.index, paramsJSON: trial.paramsJSON,
          workerID: workerID, finishedAt: now))
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
  private func refusal(of report: ResultReport, sweepID: String, peer: Peer) -> String? {
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
    retryQueue.append(
      Queued(trial: trial, attempt: outcome.attempt + 1, losses: 0, failures: failures + 1))
    retryQueue.sort { $0.trial.index < $1.trial.index }
    actions.append(
      .event(
        kind: "retry", trialID: outcome.trialID, workerID: nil,
        detail:
          "attempt \(outcome.attempt) ended \(outcome.status.rawValue); run again (retries: \(settings.retries))"
      ))
    return true
  }

  /// Counts a protocol violation; past `PeerPolicy.strikesBeforeDrop` the peer is dropped.
  private mutating func strike(
    _ id: PeerID, _ what: String, now: Double, into actions: inout [CoordinatorAction]
  ) {
    guard let peer = peers[id] else { return }
    peers[id]!.strikes += 1
    guard peer.strikes + 1 >= PeerPolicy.strikesBeforeDrop else { return }
    let workerID = peer.hello.workerID
    if offenders.count < PeerPolicy.maxTrackedOffenders || offenders[workerID] != nil {
      offenders[workerID, default: 0] += 1
    }
    actions.append(
      .event(kind: "peer_dropped", trialID: nil, workerID: workerID, detail: what))
    send(
      .reject(reason: "dropped for protocol violations: \(what)"), to: id, now: now,
      into: &actions)
    drop(id, reason: "dropped for protocol violations: \(what)", now: now, into: &actions)
  }

  // MARK: Dispatch

  /// The next trial for a worker; `isolatingSuspects` when it already holds a suspect.
  ///
  /// A suspect — a trial that died with a worker before — runs on a worker that holds no other
  /// suspect. Otherwise the queue's order would send a poison pill and the neighbour that died
  /// with it to the same worker again and again, and the neighbour would share every death of
  /// the pill (the simulation found it: an honest trial `lost` beside a pill on 2-slot workers).
  private mutating func nextTrial(isolatingSuspects: Bool) -> Queued? {
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
        let attempt = (settings.priorAttempts[trial.id] ?? 0) + 1
        return Queued(trial: trial, attempt: attempt, losses: 0, failures: 0)
      }
    }
    return nil
  }

  private func sortedPeers() -> [PeerID] {
    peers.keys.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) })
  }

  private mutating func dispatch(now: Double, into actions: inout [CoordinatorAction]) {
    guard !stopping, persisting < settings.maxUnpersisted else { return }
    if !graceOver {
      // After a restart, the workers still running trials come back first (`adopt`).
      guard
        awaitedWorkers.isEmpty
          || now - (startedAt ?? now) >= settings.adoptionGraceSeconds
      else { return }
      graceOver = true
    }
    for id in sortedPeers() {
      var batch: [TaskAssignment] = []
      let key = peers[id]!.key
      // A suspect goes only to a worker heard from lately (a live one speaks at least every
      // heartbeat interval): at a sweep's end, with every worker idle, the trials left went
      // again and again to a worker that had hung or died unseen, each time a loss.
      let silent =
        now - peers[id]!.lastHeard > PeerPolicy.silenceBeforeTakeover * settings.heartbeatInterval
      var holdsSuspect =
        silent
        || peers[id]!.leases.contains {
          (leases[$0]?.losses ?? 0) >= Self.suspectAfterDeaths
        }
      while peers[id]!.credits > 0, batch.count < settings.maxBatch,
        let next = nextTrial(isolatingSuspects: holdsSuspect)
      {
        if next.losses >= Self.suspectAfterDeaths { holdsSuspect = true }
        peers[id]!.credits -= 1
        peers[id]!.leases.insert(next.trial.id)
        leases[next.trial.id] = Lease(
          trial: next.trial, attempt: next.attempt, peer: id, losses: next.losses,
          failures: next.failures)
        batch.append(
          TaskAssignment(
            trialID: next.trial.id, index: next.trial.index, attempt: next.attempt,
            paramsJSON: next.trial.paramsJSON,
            leaseToken: signer.token(
              key, trialID: next.trial.id, index: next.trial.index, attempt: next.attempt)))
      }
      if !batch.isEmpty { send(.task(batch), to: id, now: now, into: &actions) }
    }
  }

  // MARK: Early termination and target

  /// Adds a progress point's metric value to its trial's history (a new attempt starts anew).
  /// Only what an honest trial can report counts: finite values, steps rising within an attempt
  /// (one value per step: a repeated or earlier step is dropped), at most `maxHistoryValues`.
  private mutating func note(_ progress: TrialProgress, attempt: Int, worker: String) {
    guard let metric = settings.metric,
      case .object(let object)? = try? ParamValue.parseJSON(progress.metricsJSON),
      let value = object[metric.name]?.doubleValue, value.isFinite
    else { return }
    let signed = metric.goal == .maximize ? -value : value
    if histories[progress.trialID]?.attempt != attempt {
      histories[progress.trialID] = (attempt, [], Int.min, worker, false)
    }
    var history = histories[progress.trialID]!
    if progress.step < 0 {
      // The k-th data point has step −k (docs/PROTOCOL.md). The first one replaces the curve
      // values: from then on the trial is judged on its points, in order.
      if !history.onPoints { (history.values, history.lastStep, history.onPoints) = ([], 0, true) }
      guard -progress.step > history.lastStep else { return }
      history.lastStep = -progress.step
    } else {
      guard !history.onPoints, progress.step > history.lastStep else { return }
      history.lastStep = progress.step
    }
    guard history.values.count < PeerPolicy.maxHistoryValues else { return }
    history.values.append(signed)
    histories[progress.trialID] = history
    historiesChanged = true
  }

  /// Asks the workers of running trials that hyperband stops to cancel them (at most once per
  /// tick: every running trial is judged against every trial's history, as wandb does).
  private mutating func terminateEarly(now: Double, into actions: inout [CoordinatorAction]) {
    historiesChanged = false
    guard let termination = settings.earlyTermination else { return }
    let running = leases.filter { $0.value.started && !$0.value.stopRequested }.keys.sorted()
    let toStop = termination.trialsToStop(
      histories: histories.mapValues(\.values), running: running,
      sources: histories.mapValues(\.worker))
    for trialID in toStop {
      guard let lease = leases[trialID] else { continue }
      leases[trialID]!.stopRequested = true
      askedStops[trialID] = lease.attempt
      actions.append(.recordStop(trialID: trialID, attempt: lease.attempt))
      send(.cancel(trialID: trialID), to: lease.peer, now: now, into: &actions)
      actions.append(
        .event(
          kind: "early_stopped", trialID: trialID, workerID: peers[lease.peer]?.hello.workerID,
          detail:
            "hyperband: \(settings.metric?.name ?? "metric") after \(histories[trialID]?.values.count ?? 0) values is outside the top 1/\(termination.eta) at its band"
        ))
    }
  }

  /// wandb's `metric.target`: once an ok result reaches it, nothing more is dispatched and the
  /// sweep ends when what runs has returned.
  private mutating func checkTarget(
    _ outcome: TrialOutcome, now: Double, into actions: inout [CoordinatorAction]
  ) {
    guard !targetReached, outcome.status == .ok, let metric = settings.metric,
      let target = metric.target,
      case .object(let object)? = try? ParamValue.parseJSON(outcome.metricsJSON),
      let value = object[metric.name]?.doubleValue, value.isFinite,
      metric.goal == .maximize ? value >= target : value <= target
    else { return }
    targetReached = true
    actions.append(
      .event(
        kind: "target_reached", trialID: outcome.trialID, workerID: nil,
        detail:
          "\(metric.name) \(value) reached the target \(target): no more trials are dispatched"))
    actions.append(
      .log(
        .info,
        "trial \(outcome.trialID.short) reached \(metric.name) \(value) (target \(target)): stopping dispatch"
      ))
    stopping = true
    for id in sortedPeers() { send(.drain, to: id, now: now, into: &actions) }
  }

  // MARK: Liveness

  private mutating func checkLiveness(now: Double, into actions: inout [CoordinatorAction]) {
    let limit = settings.heartbeatInterval * Double(settings.liveness)
    for id in sortedPeers() {
      guard let peer = peers[id], now - peer.lastHeard > limit else { continue }
      drop(
        id,
        reason:
          "silent for \(Int(now - peer.lastHeard)) s (liveness \(Int(limit)) s): declared dead",
        now: now, into: &actions)
    }
    dispatch(now: now, into: &actions)
  }

  /// Puts leases back in the queue with the attempt incremented (counting a loss if `losses`).
  private mutating func requeue(_ trialIDs: Set<TrialID>, losses: Bool) {
    for trialID in trialIDs.sorted() {
      guard let lease = leases.removeValue(forKey: trialID) else { continue }
      retryQueue.append(
        Queued(
          trial: lease.trial, attempt: lease.attempt + 1, losses: lease.losses + (losses ? 1 : 0),
          failures: lease.failures))
    }
    retryQueue.sort { $0.trial.index < $1.trial.index }
  }

  /// Forgets a peer and puts its leases back in the queue (or records them lost past
  /// `lossLimit` losses). A peer that left by itself (BYE: stopped, or its lifetime over) handed
  /// its trials back: `countsLosses` false, they are neither losses nor failures.
  private mutating func drop(
    _ id: PeerID, reason: String, countsLosses: Bool = true, now: Double,
    into actions: inout [CoordinatorAction]
  ) {
    guard let peer = peers.removeValue(forKey: id) else { return }
    // Results it was to re-send and did not: their trials run again (no loss: the runs ended).
    for trialID in peer.awaiting.sorted() {
      guard let a = awaitedResults.removeValue(forKey: trialID) else { continue }
      retryQueue.append(
        Queued(trial: a.trial, attempt: a.attempt + 1, losses: a.losses, failures: a.failures))
    }
    var lost: [JournalEntry] = []
    // Every death of this drop counts in the sweep's death rate before any trial is judged.
    if countsLosses {
      for _ in peer.leases { lossJudge.runEnded(died: true) }
    }
    for trialID in peer.leases.sorted() {
      guard let lease = leases.removeValue(forKey: trialID) else { continue }
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
            "lost with its worker \(losses) times, where the sweep's other runs die \(Int((rate * 100).rounded())) % of the time: it kills its worker (last: \(peer.hello.workerID) \(reason))",
        )
        askedStops[trialID] = nil
        if losses >= lossJudge.maximumLosses && rate >= 0.5 {
          // Not improbable by chance: most runs die with their workers, and the cap took it.
          lostInStorm.insert(trialID)
        }
        lost.append(
          JournalEntry(
            outcome: outcome, index: lease.trial.index, paramsJSON: lease.trial.paramsJSON,
            workerID: peer.hello.workerID, finishedAt: now))
      } else {
        retryQueue.append(
          Queued(
            trial: lease.trial, attempt: lease.attempt + 1, losses: losses,
            failures: lease.failures, diedWithWorker: countsLosses))
      }
    }
    retryQueue.sort { $0.trial.index < $1.trial.index }
    actions.append(
      .workerLeft(
        workerID: peer.hello.workerID, reason: reason, requeued: peer.leases.count - lost.count))
    if !lost.isEmpty {
      persisting += lost.count
      actions.append(.persist(lost))
    }
  }

  private func peerID(ofWorker workerID: String) -> PeerID? {
    peers.first(where: { $0.value.hello.workerID == workerID })?.key
  }

  private mutating func send(
    _ message: Message, to id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    peers[id]?.lastSent = now
    actions.append(.send(id, message))
  }

  private mutating func checkFinished(now: Double, into actions: inout [CoordinatorAction]) {
    guard !announcedFinish, leases.isEmpty, awaitedResults.isEmpty, persisting == 0 else { return }
    // Nothing in flight: skip past trials already recorded, so a resumed sweep whose every trial
    // is done finishes without waiting for a worker to ask.
    while retryQueue.isEmpty, cursor < plan.count,
      !resumed.isEmpty(from: cursor) || !adoptedAhead.isEmpty
    {
      let trial = plan.trial(at: cursor)
      if adoptedAhead.remove(trial.id) == nil {
        guard resumed.contains(index: cursor, id: trial.id) else { break }
      }
      cursor += 1
    }
    let exhausted = retryQueue.isEmpty && cursor >= plan.count
    guard exhausted || stopping else { return }
    // The sweep is over: every worker leaves now, even one that re-took work after it was
    // declared dead (its results would be duplicates).
    for id in sortedPeers() {
      send(
        .bye(reason: stopping ? "sweep stopped" : "sweep complete"), to: id, now: now,
        into: &actions)
    }
    announcedFinish = true
    actions.append(.finished)
  }

  // MARK: Invariants

  /// Every rule the tables must keep, checked after every event by the tests (as dask's
  /// `validate_state`): empty when all hold.
  public func invariantViolations() -> [String] {
    var problems: [String] = []
    for (trialID, lease) in leases {
      guard let peer = peers[lease.peer] else {
        problems.append("lease \(trialID) held by unknown peer \(lease.peer)")
        continue
      }
      if !peer.leases.contains(trialID) {
        problems.append("lease \(trialID) missing from its peer's set")
      }
      if lease.trial.id != trialID {
        problems.append("lease \(trialID) for trial \(lease.trial.id)")
      }
    }
    for (id, peer) in peers {
      for trialID in peer.leases where leases[trialID]?.peer != id {
        problems.append("peer \(id) lists lease \(trialID) it does not hold")
      }
      if peer.credits < 0 { problems.append("peer \(id) has \(peer.credits) credits") }
      if peer.credits + peer.leases.count > peer.hello.slots {
        problems.append(
          "peer \(id): \(peer.credits) credits + \(peer.leases.count) leases > \(peer.hello.slots) slots"
        )
      }
    }
    var queued: Set<TrialID> = []
    for q in retryQueue {
      if !queued.insert(q.trial.id).inserted { problems.append("\(q.trial.id) queued twice") }
      if leases[q.trial.id] != nil { problems.append("\(q.trial.id) both queued and leased") }
      if awaitedResults[q.trial.id] != nil {
        problems.append("\(q.trial.id) both queued and awaited")
      }
    }
    for (trialID, a) in awaitedResults {
      if leases[trialID] != nil { problems.append("\(trialID) both leased and awaited") }
      if peers[a.peer]?.awaiting.contains(trialID) != true {
        problems.append("awaited \(trialID) not listed by its peer \(a.peer)")
      }
    }
    for (id, peer) in peers {
      for trialID in peer.awaiting where awaitedResults[trialID]?.peer != id {
        problems.append("peer \(id) awaits \(trialID) it does not hold")
      }
    }
    if persisting < 0 { problems.append("persisting \(persisting) < 0") }
    let workerIDs = peers.values.map(\.hello.workerID)
    if Set(workerIDs).count != workerIDs.count { problems.append("two peers share a worker id") }
    return problems
  }
}

extension CoordinatorEvent {
  var now: Double {
    switch self {
    case .received(_, _, let now), .disconnected(_, let now), .malformed(_, _, let now),
      .tick(let now), .persisted(_, _, let now), .stop(let now):
      now
    }
  }
}
