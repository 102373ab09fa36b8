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
}

/// The coordinator's thin I/O loop: one ROUTER socket, the journal, and the state machine.
///
/// Runs on the calling thread (a dedicated one: it blocks in `zmq_poll`) until every trial has a
/// recorded result or a stop was requested and nothing is in flight.
public final class CoordinatorServer {
  private let context: ZMQContext
  private let journal: Journal
  private var machine: CoordinatorStateMachine
  private let logger: Logger
  private let status: CoordinatorStatus
  private let bindEndpoint: String
  private let sweepID: String
  private let curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?

  public init(
    context: ZMQContext, bind: String, journal: Journal, machine: CoordinatorStateMachine,
    resumed: Int, status: CoordinatorStatus, logger: Logger,
    curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?
  ) {
    self.curve = curve
    self.context = context
    self.bindEndpoint = bind
    self.journal = journal
    self.machine = machine
    self.status = status
    self.logger = logger
    self.sweepID = machine.settings.sweepID
    status.update {
      $0.total = machine.plan.count
      $0.resumed = resumed
    }
  }

  /// Monotonic seconds: every timer (liveness, heartbeats, ticks) runs on this, so a step of the
  /// wall clock neither kills nor immortalises a worker.
  private static func now() -> Double { MonotonicClock.seconds() }
  /// Wall-clock seconds, only for timestamps recorded in the journal.
  private static func wallNow() -> Double { Date().timeIntervalSince1970 }

  /// A public key as logs show it: `SHA256:` and the first 16 hex digits of its hash (a public
  /// key is no secret, but a short stable name is easier to match against files).
  static func fingerprint(_ key: String) -> String {
    key.hasPrefix("(") ? "none \(key)" : "SHA256:\(SHA256.hexDigest(key).prefix(16))"
  }
  /// Which connection (descriptor) each admitted peer last spoke on, and back: the socket
  /// monitor names connections by descriptor, the state machine names peers by routing id.
  private var peerOfFD: [Int32: PeerID] = [:]
  private var fdOfPeer: [PeerID: Int32] = [:]
  /// With CURVE: the names admitted now (the allow-list's values), and the name each peer's
  /// connection was admitted under (its ZAP User-Id).
  private var admittedNames: Set<String> = []
  private var nameOfPeer: [PeerID: String] = [:]

  public func run() throws(CoordinatorError) {
    let router: ZMQSocket
    do {
      router = try ZMQSocket(context, type: .router)
      try router.set(.maxMessageBytes(Wire.maxMessageBytes))
      // Fail a send to a vanished peer at once instead of dropping it silently.
      try router.set(.routerMandatory(true))
      // A worker socket that reconnects (same routing id) takes over its old connection.
      try router.set(.routerHandover(true))
      // Credits already bound what is queued per peer; the high-water marks are a backstop.
      try router.set(.sendHighWaterMark(Timing.highWaterMark))
      try router.set(.receiveHighWaterMark(Timing.highWaterMark))
    } catch {
      throw CoordinatorError(
        kind: .socket, message: "cannot create the coordinator socket: \(error)")
    }
    // Linger so the closing BYEs reach the workers.
    defer { router.close(lingerMilliseconds: Timing.closingLingerMilliseconds) }
    let monitor: ZMQMonitor
    do {
      monitor = try ZMQMonitor(router, context: context)
    } catch {
      throw CoordinatorError(
        kind: .socket, message: "cannot monitor the coordinator socket: \(error)")
    }
    defer { monitor.close() }
    var authenticator: ZAPAuthenticator?
    if let curve {
      do {
        authenticator = try ZAPAuthenticator(context: context, allowedKeys: curve.allowed)
        admittedNames = Set(curve.allowed.values)
        try router.makeCurveServer(curve.keypair)
      } catch {
        throw CoordinatorError(kind: .socket, message: "cannot set up CurveZMQ: \(error)")
      }
    }
    defer { authenticator?.stop() }
    do {
      try router.bind(bindEndpoint)
    } catch {
      throw CoordinatorError(
        kind: .cannotBind,
        message:
          "cannot bind \(bindEndpoint): \(error). Is another coordinator using the port? Pass --bind tcp://127.0.0.1:0 to pick a free one."
      )
    }
    let endpoint = router.lastEndpoint
    status.setBound(endpoint)
    status.update { $0.endpoint = endpoint }
    logger.info(
      "coordinator listening", metadata: ["endpoint": "\(endpoint)", "sweep": "\(sweepID)"])

    let tickInterval = min(Timing.maxTickSeconds, machine.settings.heartbeatInterval / 2)
    var nextTick = Self.now()
    var nextLive = 0.0
    var stopSent = false
    let writer = JournalWriter(journal: journal, sweepID: sweepID)
    defer { writer.close() }
    do {
      // A sweep with nothing left to run (fully resumed) finishes at the first tick.
      try perform(machine.handle(.tick(now: Self.now())), router: router, writer: writer)
      while !machine.isFinished {
        if status.stopRequested && !stopSent {
          stopSent = true
          logger.notice(
            "stop requested: no more dispatch; waiting for workers to return what they hold")
          try perform(machine.handle(.stop(now: Self.now())), router: router, writer: writer)
          continue
        }
        let timeout = max(0, Int((nextTick - Self.now()) * 1000))
        _ = try ZMQPoller.poll(
          [router, monitor.socket], fileDescriptors: [writer.wakeFD], timeoutMilliseconds: timeout)
        try drainMonitor(monitor, router: router, writer: writer)
        try drainInput(router, monitor: monitor, writer: writer)
        // Results now durable: acknowledge them (the state machine sends ACKs only here).
        for (entries, inserted) in try writer.takeCompleted() {
          try perform(
            machine.handle(.persisted(entries, inserted: inserted, now: Self.now())),
            router: router, writer: writer)
        }
        if let authenticator, let keys = status.takeAllowList() {
          try reload(keys, authenticator: authenticator, router: router, writer: writer)
        }
        for key in authenticator?.takeRefusals() ?? [] {
          logger.warning(
            "refused a worker: its CurveZMQ key \(Self.fingerprint(key)) is not in --allow-keys (add its .pub to the list to admit it)"
          )
        }
        let now = Self.now()
        if now >= nextTick {
          try perform(machine.handle(.tick(now: now)), router: router, writer: writer)
          nextTick = now + tickInterval
        }
        if now >= nextLive {
          writer.submit(
            .live(
              running: machine.runningCount, queued: machine.queuedCount,
              workers: machine.workerCount, now: Self.wallNow()))
          nextLive = now + Timing.liveSnapshotSeconds
        }
        publish()
      }
    } catch let error as JournalError {
      throw CoordinatorError(kind: .journal, message: error.description)
    } catch let error as ZMQError {
      throw CoordinatorError(kind: .socket, message: "coordinator socket failed: \(error)")
    } catch {
      throw CoordinatorError(kind: .socket, message: "\(error)")
    }
    publish()
    status.update { $0.finished = true }
    logger.info("coordinator finished", metadata: ["recorded": "\(status.snapshot.recorded)"])
  }

  /// Reads every queued message (bounded, so ticks still happen under load) and feeds them in.
  /// Results go to the journal thread; their ACKs wait until it reports them durable.
  private func drainInput(_ router: ZMQSocket, monitor: ZMQMonitor, writer: JournalWriter) throws {
    for _ in 0..<Timing.maxMessagesPerDrain {
      guard
        let (frames, fd, user) = try router.receiveWithPeer(dontWait: true, userID: curve != nil)
      else { break }
      let peer = PeerID(frames.first ?? [])
      if curve != nil {
        // A connection admitted under a key revoked since (SIGHUP): refused, whatever it says.
        guard let user, admittedNames.contains(user) else {
          try refuseRevoked(peer, router: router, writer: writer)
          continue
        }
        nameOfPeer[peer] = user
      }
      if fd >= 0 && fdOfPeer[peer] != fd {
        // A connection we have not seen this peer on: first take every pending monitor event,
        // so a stale DISCONNECTED of an earlier owner of this descriptor is not applied to it.
        try drainMonitor(monitor, router: router, writer: writer)
        if let old = fdOfPeer[peer], peerOfFD[old] == peer { peerOfFD[old] = nil }
        fdOfPeer[peer] = fd
        peerOfFD[fd] = peer
      }
      let now = Self.now()
      let event: CoordinatorEvent
      if frames.count != 2 {
        event = .malformed(
          peer, ProtocolError(.invalid, "\(frames.count) frames, expected 2"), now: now)
      } else {
        do {
          var message = try MessageCodec.decode(frames[1])
          if case .hello(var hello) = message, let name = nameOfPeer[peer], hello.workerID != name {
            // A CURVE worker is known by its key's name first: logs, status and the journal
            // say who holds the key, and one key shared by many nodes still names each.
            hello.workerID = "\(name)/\(hello.workerID)"
            message = .hello(hello)
          }
          event = .received(peer, message, now: now)
        } catch {
          event = .malformed(peer, error, now: now)
        }
      }
      try perform(machine.handle(event), router: router, writer: writer)
    }
  }

  /// Applies a new allow-list: keys not in it are refused at their next handshake, and peers
  /// admitted under them are dropped now (their leases re-queued).
  private func reload(
    _ keys: [String: String], authenticator: ZAPAuthenticator, router: ZMQSocket,
    writer: JournalWriter
  ) throws {
    authenticator.replaceAllowed(keys)
    admittedNames = Set(keys.values)
    let revoked = nameOfPeer.filter { !admittedNames.contains($0.value) }
    logger.notice(
      "reloaded the allow-list: \(keys.count) keys; \(revoked.count) connected worker(s) revoked",
      metadata: ["revoked": "\(Set(revoked.values).sorted())"])
    for peer in revoked.keys { try refuseRevoked(peer, router: router, writer: writer) }
  }

  private func refuseRevoked(_ peer: PeerID, router: ZMQSocket, writer: JournalWriter) throws {
    let name = nameOfPeer.removeValue(forKey: peer)
    _ = try router.send(
      [
        peer.bytes,
        MessageCodec.encode(
          .reject(
            reason:
              "this worker's key\(name.map { " ('\($0)')" } ?? "") was revoked from the coordinator's allow-list"
          )),
      ], dontWait: true)
    try perform(
      machine.handle(.disconnected(peer, now: Self.now())), router: router, writer: writer)
  }

  /// Feeds closed connections to the state machine: a worker whose process died is noticed as
  /// soon as the kernel closes its TCP connection, not after liveness.
  private func drainMonitor(_ monitor: ZMQMonitor, router: ZMQSocket, writer: JournalWriter) throws
  {
    while let event = try monitor.next() {
      switch event {
      case .disconnected(let fd):
        guard let peer = peerOfFD.removeValue(forKey: fd) else { continue }
        if fdOfPeer[peer] == fd { fdOfPeer[peer] = nil }
        try perform(
          machine.handle(.disconnected(peer, now: Self.now())), router: router, writer: writer)
      case .handshakeFailed(_, let code):
        logger.warning(
          "refused a connection: its CurveZMQ handshake failed (code \(code)): a worker without the coordinator's public key, or whose key is not in --allow-keys"
        )
      case .accepted, .connected, .handshakeSucceeded:
        break
      }
    }
  }

  /// Performs the state machine's actions: sends now, journal writes on the writer thread.
  private func perform(_ actions: [CoordinatorAction], router: ZMQSocket, writer: JournalWriter)
    throws
  {
    for action in actions {
      switch action {
      case .send(let peer, let message):
        let sent = try router.send([peer.bytes, MessageCodec.encode(message)], dontWait: true)
        if !sent { logger.debug("could not send to \(peer): gone or full; liveness will tell") }
      case .persist(let entries):
        writer.submit(.results(entries, receivedAt: Self.wallNow()))
      case .event(let kind, let trialID, let workerID, let detail):
        writer.submit(
          .event(
            kind: kind, trialID: trialID, workerID: workerID, detail: detail, now: Self.wallNow()))
      case .recordProgress(let p):
        writer.submit(
          .progress(
            trialID: p.trialID, attempt: p.attempt, step: p.step, metricsJSON: p.metricsJSON))
      case .workerJoined(let hello):
        let now = Self.wallNow()
        logger.info(
          "worker joined",
          metadata: [
            "worker": "\(hello.workerID)", "host": "\(hello.host)", "slots": "\(hello.slots)",
          ])
        writer.submit(
          .workerJoined(
            id: hello.workerID, host: hello.host, pid: hello.pid, slots: hello.slots, now: now))
      case .workerLeft(let workerID, let reason, let requeued):
        let now = Self.wallNow()
        let level: Logger.Level = reason.hasPrefix("left") ? .info : .warning
        logger.log(
          level: level, "worker left",
          metadata: ["worker": "\(workerID)", "reason": "\(reason)", "requeued": "\(requeued)"])
        writer.submit(.workerLeft(id: workerID, reason: reason, now: now))
        writer.submit(
          .event(
            kind: "worker_left", trialID: nil, workerID: workerID,
            detail: "\(reason); \(requeued) trials re-queued", now: now))
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
