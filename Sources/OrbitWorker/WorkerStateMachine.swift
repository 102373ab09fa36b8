import OrbitProtocol
import OrbitSpec

/// Who the worker is: exactly what it announces in HELLO.
public typealias WorkerIdentity = Hello

public enum WorkerEvent: Sendable {
  /// The socket is connected (first time or after a reconnect): introduce ourselves.
  case connected(now: Double)
  case received(Message, now: Double)
  case trialFinished(TrialOutcome, now: Double)
  case tick(now: Double)
  /// SIGTERM/SIGINT: cancel what runs, tell the coordinator at once, leave.
  case stop(reason: String, now: Double)
}

public enum WorkerAction: Sendable, Equatable {
  case send(Message)
  case start(TaskAssignment)
  case cancel(trialID: TrialID)
  /// The coordinator admitted us; its spec decides how trials run.
  case configure(Welcome)
  /// Drop the socket and connect a new one (the coordinator has been silent too long).
  case reconnect
  /// Leave once every started trial has ended (cancelled ones included).
  case exit(code: Int32, reason: String)
}

/// The worker's protocol logic as a pure state machine: credits, acks, heartbeats, reconnects.
public struct WorkerStateMachine {
  enum Phase: Equatable { case introducing, active, draining, leaving }

  public let identity: WorkerIdentity
  /// Seconds of coordinator silence after which the worker gives up and exits.
  public var giveUpAfter: Double
  /// The one default of `giveUpAfter` (`orbit worker --give-up`): five minutes rides out a
  /// coordinator restart or a network blip, and frees a batch job's node soon after a
  /// coordinator is gone for good.
  public static let defaultGiveUpSeconds = 300.0
  /// When this worker must be gone (monotonic seconds): a batch job's end (`--lifetime`,
  /// `SLURM_JOB_END_TIME`). Before it, the worker stops taking trials it could not finish, then
  /// leaves cleanly; nil: no end.
  public var lifetimeEnd: Double?
  /// Seconds before `lifetimeEnd` the worker leaves, handing back what still runs: time for its
  /// BYE and last results to reach the coordinator before the scheduler's SIGTERM and SIGKILL.
  public static let lifetimeExitMarginSeconds = 10.0
  /// The longest trial seen here (start to result, seconds): what a new trial is expected to
  /// need at most when deciding whether one still fits before `lifetimeEnd`.
  private(set) var longestTrialSeconds = 0.0
  private var startedAt: [TrialID: Double] = [:]
  /// What the BYE says once drained: the sweep is over, or this worker's time is.
  private var drainReason = "sweep complete"
  private var phase: Phase = .introducing
  private var heartbeatInterval = Double(Wire.heartbeatIntervalMilliseconds) / 1000
  private var liveness = Wire.heartbeatLiveness
  private var lastHeard = 0.0
  private var lastSent = 0.0
  private var lastConnect = 0.0
  private var reconnectDelay = WorkerTiming.firstReconnectDelaySeconds
  /// Trials started and not yet finished, by id, with the lease they answer.
  private(set) var running: [TrialID: TaskAssignment] = [:]
  /// Results sent but not yet acknowledged: re-sent after a reconnect, so none is lost.
  private(set) var unacked: [TrialID: ResultReport] = [:]
  private var outbox: [ResultReport] = []
  private var creditsToReturn = 0
  /// Trials started since the last flush.
  private var startedToReport: [TrialID] = []
  /// When the HELLO not yet answered by a WELCOME was sent, or nil: one introduction at a time.
  /// A restarted coordinator answers every message the worker had in flight with UNKNOWN_PEER;
  /// a HELLO for each was a protocol violation that got honest workers rejected (issue 25).
  private var introductionSentAt: Double?
  /// The sweep and spec the runner was built for (nil before the first WELCOME).
  private var configuredFor: (sweepID: String, specText: String)?

  public init(
    identity: WorkerIdentity, giveUpAfter: Double = defaultGiveUpSeconds, lifetimeEnd: Double? = nil
  ) {
    self.identity = identity
    self.giveUpAfter = giveUpAfter
    self.lifetimeEnd = lifetimeEnd
  }

  public var runningCount: Int { running.count }

  /// HELLO: who we are, and what we hold under which lease — running, or finished with the
  /// result unacknowledged (so a coordinator that knew this process keeps those leases and
  /// re-queues any TASK lost with the old connection, and a restarted one re-adopts the runs its
  /// tokens prove it leased, and waits for the results, instead of running them again).
  private var introduction: Hello {
    var hello = identity
    hello.holding =
      running.keys.sorted().map { HeldLease(running[$0]!) }
      + unacked.keys.sorted().prefix(Self.maxFinishedInHello).map { HeldLease(unacked[$0]!) }
    return hello
  }

  private mutating func introduce(now: Double, into actions: inout [WorkerAction]) {
    introductionSentAt = now
    send(.hello(introduction), now: now, into: &actions)
  }

  public mutating func handle(_ event: WorkerEvent) -> [WorkerAction] {
    var actions: [WorkerAction] = []
    switch event {
    case .connected(let now):
      // Only the first connection starts the silence clock: a reconnect is our own doing, not
      // word from the coordinator. (Resetting it here kept a worker whose coordinator had gone
      // for good reconnecting forever, every liveness period, never reaching --give-up.)
      if lastConnect == 0 { lastHeard = now }
      lastConnect = now
      phase = phase == .leaving ? .leaving : (phase == .draining ? .draining : .introducing)
      introduce(now: now, into: &actions)
    case .received(let message, let now):
      lastHeard = now
      reconnectDelay = WorkerTiming.firstReconnectDelaySeconds
      receive(message, now: now, into: &actions)
    case .trialFinished(let outcome, let now):
      guard let task = running.removeValue(forKey: outcome.trialID) else { break }
      if let start = startedAt.removeValue(forKey: outcome.trialID) {
        longestTrialSeconds = max(longestTrialSeconds, now - start)
      }
      let bounded =
        outcome.isWithinWireLimits ? outcome : outcome.boundedForWire(checkMetricsSyntax: false)
      let report = ResultReport(outcome: bounded, leaseToken: task.leaseToken)
      unacked[outcome.trialID] = report
      outbox.append(report)
      if phase == .active { creditsToReturn += 1 }
    case .tick(let now):
      let silence = now - lastHeard
      if let end = lifetimeEnd, phase != .leaving, end - now <= Self.lifetimeExitMarginSeconds {
        leave(
          code: 0,
          reason:
            "its lifetime ends in \(Int(max(0, end - now))) s: handing back \(running.count) running trials",
          now: now, into: &actions, sayBye: true)
      } else if let end = lifetimeEnd, phase == .active, longestTrialSeconds > 0,
        end - now < longestTrialSeconds + Self.lifetimeExitMarginSeconds
      {
        // A new trial (as long as the longest seen here) would not finish in time: take no
        // more, finish what runs, then leave.
        phase = .draining
        creditsToReturn = 0
        drainReason =
          "its lifetime ends in \(Int(end - now)) s, less than the longest trial here (\(Int(longestTrialSeconds.rounded(.up))) s) needs"
      } else if silence > giveUpAfter {
        leave(
          code: 69, reason: "no word from the coordinator for \(Int(silence)) s: giving up",
          now: now, into: &actions, sayBye: false)
      } else if silence > heartbeatInterval * Double(liveness) && now - lastConnect > reconnectDelay
      {
        // Paranoid Pirate: the coordinator may have restarted; reconnect with backoff.
        reconnectDelay = min(reconnectDelay * 2, WorkerTiming.maxReconnectDelaySeconds)
        actions.append(.reconnect)
      } else if now - lastSent >= heartbeatInterval {
        send(.heartbeat, now: now, into: &actions)
      }
    case .stop(let reason, let now):
      leave(code: 0, reason: reason, now: now, into: &actions, sayBye: true)
    }
    checkExit(into: &actions)
    return actions
  }

  /// The results finished since the last flush, in RESULT messages (each under
  /// `Wire.maxResultBatchBytes`) with the credits they free.
  public mutating func flush(now: Double) -> [WorkerAction] {
    guard !outbox.isEmpty || creditsToReturn > 0 || !startedToReport.isEmpty,
      phase != .introducing
    else { return [] }
    var actions: [WorkerAction] = []
    if phase == .leaving {
      outbox.removeAll()
      startedToReport.removeAll()
      return []
    }
    let started = startedToReport.filter { running[$0] != nil }
    startedToReport.removeAll(keepingCapacity: true)
    if !started.isEmpty { send(.started(trialIDs: started), now: now, into: &actions) }
    guard !outbox.isEmpty || creditsToReturn > 0 else { return actions }
    sendResults(outbox, credits: creditsToReturn, now: now, into: &actions)
    outbox.removeAll(keepingCapacity: true)
    creditsToReturn = 0
    return actions
  }

  /// Most finished runs a HELLO lists (unacknowledged results beyond them are re-sent all the
  /// same; the coordinator just does not hold their trials back): far under the decoder's
  /// `Wire.maxBatchItems` and its frame size.
  static let maxFinishedInHello = 4096

  /// Most results in one RESULT frame: well under the decoder's `Wire.maxBatchItems`.
  static let maxResultsPerFrame = 4096

  /// Sends `reports` in as many RESULT frames as their size needs; the credits ride on the first.
  private mutating func sendResults(
    _ reports: [ResultReport], credits: Int, now: Double, into actions: inout [WorkerAction]
  ) {
    let sweepID = configuredFor?.sweepID ?? ""
    if reports.isEmpty {
      // Free slots and nothing to report (joining, or re-joining with nothing unacknowledged).
      if credits > 0 { send(.ready(credits: credits), now: now, into: &actions) }
      return
    }
    // The common case: everything fits one frame; send the array as it is (no per-result copy).
    if reports.count <= Self.maxResultsPerFrame,
      reports.reduce(0, { $0 + $1.encodedSize }) <= Wire.maxResultBatchBytes
    {
      send(.result(sweepID: sweepID, results: reports, credits: credits), now: now, into: &actions)
      return
    }
    var batch: [ResultReport] = []
    var bytes = 0
    var credits = credits
    for report in reports {
      let size = report.encodedSize
      if !batch.isEmpty
        && (bytes + size > Wire.maxResultBatchBytes || batch.count == Self.maxResultsPerFrame)
      {
        send(.result(sweepID: sweepID, results: batch, credits: credits), now: now, into: &actions)
        credits = 0
        batch.removeAll(keepingCapacity: true)
        bytes = 0
      }
      batch.append(report)
      bytes += size
    }
    if !batch.isEmpty || credits > 0 {
      send(.result(sweepID: sweepID, results: batch, credits: credits), now: now, into: &actions)
    }
  }

  private mutating func receive(_ message: Message, now: Double, into actions: inout [WorkerAction])
  {
    switch message {
    case .welcome(let welcome):
      introductionSentAt = nil
      heartbeatInterval = max(0.01, Double(welcome.heartbeatIntervalMilliseconds) / 1000)
      liveness = max(1, welcome.liveness)
      if let old = configuredFor, old.sweepID != welcome.sweepID {
        // Another sweep now runs in this coordinator's place: what we hold belongs to the old
        // one, whose coordinator would drop it. Stop it and forget it.
        for id in running.keys.sorted() { actions.append(.cancel(trialID: id)) }
        unacked.removeAll()
      }
      if configuredFor?.sweepID != welcome.sweepID || configuredFor?.specText != welcome.specText {
        configuredFor = (welcome.sweepID, welcome.specText)
        actions.append(.configure(welcome))
      }
      if phase == .introducing { phase = .active }
      // Anything not acknowledged may have been lost with the old connection: send it again.
      let pending = unacked.values.sorted { $0.outcome.trialID < $1.outcome.trialID }
      outbox.removeAll()
      let free = phase == .active ? identity.slots - running.count : 0
      creditsToReturn = 0
      sendResults(pending, credits: max(0, free), now: now, into: &actions)
    case .reject(let reason):
      leave(
        code: 69, reason: "rejected by the coordinator: \(reason)", now: now, into: &actions,
        sayBye: false)
    case .task(let tasks):
      var started: [TrialID] = []
      for task in tasks {
        if phase != .active || running[task.trialID] != nil { continue }
        running[task.trialID] = task
        startedAt[task.trialID] = now
        actions.append(.start(task))
        started.append(task.trialID)
      }
      // Said at the next flush, for those still running then: a trial that ends at once (the
      // noop runner, a failing command) needs no STARTED, its RESULT says more.
      startedToReport += started
    case .ack(let ids):
      for id in ids { unacked[id] = nil }
    case .cancel(let id):
      if running[id] != nil { actions.append(.cancel(trialID: id)) }
    case .drain:
      if phase == .active || phase == .introducing { phase = .draining }
      creditsToReturn = 0
    case .unknownPeer:
      phase = phase == .draining ? .draining : .introducing
      // One HELLO answers every UNKNOWN_PEER of the messages that were in flight; only an
      // introduction unanswered for two heartbeat intervals (lost with a crash) is repeated.
      if let sent = introductionSentAt, now - sent < 2 * heartbeatInterval { break }
      introduce(now: now, into: &actions)
    case .heartbeat:
      break
    case .bye(let reason):
      leave(
        code: 0, reason: "the coordinator left: \(reason)", now: now, into: &actions, sayBye: false)
    case .hello, .ready, .progress, .result, .started:
      break  // worker-only messages echoed back: ignore
    }
  }

  private mutating func leave(
    code: Int32, reason: String, now: Double, into actions: inout [WorkerAction], sayBye: Bool
  ) {
    guard phase != .leaving else { return }
    phase = .leaving
    for id in running.keys.sorted() { actions.append(.cancel(trialID: id)) }
    if sayBye { send(.bye(reason: reason), now: now, into: &actions) }
    exitCode = code
    exitReason = reason
  }

  private var exitCode: Int32 = 0
  private var exitReason = ""
  private var exitAnnounced = false

  private mutating func checkExit(into actions: inout [WorkerAction]) {
    guard !exitAnnounced else { return }
    let drained = phase == .draining && running.isEmpty && outbox.isEmpty && unacked.isEmpty
    if drained {
      phase = .leaving
      exitCode = 0
      exitReason = drainReason
      actions.append(.send(.bye(reason: exitReason)))
    }
    if phase == .leaving && running.isEmpty {
      exitAnnounced = true
      actions.append(.exit(code: exitCode, reason: exitReason))
    }
  }

  private mutating func send(_ message: Message, now: Double, into actions: inout [WorkerAction]) {
    lastSent = now
    actions.append(.send(message))
  }
}
