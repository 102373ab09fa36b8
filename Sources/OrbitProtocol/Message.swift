import OrbitSpec

/// Every message of the Orbit wire protocol. `docs/PROTOCOL.md` is the contract.
public enum Message: Sendable, Equatable {
  /// Worker → coordinator, first message: who it is and what it can run.
  case hello(Hello)
  /// Coordinator → worker: admitted; the sweep's spec and heartbeat settings.
  case welcome(Welcome)
  /// Coordinator → worker: not admitted, with the reason; the worker exits.
  case reject(reason: String)
  /// Worker → coordinator: `credits` more trials may be sent (free slots).
  case ready(credits: Int)
  /// Coordinator → worker: trials to run, never more than the credits granted.
  case task([TaskAssignment])
  /// Worker → coordinator: an intermediate point of a running trial (learning curve).
  case progress(TrialProgress)
  /// Worker → coordinator: finished trials of sweep `sweepID`, each with the lease token its
  /// TASK carried, plus credits freed (so READY is rarely needed).
  case result(sweepID: String, results: [ResultReport], credits: Int)
  /// Coordinator → worker: these results are in the journal; the worker may forget them.
  case ack(trialIDs: [TrialID])
  /// Coordinator → worker: stop this trial (early stopping, sweep stopped).
  case cancel(trialID: TrialID)
  /// Either way: "I am alive" when otherwise silent.
  case heartbeat
  /// Either way: leaving now, with the reason. Leases held by a leaving worker go back to queue.
  case bye(reason: String)
  /// Coordinator → worker: finish what you hold, send the results, take no more, then leave.
  case drain
  /// Worker → coordinator: these leased trials have started here. Only a started trial counts a
  /// loss when its worker dies; one still in transit is simply dispatched again.
  case started(trialIDs: [TrialID])
  /// Coordinator → worker: "I do not know you" (the coordinator restarted): send HELLO again,
  /// then re-send every result not yet acknowledged.
  case unknownPeer
}

public struct Hello: Sendable, Equatable {
  public var workerID: String
  public var host: String
  public var pid: Int
  public var slots: Int
  /// Runner kinds this worker accepts (kinds this Orbit does not know are left out on decoding).
  public var runners: [RunnerKind]
  public var orbitVersion: String
  /// The runs this worker holds, each with its lease (a re-introduction after a reconnect or a
  /// coordinator restart): those running now, and those finished whose result is not yet
  /// acknowledged (`finished`: it re-sends them after WELCOME). A coordinator that knew this
  /// process keeps their leases and re-queues any other lease it had given it (a TASK lost
  /// with the old connection); a restarted one re-adopts each whose token it signed and whose
  /// trial has no result, and cancels the other running ones. Either way a trial listed here
  /// is not dispatched again while its worker is there.
  public var holding: [HeldLease]
  /// Each GPU slot's devices (`"0"`, `"2,3"`: CUDA_VISIBLE_DEVICES ids), or empty: a worker
  /// started without `--gpus`. Shown in the journal and `orbit status`.
  public var gpus: [String]

  public init(
    workerID: String, host: String, pid: Int, slots: Int, runners: [RunnerKind],
    orbitVersion: String,
    holding: [HeldLease] = [], gpus: [String] = []
  ) {
    self.holding = holding
    self.gpus = gpus
    self.workerID = workerID
    self.host = host
    self.pid = pid
    self.slots = slots
    self.runners = runners
    self.orbitVersion = orbitVersion
  }
}

/// A run a worker holds, as its HELLO lists it: the lease of its TASK (the coordinator's token
/// proves it issued it, so a restarted coordinator can re-adopt the run instead of starting the
/// trial again), and whether it has finished (its result awaits an ACK and is re-sent after
/// WELCOME) or still runs.
public struct HeldLease: Sendable, Equatable {
  public var trialID: TrialID
  public var index: Int
  public var attempt: Int
  public var leaseToken: LeaseToken
  public var finished: Bool

  public init(
    trialID: TrialID, index: Int, attempt: Int, leaseToken: LeaseToken = LeaseToken(),
    finished: Bool = false
  ) {
    self.trialID = trialID
    self.index = index
    self.attempt = attempt
    self.leaseToken = leaseToken
    self.finished = finished
  }

  /// The lease a TASK granted, running.
  public init(_ task: TaskAssignment) {
    self.init(
      trialID: task.trialID, index: task.index, attempt: task.attempt, leaseToken: task.leaseToken)
  }

  /// The lease a finished run's result answers.
  public init(_ report: ResultReport) {
    self.init(
      trialID: report.outcome.trialID, index: report.outcome.index,
      attempt: report.outcome.attempt, leaseToken: report.leaseToken, finished: true)
  }
}

public struct Welcome: Sendable, Equatable {
  public var sweepID: String
  public var heartbeatIntervalMilliseconds: Int
  public var liveness: Int
  /// The sweep's spec text: the worker parses it for the runner settings (command template,
  /// timeout), so TASK messages carry only what differs per trial.
  public var specText: String
  public var specFileName: String

  public init(
    sweepID: String, heartbeatIntervalMilliseconds: Int, liveness: Int, specText: String,
    specFileName: String
  ) {
    self.sweepID = sweepID
    self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
    self.liveness = liveness
    self.specText = specText
    self.specFileName = specFileName
  }
}

public struct TaskAssignment: Sendable, Equatable {
  public var trialID: TrialID
  /// Position of the trial in the sweep's dispatch order.
  public var index: Int
  public var attempt: Int
  /// The trial's canonical parameters as a JSON object.
  public var paramsJSON: String
  /// The coordinator's signature over this lease: the worker returns it with the result, so a
  /// restarted coordinator (which keeps no leases on disk) can tell it issued the lease.
  public var leaseToken: LeaseToken

  public init(
    trialID: TrialID, index: Int, attempt: Int, paramsJSON: String,
    leaseToken: LeaseToken = LeaseToken()
  ) {
    self.trialID = trialID
    self.index = index
    self.attempt = attempt
    self.paramsJSON = paramsJSON
    self.leaseToken = leaseToken
  }
}

/// A 128-bit MAC over (sweep id, worker id, plan index, attempt, trial id), issued by the
/// coordinator with each TASK. Opaque to the worker: it only hands it back.
///
/// Held inline (no allocation: the dispatch path makes one per trial).
public struct LeaseToken: Sendable, Equatable, Hashable {
  public static let byteCount = 16
  /// The tag, or nil: no token (never valid).
  public var tag: SIMD16<UInt8>?

  /// No token.
  public init() { tag = nil }

  public init(_ tag: SIMD16<UInt8>) { self.tag = tag }

  /// A token of `byteCount` bytes (tests); any other count is no token.
  public init(_ bytes: [UInt8]) {
    guard bytes.count == Self.byteCount else {
      tag = nil
      return
    }
    var t = SIMD16<UInt8>()
    for i in 0..<Self.byteCount { t[i] = bytes[i] }
    tag = t
  }

  /// The bytes on the wire: 16, or none.
  public var bytes: [UInt8] { tag.map { t in (0..<Self.byteCount).map { t[$0] } } ?? [] }
  var wireCount: Int { tag == nil ? 0 : Self.byteCount }
}

/// One finished attempt as a worker reports it: the outcome and the lease it answers.
public struct ResultReport: Sendable, Equatable {
  public var outcome: TrialOutcome
  public var leaseToken: LeaseToken

  public init(outcome: TrialOutcome, leaseToken: LeaseToken) {
    self.outcome = outcome
    self.leaseToken = leaseToken
  }

  /// Bytes this report takes in a RESULT frame (exact: the codec's layout).
  public var encodedSize: Int {
    let o = outcome
    return TrialID.byteCount + 8 + 8 + 4 + leaseToken.wireCount + 4
      + o.status.rawValue.utf8.count + 4 + o.metricsJSON.utf8.count + 8 + 8 + 4
      + o.stderrTail.utf8.count + 1 + 8 + 4 + o.stdoutTail.utf8.count
  }
}

public struct TrialProgress: Sendable, Equatable {
  public var trialID: TrialID
  /// The trial's plan index, so the coordinator checks the point against its plan.
  public var index: Int
  public var attempt: Int
  public var step: Int
  public var metricsJSON: String

  public init(trialID: TrialID, index: Int, attempt: Int, step: Int, metricsJSON: String) {
    self.trialID = trialID
    self.index = index
    self.attempt = attempt
    self.step = step
    self.metricsJSON = metricsJSON
  }
}
