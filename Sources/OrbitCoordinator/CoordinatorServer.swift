import Foundation
import Logging
import OrbitJournal
import OrbitProtocol
import OrbitSpec
import ZeroMQ

/// Failures that stop a coordinator, mapped to exit codes by the CLI.
public struct CoordinatorError: Error, CustomStringConvertible {
  public enum Kind: Sendable { case cannotBind, journal, socket }
  public var kind: Kind
  public var message: String
  public var description: String { message }
  public init(kind: Kind, message: String) {
    self.kind = kind
    self.message = message
  }
}

/// The coordinator's thin I/O loop: a transport (a ROUTER socket, or memory in a test), the
/// journal, and the state machine.
///
/// Runs on the calling thread (a dedicated one: it blocks waiting for input) until every trial
/// has a recorded result or a stop was requested and nothing is in flight.
public final class CoordinatorServer {
  private let transport: any CoordinatorTransport
  private let journal: Journal
  private var machine: CoordinatorStateMachine
  private let logger: Logger
  private let status: CoordinatorStatus
  private let sweepID: String
  /// Every timer (liveness, heartbeats, ticks) runs on `clock.monotonic`, so a step of the wall
  /// clock neither kills nor immortalises a worker; `clock.wall` only stamps journal rows.
  private let clock: LoopClock
  private let metrics: CoordinatorMetrics
  /// The last stimulus id given to an input (`StimulusID`): it continues after the journal's
  /// highest, so ids stay unique across restarts of this sweep's coordinator.
  private var lastStimulus: Int64

  /// A coordinator serving `bind` over ZeroMQ (with CurveZMQ when `curve` is given).
  public convenience init(
    context: ZMQContext, bind: String, journal: Journal, machine: CoordinatorStateMachine,
    resumed: Int, status: CoordinatorStatus, logger: Logger,
    curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?,
    metrics: CoordinatorMetrics = CoordinatorMetrics()
  ) {
    self.init(
      transport: ZMQRouterTransport(context: context, bind: bind, curve: curve), journal: journal,
      machine: machine, resumed: resumed, status: status, logger: logger, metrics: metrics)
  }

  public init(
    transport: any CoordinatorTransport, journal: Journal, machine: CoordinatorStateMachine,
    resumed: Int, status: CoordinatorStatus, logger: Logger, clock: LoopClock = .system,
    metrics: CoordinatorMetrics = CoordinatorMetrics()
  ) {
    self.metrics = metrics
    self.transport = transport
    self.journal = journal
    self.machine = machine
    self.status = status
    self.logger = logger
    self.clock = clock
    self.sweepID = machine.settings.sweepID
    // A journal that cannot say is a fresh one for this purpose: ids only link rows.
    self.lastStimulus = (try? journal.lastStimulus()) ?? 0
    status.update {
      $0.total = machine.plan.count
      $0.resumed = resumed
    }
  }

  private func now() -> Double { clock.monotonic() }

  /// Feeds one input to the machine under a new stimulus id.
  private func handle(_ event: CoordinatorEvent) -> [CoordinatorAction] {
    lastStimulus += 1
    return machine.handle(event, stimulus: StimulusID(lastStimulus))
  }
  private func wallNow() -> Double { clock.wall() }

  /// A public key as logs show it: `SHA256:` and the first 16 hex digits of its hash (a public
  /// key is no secret, but a short stable name is easier to match against files).
  static func fingerprint(_ key: String) -> String {
    key.hasPrefix("(") ? "none \(key)" : "SHA256:\(SHA256.hexDigest(key).prefix(16))"
  }

  public func run() throws(CoordinatorError) {
    defer { transport.close() }
    let endpoint = try transport.start()
    status.setBound(endpoint)
    status.update { $0.endpoint = endpoint }
    logger.info(
      "coordinator listening", metadata: ["endpoint": "\(endpoint)", "sweep": "\(sweepID)"])

    let tickInterval = min(Timing.maxTickSeconds, machine.settings.heartbeatInterval / 2)
    var nextTick = now()
    var nextLive = 0.0
    var stopSent = false
    var stopDeadline = Double.infinity
    let metrics = self.metrics
    let writer = JournalWriter(journal: journal, sweepID: sweepID) {
      metrics.committed(seconds: $0)
    }
    defer { writer.close() }
    do {
      // A sweep with nothing left to run (fully resumed) finishes at the first tick.
      try perform(handle(.tick(now: now())), writer: writer)
      while !machine.isFinished {
        if status.stopRequested && !stopSent {
          stopSent = true
          let grace = status.stopGraceSeconds
          stopDeadline = now() + grace
          logger.notice(
            "stop requested: no more dispatch; waiting up to \(Int(grace)) s for workers to return what they hold"
          )
          try perform(handle(.stop(now: now())), writer: writer)
          continue
        }
        if now() >= stopDeadline {
          logger.warning(
            "stopping with \(machine.runningCount) trials still held by workers after the stop grace: they run again on resume"
          )
          break
        }
        let timeout = max(0, Int((nextTick - now()) * 1000))
        try transport.wait(timeoutMilliseconds: timeout, orReadable: [writer.wakeFD])
        try drainInput(writer: writer)
        // Results now durable: acknowledge them (the state machine sends ACKs only here).
        for (entries, inserted) in try writer.takeCompleted() {
          metrics.recorded(zip(entries, inserted).lazy.filter(\.1).map(\.0.outcome))
          let results = entries.map {
            ResultEntry(
              outcome: $0.outcome, index: $0.index, paramsJSON: $0.paramsJSON,
              workerID: $0.workerID, stimulus: StimulusID($0.stimulus ?? 0))
          }
          try perform(
            handle(.persisted(results, inserted: inserted, now: now())), writer: writer)
        }
        if let keys = status.takeAllowList() { try reload(keys, writer: writer) }
        let now = self.now()
        if now >= nextTick {
          try perform(handle(.tick(now: now)), writer: writer)
          nextTick = now + tickInterval
        }
        if now >= nextLive {
          // Per-worker loads once a second (not every wake-up): the Slurm pool reads them.
          let (slots, busy) = (machine.slotsByWorker, machine.busyByWorker)
          status.update {
            $0.slotsByWorker = slots
            $0.busyByWorker = busy
          }
          let judged = machine.judgedRuns
          writer.submit(
            .live(
              running: machine.runningCount, queued: machine.queuedCount,
              workers: machine.workerCount, busy: busy, endedRuns: judged.endedRuns,
              deaths: judged.deaths, now: wallNow()))
          nextLive = now + Timing.liveSnapshotSeconds
          updateGauges(busyByWorker: busy)
        }
        publish()
      }
    } catch let error as JournalError {
      throw CoordinatorError(kind: .journal, message: error.description)
    } catch let error as ZMQError {
      throw CoordinatorError(kind: .socket, message: "coordinator socket failed: \(error)")
    } catch let error as CoordinatorError {
      throw error
    } catch {
      throw CoordinatorError(kind: .socket, message: "\(error)")
    }
    publish()
    updateGauges(busyByWorker: machine.busyByWorker)
    status.update { $0.finished = true }
    logger.info("coordinator finished", metadata: ["recorded": "\(status.snapshot.recorded)"])
  }

  /// Feeds what the network brought (bounded, so ticks still happen under load) to the state
  /// machine. Results go to the journal thread; their ACKs wait until it reports them durable.
  private func drainInput(writer: JournalWriter) throws {
    for _ in 0..<Timing.maxMessagesPerDrain {
      guard let input = try transport.next() else { break }
      let now = self.now()
      switch input {
      case .message(let peer, let frames, let name):
        let event = Self.decode(frames, from: peer, name: name, now: now)
        switch event {
        case .malformed(_, let error, _): metrics.malformedMessage(kind: error.code.description)
        case .received(_, .result(_, let results, _), _): metrics.received(results.count)
        default: break
        }
        try perform(handle(event), writer: writer)
      case .disconnected(let peer):
        // A worker whose process died is noticed as soon as the kernel closes its connection.
        try perform(handle(.disconnected(peer, now: now)), writer: writer)
      case .revoked(let peer, let name):
        try refuseRevoked(peer, name: name, writer: writer)
      case .warning(let text):
        logger.warning("\(text)")
      }
    }
  }

  /// One message's frames as the state machine's event.
  static func decode(_ frames: [[UInt8]], from peer: PeerID, name: String?, now: Double)
    -> CoordinatorEvent
  {
    guard frames.count == 1 else {
      return .malformed(
        peer, ProtocolError(.invalid, "\(frames.count + 1) frames, expected 2"), now: now)
    }
    do {
      var message = try MessageCodec.decode(frames[0])
      if case .hello(var hello) = message, let name, hello.workerID != name {
        // A CURVE worker is known by its key's name first: logs, status and the journal say
        // who holds the key, and one key shared by many nodes still names each.
        hello.workerID = "\(name)/\(hello.workerID)"
        message = .hello(hello)
      }
      return .received(peer, message, now: now)
    } catch {
      return .malformed(peer, error, now: now)
    }
  }

  /// Applies a new allow-list: keys not in it are refused at their next handshake, and peers
  /// admitted under them are dropped now (their leases re-queued).
  private func reload(_ keys: [String: String], writer: JournalWriter) throws {
    let revoked = transport.replaceAllowList(keys)
    logger.notice(
      "reloaded the allow-list: \(keys.count) keys; \(revoked.count) connected worker(s) revoked",
      metadata: ["revoked": "\(Set(revoked.values).sorted())"])
    for (peer, name) in revoked { try refuseRevoked(peer, name: name, writer: writer) }
  }

  private func refuseRevoked(_ peer: PeerID, name: String?, writer: JournalWriter) throws {
    metrics.refusedWorker()
    _ = try transport.send(
      MessageCodec.encode(
        .reject(
          reason:
            "this worker's key\(name.map { " ('\($0)')" } ?? "") was revoked from the coordinator's allow-list"
        )), to: peer)
    try perform(handle(.revoked(peer, now: now())), writer: writer)
  }

  /// Performs the state machine's actions: sends now, journal writes on the writer thread.
  private func perform(_ actions: [CoordinatorAction], writer: JournalWriter) throws {
    for action in actions {
      switch action {
      case .send(let peer, let message):
        let sent = try transport.send(MessageCodec.encode(message), to: peer)
        switch message {
        case .task(let assignments) where sent: for _ in assignments { metrics.dispatched() }
        case .reject: metrics.refusedWorker()
        default: break
        }
        if !sent { logger.debug("could not send to \(peer): gone or full; liveness will tell") }
      case .persist(let entries):
        let rows = entries.map {
          // `finishedAt` is replaced by the receipt time below (`receivedAt`).
          JournalEntry(
            outcome: $0.outcome, index: $0.index, paramsJSON: $0.paramsJSON,
            workerID: $0.workerID, finishedAt: 0, stimulus: $0.stimulus.value)
        }
        writer.submit(.results(rows, receivedAt: wallNow()))
      case .event(let event):
        // The journal stores the kind's raw text: the strings earlier journals hold.
        writer.submit(
          .event(
            kind: event.kind.rawValue, trialID: event.trialID, workerID: event.workerID,
            detail: event.detail, now: wallNow(), stimulus: event.stimulus.value))
      case .recordProgress(let p, let workerID):
        writer.submit(
          .progress(
            trialID: p.trialID, attempt: p.attempt, step: p.step, metricsJSON: p.metricsJSON,
            workerID: workerID))
      case .recordStop(let trialID, let attempt):
        writer.submit(.stopRequested(trialID: trialID, attempt: attempt))
      case .workerJoined(let hello):
        metrics.joined()
        let now = wallNow()
        logger.info(
          "worker joined",
          metadata: [
            "worker": "\(hello.workerID)", "host": "\(hello.host)", "slots": "\(hello.slots)",
          ])
        writer.submit(
          .workerJoined(
            id: hello.workerID, host: hello.host, pid: hello.pid, slots: hello.slots,
            gpus: hello.gpus.joined(separator: ";"), now: now))
      case .workerLeft(let workerID, let reason, let requeued, let stimulus):
        metrics.left(reason: reason)
        let now = wallNow()
        // A worker that said BYE left as asked; any other way out is worth a warning.
        let level: Logger.Level = reason.handsBackTrials ? .info : .warning
        logger.log(
          level: level, "worker left",
          metadata: ["worker": "\(workerID)", "reason": "\(reason)", "requeued": "\(requeued)"])
        writer.submit(.workerLeft(id: workerID, reason: reason.description, now: now))
        writer.submit(
          .event(
            kind: EventKind.workerLeft.rawValue, trialID: nil, workerID: workerID,
            detail: "\(reason); \(requeued) trials re-queued", now: now,
            stimulus: stimulus.value))
      case .log(let level, let text):
        switch level {
        case .debug: logger.debug("\(text)")
        case .info: logger.info("\(text)")
        case .warning: logger.warning("\(text)")
        case .error: logger.error("\(text)")
        }
      case .finished:
        break
      }
    }
  }

  /// The monitoring gauges, at the live snapshot's pace (not per message: `busyByWorker`
  /// builds a dictionary, so the caller passes the one it already built for the snapshot).
  private func updateGauges(busyByWorker: [String: Int]) {
    metrics.update(
      queued: machine.queuedCount, leases: machine.runningCount, workers: machine.workerCount,
      refusedTotal: machine.refusedCount, busyByWorker: busyByWorker)
  }

  private func publish() {
    let m = machine
    status.update {
      $0.counts = m.counts
      $0.running = m.runningCount
      $0.queued = m.queuedCount
      $0.workers = m.workerCount
      $0.malformed = m.malformedCount
      $0.duplicates = m.duplicateCount
      $0.refused = m.refusedCount
    }
  }
}
