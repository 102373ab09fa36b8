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
  /// Worker → coordinator: finished trials, plus credits freed (so READY is rarely needed).
  case result(results: [TrialOutcome], credits: Int)
  /// Coordinator → worker: these results are in the journal; the worker may forget them.
  case ack(trialIDs: [String])
  /// Coordinator → worker: stop this trial (early stopping, sweep stopped).
  case cancel(trialID: String)
  /// Either way: "I am alive" when otherwise silent.
  case heartbeat
  /// Either way: leaving now, with the reason. Leases held by a leaving worker go back to queue.
  case bye(reason: String)
  /// Coordinator → worker: finish what you hold, send the results, take no more, then leave.
  case drain
  /// Coordinator → worker: "I do not know you" (the coordinator restarted): send HELLO again,
  /// then re-send every result not yet acknowledged.
  case unknownPeer
}

public struct Hello: Sendable, Equatable {
  public var workerID: String
  public var host: String
  public var pid: Int
  public var slots: Int
  /// Runner kinds this worker accepts ("core", "command").
  public var runners: [String]
  public var orbitVersion: String

  public init(
    workerID: String, host: String, pid: Int, slots: Int, runners: [String], orbitVersion: String
  ) {
    self.workerID = workerID
    self.host = host
    self.pid = pid
    self.slots = slots
    self.runners = runners
    self.orbitVersion = orbitVersion
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
  public var trialID: String
  /// Position of the trial in the sweep's dispatch order.
  public var index: Int
  public var attempt: Int
  /// The trial's canonical parameters as a JSON object.
  public var paramsJSON: String

  public init(trialID: String, index: Int, attempt: Int, paramsJSON: String) {
    self.trialID = trialID
    self.index = index
    self.attempt = attempt
    self.paramsJSON = paramsJSON
  }
}

public struct TrialProgress: Sendable, Equatable {
  public var trialID: String
  public var attempt: Int
  public var step: Int
  public var metricsJSON: String

  public init(trialID: String, attempt: Int, step: Int, metricsJSON: String) {
    self.trialID = trialID
    self.attempt = attempt
    self.step = step
    self.metricsJSON = metricsJSON
  }
}
