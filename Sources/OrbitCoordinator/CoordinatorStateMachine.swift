import OrbitJournal
import OrbitProtocol
import OrbitSpec

/// Settings of the dispatch logic.
public struct CoordinatorSettings: Sendable {
  /// Seconds between heartbeats sent to a silent peer.
  public var heartbeatInterval: Double = Double(Wire.heartbeatIntervalMilliseconds) / 1000
  /// Heartbeat intervals a worker may stay silent before it is declared dead.
  public var liveness: Int = Wire.heartbeatLiveness
  /// How many times a trial lost to a dead worker is re-queued before it is recorded as `lost`.
  public var retries: Int = 2
  /// Most trials in one TASK message.
  public var maxBatch: Int = 1024
  /// Results received but not yet durable above which dispatch pauses: backpressure from the
  /// journal, so a disk slower than the workers bounds memory instead of growing a backlog.
  public var maxUnpersisted: Int = 16_384
  /// The runner every worker must offer ("command" or "core").
  public var requiredRunner: String
  public var sweepID: String
  public var specText: String
  public var specFileName: String

  public init(requiredRunner: String, sweepID: String, specText: String, specFileName: String) {
    self.requiredRunner = requiredRunner
    self.sweepID = sweepID
    self.specText = specText
    self.specFileName = specFileName
  }
}

/// Inputs to the coordinator's logic.
public enum CoordinatorEvent: Sendable {
  case received(PeerID, Message, now: Double)
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
  case recordProgress(TrialProgress)
  case workerJoined(Hello, now: Double)
  case workerLeft(workerID: String, reason: String, requeued: Int, now: Double)
  case log(LogLevel, String)
  /// Every trial has a recorded result (or the sweep was stopped and nothing is in flight).
  case finished
}

public enum LogLevel: Sendable { case debug, info, warning, error }

/// The coordinator's dispatch logic as a pure state machine: leases, credits, liveness, retries.
///
/// Fed events, it returns actions; it never touches a socket or a file, so every rule is tested
/// directly. Trials are dispatched from a retry queue first, then from a cursor over the lazy plan
/// that skips ids already recorded (resume).
public struct CoordinatorStateMachine {
  struct Peer {
    var hello: Hello
    var credits: Int = 0
    var leases: Set<String> = []
    var lastHeard: Double
    var lastSent: Double
  }

  struct Lease {
    var trial: PlannedTrial
    var attempt: Int
    var peer: PeerID
  }

  public let settings: CoordinatorSettings
  let plan: TrialPlan
  private(set) var peers: [PeerID: Peer] = [:]
  private(set) var leases: [String: Lease] = [:]
  private var retryQueue: [(trial: PlannedTrial, attempt: Int)] = []
  private var cursor = 0
  /// Trials recorded by earlier runs of this sweep: the cursor skips them.
  private let resumed: ResumeSet
  private var persisting = 0
  private var malformedPeers: Set<PeerID> = []
  private var stopping = false
  private var announcedFinish = false
  public private(set) var counts: [TrialStatus: Int] = [:]
  public private(set) var malformedCount = 0
  public private(set) var duplicateCount = 0

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
  }

  public var runningCount: Int { leases.count }
  public var workerCount: Int { peers.count }
  /// Trials not yet dispatched nor finished (an upper bound while the cursor has not reached the
  /// end: it counts resumed ids it has not skipped yet).
  public var queuedCount: Int {
    max(0, plan.count - cursor) + retryQueue.count
  }
  public var isFinished: Bool { announcedFinish }

  public mutating func handle(_ event: CoordinatorEvent) -> [CoordinatorAction] {
    var actions: [CoordinatorAction] = []
    switch event {
    case .received(let peer, let message, let now):
      receive(message, from: peer, now: now, into: &actions)
    case .malformed(let peer, let error, _):
      malformedCount += 1
      if malformedPeers.insert(peer).inserted {
        actions.append(
          .log(
            .warning,
            "dropped a malformed message from \(peer): \(error) (further ones from this peer are counted silently)"
          ))
      }
    case .tick(let now):
      checkLiveness(now: now, into: &actions)
      for (id, peer) in peers where now - peer.lastSent >= settings.heartbeatInterval {
        send(.heartbeat, to: id, now: now, into: &actions)
      }
    case .persisted(let entries, let inserted, let now):
      persisting -= entries.count
      var acks: [String: [String]] = [:]
      for (entry, fresh) in zip(entries, inserted) {
        if fresh {
          counts[entry.outcome.status, default: 0] += 1
        } else {
          duplicateCount += 1
          actions.append(
            .log(
              .info,
              "trial \(entry.outcome.trialID.prefix(12)) attempt \(entry.outcome.attempt): a result was already recorded; this one is dropped"
            ))
        }
        acks[entry.workerID, default: []].append(entry.outcome.trialID)
      }
      for (workerID, ids) in acks {
        if let peer = peerID(ofWorker: workerID) {
          send(.ack(trialIDs: ids), to: peer, now: now, into: &actions)
        }
      }
      dispatch(now: now, into: &actions)
    case .stop(let now):
      stopping = true
      for id in peers.keys { send(.drain, to: id, now: now, into: &actions) }
    }
    checkFinished(into: &actions)
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
    switch message {
    case .ready(let credits):
      peers[id]!.credits += max(0, credits)
      dispatch(now: now, into: &actions)
    case .result(let results, let credits):
      peers[id]!.credits += max(0, credits)
      accept(results, from: id, now: now, into: &actions)
      dispatch(now: now, into: &actions)
    case .progress(let progress):
      actions.append(.recordProgress(progress))
    case .heartbeat:
      break
    case .bye(let reason):
      drop(id, reason: "left: \(reason)", now: now, into: &actions)
      dispatch(now: now, into: &actions)
    case .hello, .welcome, .reject, .task, .ack, .cancel, .drain, .unknownPeer:
      malformedCount += 1
      actions.append(
        .log(.warning, "\(peers[id]!.hello.workerID) sent a coordinator-only message; dropped"))
    }
  }

  private mutating func admit(
    _ hello: Hello, as id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    guard hello.runners.contains(settings.requiredRunner) else {
      let hint = settings.requiredRunner == "command" ? " (start it with --allow-command)" : ""
      send(
        .reject(
          reason:
            "this sweep needs the '\(settings.requiredRunner)' runner, which worker \(hello.workerID) does not offer\(hint)"
        ), to: id, now: now, into: &actions)
      return
    }
    if peers[id] != nil {
      // The same connection said HELLO again: its earlier leases are void.
      drop(id, reason: "re-introduced itself", now: now, into: &actions)
    }
    peers[id] = Peer(hello: hello, lastHeard: now, lastSent: now)
    actions.append(.workerJoined(hello, now: now))
    let welcome = Welcome(
      sweepID: settings.sweepID,
      heartbeatIntervalMilliseconds: Int(settings.heartbeatInterval * 1000),
      liveness: settings.liveness, specText: settings.specText, specFileName: settings.specFileName)
    send(.welcome(welcome), to: id, now: now, into: &actions)
    if stopping { send(.drain, to: id, now: now, into: &actions) }
  }

  private mutating func accept(
    _ results: [TrialOutcome], from id: PeerID, now: Double, into actions: inout [CoordinatorAction]
  ) {
    var entries: [JournalEntry] = []
    entries.reserveCapacity(results.count)
    let workerID = peers[id]!.hello.workerID
    for outcome in results {
      let lease = leases[outcome.trialID]
      if let lease, lease.peer == id {
        leases[outcome.trialID] = nil
        peers[id]!.leases.remove(outcome.trialID)
      } else if let lease {
        // Another worker holds the lease now (this one was declared dead, then came back).
        // The first result wins: take this one, and void the other lease.
        leases[outcome.trialID] = nil
        peers[lease.peer]?.leases.remove(outcome.trialID)
      }
      let trial = lease?.trial ?? retryTrial(outcome.trialID)
      entries.append(
        JournalEntry(
          outcome: outcome, index: trial?.index ?? -1, paramsJSON: trial?.paramsJSON ?? "{}",
          workerID: workerID, finishedAt: now))
    }
    persisting += entries.count
    if !entries.isEmpty { actions.append(.persist(entries)) }
  }

  /// A trial re-queued after its worker was declared dead, whose result arrives anyway.
  private mutating func retryTrial(_ id: String) -> PlannedTrial? {
    guard let i = retryQueue.firstIndex(where: { $0.trial.id == id }) else { return nil }
    return retryQueue.remove(at: i).trial
  }

  // MARK: Dispatch

  private mutating func nextTrial() -> (trial: PlannedTrial, attempt: Int)? {
    if !retryQueue.isEmpty { return retryQueue.removeFirst() }
    while cursor < plan.count {
      let trial = plan.trial(at: cursor)
      cursor += 1
      if !resumed.contains(index: trial.index, id: trial.id) && leases[trial.id] == nil {
        return (trial, 1)
      }
    }
    return nil
  }

  private mutating func dispatch(now: Double, into actions: inout [CoordinatorAction]) {
    guard !stopping, persisting < settings.maxUnpersisted else { return }
    for id in peers.keys.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
      var batch: [TaskAssignment] = []
      while peers[id]!.credits > 0, batch.count < settings.maxBatch,
        let (trial, attempt) = nextTrial()
      {
        peers[id]!.credits -= 1
        peers[id]!.leases.insert(trial.id)
        leases[trial.id] = Lease(trial: trial, attempt: attempt, peer: id)
        batch.append(
          TaskAssignment(
            trialID: trial.id, index: trial.index, attempt: attempt, paramsJSON: trial.paramsJSON))
      }
      if !batch.isEmpty { send(.task(batch), to: id, now: now, into: &actions) }
    }
  }

  // MARK: Liveness

  private mutating func checkLiveness(now: Double, into actions: inout [CoordinatorAction]) {
    let limit = settings.heartbeatInterval * Double(settings.liveness)
    for (id, peer) in peers where now - peer.lastHeard > limit {
      drop(
        id,
        reason:
          "silent for \(Int(now - peer.lastHeard)) s (liveness \(Int(limit)) s): declared dead",
        now: now, into: &actions)
    }
    dispatch(now: now, into: &actions)
  }

  /// Forgets a peer and puts its leases back in the queue (or records them lost past `retries`).
  private mutating func drop(
    _ id: PeerID, reason: String, now: Double, into actions: inout [CoordinatorAction]
  ) {
    guard let peer = peers.removeValue(forKey: id) else { return }
    var lost: [JournalEntry] = []
    for trialID in peer.leases.sorted() {
      guard let lease = leases.removeValue(forKey: trialID) else { continue }
      if lease.attempt > settings.retries {
        let outcome = TrialOutcome(
          trialID: trialID, attempt: lease.attempt, status: .lost,
          stderrTail:
            "lost with its worker \(lease.attempt) times (retries: \(settings.retries)); last: \(peer.hello.workerID) \(reason)",
        )
        lost.append(
          JournalEntry(
            outcome: outcome, index: lease.trial.index, paramsJSON: lease.trial.paramsJSON,
            workerID: peer.hello.workerID, finishedAt: now))
      } else {
        retryQueue.append((lease.trial, lease.attempt + 1))
      }
    }
    retryQueue.sort { $0.trial.index < $1.trial.index }
    actions.append(
      .workerLeft(
        workerID: peer.hello.workerID, reason: reason, requeued: peer.leases.count - lost.count,
        now: now))
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

  private mutating func checkFinished(into actions: inout [CoordinatorAction]) {
    guard !announcedFinish, leases.isEmpty, persisting == 0 else { return }
    // Nothing in flight: skip past trials already recorded, so a resumed sweep whose every trial
    // is done finishes without waiting for a worker to ask.
    while retryQueue.isEmpty, cursor < plan.count, !resumed.isEmpty(from: cursor) {
      let trial = plan.trial(at: cursor)
      guard resumed.contains(index: cursor, id: trial.id) else { break }
      cursor += 1
    }
    let exhausted = retryQueue.isEmpty && cursor >= plan.count
    guard exhausted || stopping else { return }
    if !stopping {
      for id in peers.keys { actions.append(.send(id, .drain)) }
    }
    announcedFinish = true
    actions.append(.finished)
  }
}
