import Foundation
import Logging
import OrbitProtocol
import OrbitSpec
import Synchronization
import ZeroMQ

/// Why a worker could not run at all: exit 69, or 77 when the coordinator refused its
/// credentials.
public struct WorkerError: Error, CustomStringConvertible {
  public var message: String
  /// sysexits: 69 unavailable, 77 permission denied (CURVE refused).
  public var exitCode: Int32 = 69
  public var description: String { message }
}

/// Counts security handshakes that ended without success on one socket's connections: a
/// refused key, a wrong server key, or plain TCP against a CURVE coordinator. A coordinator that
/// is merely down never completes a TCP connection, so it never counts here.
struct HandshakeWatch {
  /// Failed handshakes after which the worker gives up: two, so one dropped connection during
  /// a handshake (a restart) is not taken for a refusal.
  static let failuresBeforeGivingUp = 2
  /// The ZAP status code (RFC 27) of a refused client.
  static let zapRefusal: Int32 = 400
  private var pending: Set<Int32> = []
  private(set) var failures = 0

  mutating func note(_ event: ZMQConnectionEvent) {
    switch event {
    case .connected(let fd): pending.insert(fd)
    case .handshakeSucceeded(let fd):
      pending.remove(fd)
      failures = 0
    case .handshakeFailed(_, let code):
      // 400 is the coordinator's ZAP handler saying no to this key: definitive at once (libzmq
      // does not retry it). Other failures (a wrong server key, a mechanism mismatch) count.
      failures = code == Self.zapRefusal ? Self.failuresBeforeGivingUp : failures + 1
      pending.removeAll()
    case .disconnected(let fd):
      if pending.remove(fd) != nil { failures += 1 }
    case .accepted: break
    }
  }

  var refused: Bool { failures >= Self.failuresBeforeGivingUp }
}

/// Lets signal handlers and tests ask a running worker to leave.
public final class WorkerControl: Sendable {
  private let stop = Mutex<String?>(nil)
  public init() {}
  public func requestStop(reason: String) { stop.withLock { if $0 == nil { $0 = reason } } }
  var stopReason: String? { stop.withLock { $0 } }
}

/// The worker's thin I/O loop: a transport (a DEALER socket, or memory in a test), the slot
/// threads, and the state machine.
public final class WorkerServer {
  private let transport: any WorkerTransport
  /// The coordinator's address, for messages.
  private let endpoint: String
  private var machine: WorkerStateMachine
  private let allowCommand: Bool
  private let logger: Logger
  private let control: WorkerControl
  private var executor: TrialExecutor?
  private var inlineRunner: (any TrialRunner)?
  /// Where trial folders are kept (`--trial-dir`), or nil for private throwaway ones.
  private let trialDirectory: String?
  /// Each slot's GPUs (`--gpus`), or nil.
  private let gpus: GPUSlots?
  /// Heartbeats, liveness and backoff run on `clock.monotonic`: they must not follow
  /// wall-clock steps.
  private let clock: LoopClock

  /// A worker connecting to `endpoint` over ZeroMQ (with CurveZMQ when `curve` is given).
  public convenience init(
    context: ZMQContext, connect endpoint: String, identity: WorkerIdentity, giveUpAfter: Double,
    lifetime: Double? = nil, trialDirectory: String? = nil, gpus: GPUSlots? = nil,
    allowCommand: Bool, control: WorkerControl, logger: Logger,
    curve: (keypair: ZMQCurveKeypair, serverKey: String)?
  ) {
    self.init(
      transport: ZMQDealerTransport(context: context, connect: endpoint, curve: curve),
      endpoint: endpoint, identity: identity, giveUpAfter: giveUpAfter, lifetime: lifetime,
      trialDirectory: trialDirectory, gpus: gpus, allowCommand: allowCommand, control: control,
      logger: logger)
  }

  /// - Parameter lifetime: seconds from now until this worker must be gone (a batch job's
  ///   end), or nil.
  public init(
    transport: any WorkerTransport, endpoint: String, identity: WorkerIdentity,
    giveUpAfter: Double, lifetime: Double? = nil, trialDirectory: String? = nil,
    gpus: GPUSlots? = nil, allowCommand: Bool, control: WorkerControl, logger: Logger,
    clock: LoopClock = .system
  ) {
    self.trialDirectory = trialDirectory
    self.gpus = gpus
    self.transport = transport
    self.endpoint = endpoint
    self.machine = WorkerStateMachine(
      identity: identity, giveUpAfter: giveUpAfter,
      lifetimeEnd: lifetime.map { clock.monotonic() + $0 })
    self.allowCommand = allowCommand
    self.control = control
    self.logger = logger
    self.clock = clock
  }

  private func now() -> Double { clock.monotonic() }
  /// This worker's private scratch folder (mode 0700, from mkdtemp), made on first use.
  private var scratchDirectory: String?

  /// Runs until the sweep is complete, the worker is stopped, or the coordinator is gone.
  /// Returns the process exit code.
  public func run() throws(WorkerError) -> Int32 {
    var exitCode: Int32 = 0
    do {
      try connect()
      var stopFed = false
      var nextTick = now()
      loop: while true {
        if !stopFed, let reason = control.stopReason {
          stopFed = true
          if try perform(
            machine.handle(.stop(reason: reason, now: now())), exitCode: &exitCode)
          {
            break loop
          }
        }
        let fds = executor.map { [$0.wakeFD] } ?? []
        let timeout = max(0, Int((nextTick - now()) * 1000))
        try transport.wait(timeoutMilliseconds: timeout, orReadable: fds)
        if let failures = transport.refusedHandshakes, !heardFromCoordinator {
          throw WorkerError(
            message:
              "the coordinator at \(endpoint) did not accept this worker's key, or is not the coordinator whose key you gave: \(failures) security handshakes failed. Check that this worker's .pub is in the coordinator's --allow-keys, that --server-key is the coordinator's .pub, and that both sides use CurveZMQ or neither.",
            exitCode: 77)
        }
        // Messages from the coordinator, bounded so completions and ticks keep flowing.
        for _ in 0..<WorkerTiming.maxMessagesPerDrain {
          guard let frames = try transport.receive() else { break }
          heardFromCoordinator = true
          guard frames.count == 1, let message = try? MessageCodec.decode(frames[0]) else {
            logger.warning("dropped a malformed message from the coordinator")
            continue
          }
          if try perform(machine.handle(.received(message, now: now())), exitCode: &exitCode) {
            break loop
          }
        }
        if let executor {
          let (outcomes, progress) = executor.drain()
          for p in progress { try send(.progress(p)) }
          for outcome in outcomes {
            // A trial killed by SIGTERM is most often killed by the signal that stops this
            // worker too (scancel, preemption, a pod's deletion signal every process): its
            // stop may reach this loop a little later. Such a death waits for it; if it comes,
            // the trial is handed back with the others (no attempt spent), else it is a failure.
            if Self.killedByTerm(outcome) {
              terminated.append((outcome, now() + WorkerTiming.terminatedGraceSeconds))
              continue
            }
            if try perform(
              machine.handle(.trialFinished(outcome, now: now())), exitCode: &exitCode)
            {
              break loop
            }
          }
        }
        // Once the stop is fed the worker is leaving: its BYE handed these trials back, and a
        // result fed now is not reported (the leaving worker's outbox is dropped).
        if control.stopReason == nil || stopFed {
          let moment = self.now()
          let due = terminated.filter { stopFed || $0.deadline <= moment }
          terminated.removeAll { stopFed || $0.deadline <= moment }
          for (outcome, _) in due {
            if try perform(
              machine.handle(.trialFinished(outcome, now: now())), exitCode: &exitCode)
            {
              break loop
            }
          }
        }
        if try perform(machine.flush(now: now()), exitCode: &exitCode) { break loop }
        let now = now()
        if now >= nextTick {
          nextTick = now + WorkerTiming.tickSeconds
          if try perform(machine.handle(.tick(now: now)), exitCode: &exitCode) { break loop }
        }
      }
    } catch let error as WorkerError {
      throw error
    } catch {
      throw WorkerError(message: "worker socket failed: \(error)")
    }
    executor?.shutdown()
    transport.close()
    if let scratchDirectory { try? FileManager.default.removeItem(atPath: scratchDirectory) }
    return exitCode
  }

  /// Trials that died of SIGTERM, held until `deadline` for this worker's own stop.
  private var terminated: [(outcome: TrialOutcome, deadline: Double)] = []

  /// A trial whose process ended by SIGTERM (128 + 15) without the worker cancelling it.
  static func killedByTerm(_ outcome: TrialOutcome) -> Bool {
    outcome.status == .failed && outcome.exitCode == 128 + Int(SIGTERM)
  }

  /// Whether any message from a coordinator arrived: a refusal is only a refusal before that.
  private var heardFromCoordinator = false

  private func connect() throws {
    // A routing id of its own per connection: two workers started with the same --worker-id
    // cannot take over each other's connection; the coordinator refuses the second by name.
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    try transport.connect(routingID: Array("\(machine.identity.workerID)#\(suffix)".utf8))
    _ = try perform(machine.handle(.connected(now: now())))
  }

  private func send(_ message: Message) throws {
    try transport.send(MessageCodec.encode(message))
  }

  /// Performs actions; returns true when the worker must exit now.
  @discardableResult
  private func perform(_ actions: [WorkerAction], exitCode: inout Int32) throws -> Bool {
    var pending = actions
    while !pending.isEmpty {
      let action = pending.removeFirst()
      switch action {
      case .send(let message):
        try send(message)
      case .configure(let welcome):
        try configure(welcome)
      case .start(let task):
        if let inlineRunner {
          let outcome = inlineRunner.run(
            task, context: TrialContext(isCancelled: { false }, reportProgress: { _, _ in }))
          pending += machine.handle(.trialFinished(outcome, now: now()))
        } else {
          executor?.start(task)
        }
      case .cancel(let id):
        executor?.cancel(id)
      case .reconnect:
        logger.warning(
          "no word from the coordinator; reconnecting", metadata: ["endpoint": "\(endpoint)"])
        try connect()
      case .exit(let code, let reason):
        logger.log(level: code == 0 ? .info : .error, "worker leaving: \(reason)")
        exitCode = code
        return true
      }
    }
    return false
  }

  private func perform(_ actions: [WorkerAction]) throws -> Bool {
    var ignored: Int32 = 0
    return try perform(actions, exitCode: &ignored)
  }

  private func configure(_ welcome: Welcome) throws {
    let spec: Spec
    do {
      spec = try Spec.parse(yaml: welcome.specText, fileName: welcome.specFileName)
    } catch {
      throw WorkerError(
        message:
          "the coordinator's spec does not parse here (\(error)): run the same Orbit version on both"
      )
    }
    logger.info(
      "joined sweep",
      metadata: ["sweep": "\(welcome.sweepID)", "runner": "\(spec.runner.rawValue)"])
    let runner: any TrialRunner
    switch spec.runner {
    case .command:
      guard allowCommand else {
        throw WorkerError(
          message:
            "this sweep runs external commands; start the worker with --allow-command to permit it")
      }
      let specDirectory = URL(fileURLWithPath: welcome.specFileName).deletingLastPathComponent()
        .path
      var isDirectory: ObjCBool = false
      let directory =
        FileManager.default.fileExists(atPath: specDirectory, isDirectory: &isDirectory)
          && isDirectory.boolValue ? specDirectory : nil
      runner = CommandRunner(
        spec: spec, directory: directory, scratch: try privateScratch(),
        trialRoot: trialDirectory)
    case .core:
      if spec.trialCount > 0, spec.trial(at: 0).params["task.kind"] == .string("noop") {
        inlineRunner = NoopRunner()
        return
      }
      runner = CoreRunner(spec: spec)
    }
    if let executor {
      // The coordinator's spec changed (a resumed sweep gained grid points): trials started from
      // now on run under it.
      executor.replaceRunner(runner)
    } else {
      executor = TrialExecutor(
        slots: machine.identity.slots, runner: runner, gpus: gpus?.devices ?? [])
    }
  }

  /// A folder only this user can enter, with an unpredictable name (mkdtemp: mode 0700), so no
  /// other local user can plant or swap a trial's files. Under $XDG_RUNTIME_DIR when set.
  private func privateScratch() throws -> String {
    if let scratchDirectory { return scratchDirectory }
    let base =
      ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"].flatMap {
        FileManager.default.isWritableFile(atPath: $0) ? $0 : nil
      } ?? FileManager.default.temporaryDirectory.path
    var template = Array("\(base)/orbit-worker-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
      throw WorkerError(
        message: "cannot make a scratch folder under \(base): \(String(cString: strerror(errno)))")
    }
    let path = String(cString: made)
    scratchDirectory = path
    return path
  }
}
