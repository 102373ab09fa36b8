import OrbitProtocol
import OrbitSpec

/// Inputs to the coordinator's logic. Every `now` is a monotonic clock reading in seconds.
public enum CoordinatorEvent: Sendable {
  case received(PeerID, Message, now: Double)
  /// The peer's connection closed (the socket monitor saw it): the process is gone or its host
  /// is unreachable. Its leases go back to the queue at once, without waiting for liveness.
  case disconnected(PeerID, now: Double)
  /// The peer's CURVE key left the allow-list: it is dropped as a closed connection is, and
  /// said so (the shell has already sent it REJECT).
  case revoked(PeerID, now: Double)
  /// A peer sent bytes that do not decode; counted, logged once per peer.
  case malformed(PeerID, ProtocolError, now: Double)
  /// Time passes: liveness checks and heartbeats.
  case tick(now: Double)
  /// The entries of a `.persist` action are in the journal (`inserted[i]` false: duplicate).
  case persisted([ResultEntry], inserted: [Bool], now: Double)
  /// Stop dispatching; tell workers to leave once they finish what they hold.
  case stop(now: Double)

  var now: Double {
    switch self {
    case .received(_, _, let now), .disconnected(_, let now), .revoked(_, let now),
      .malformed(_, _, let now), .tick(let now), .persisted(_, _, let now), .stop(let now):
      now
    }
  }
}

/// Which input caused an action: the shell numbers every input it feeds the machine, and the
/// machine stamps that number on what it records, so a trial's journal rows (its dispatches,
/// the worker loss that re-queued it, its retry, its stop, its result) link back to the input
/// that caused each one and `orbit logs --story` can tell them as one history (dask's
/// `stimulus_id`). Increasing within a journal: a restarted coordinator continues after the
/// journal's highest.
public struct StimulusID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var value: Int64

  public init(_ value: Int64) { self.value = value }

  public static func < (a: StimulusID, b: StimulusID) -> Bool { a.value < b.value }
  public var description: String { "#\(value)" }
}

/// A trial's result the coordinator decided to record (reported by its worker, or `lost`):
/// what the shell writes to the journal, which stamps it with the wall-clock time.
public struct ResultEntry: Sendable {
  public var outcome: TrialOutcome
  public var index: Int
  public var paramsJSON: String
  public var workerID: String
  /// The input that decided it: the RESULT message, or the loss of its worker.
  public var stimulus: StimulusID
}

/// Outputs: what the I/O loop must do. Every output that is recorded carries the stimulus that
/// caused it; sends and logs happen at once, within the input's `handle` call.
public enum CoordinatorAction: Sendable {
  case send(PeerID, Message)
  /// Write these to the journal in one transaction, then feed `.persisted` back.
  case persist([ResultEntry])
  /// A learning-curve point of a trial `workerID` runs: journaled, with its worker, so a
  /// restarted coordinator rebuilds early stopping from it (`restoreProgress`).
  case recordProgress(TrialProgress, workerID: String)
  /// Early stopping asked for this attempt to stop: journaled (`restoreStop` after a restart).
  case recordStop(trialID: TrialID, attempt: Int)
  case workerJoined(Hello)
  case workerLeft(workerID: String, reason: LeaveReason, requeued: Int, stimulus: StimulusID)
  /// A moment of a trial's or a peer's history for the journal's events: a dispatch, a
  /// re-queue, a refused result, a misbehaving peer dropped; never a trial row.
  case event(CoordinatorJournalEvent)
  case log(LogLevel, String)
  /// Every trial has a recorded result (or the sweep was stopped and nothing is in flight).
  case finished
}

/// One row of the journal's events, as the machine decides it.
public struct CoordinatorJournalEvent: Sendable, Equatable {
  public var kind: EventKind
  public var trialID: TrialID?
  public var workerID: String?
  public var detail: String
  public var stimulus: StimulusID
}

/// What a journal event records. The raw values are the journal's stored `kind` text: journals
/// written before this type existed read the same.
public enum EventKind: String, Sendable, CaseIterable {
  /// A trial's attempt leased to a worker (a TASK sent).
  case dispatched
  /// A lease back in the queue without a result: its worker left, died or forgot it.
  case requeued
  /// A worker left, with why and how many trials went back to the queue.
  case workerLeft = "worker_left"
  /// A peer dropped for misbehaving (flood, protocol violations).
  case peerDropped = "peer_dropped"
  /// A result refused: no lease of that worker's, a bad token, another sweep.
  case refusedResult = "refused_result"
  /// A run a re-introduced worker holds, taken back as a lease.
  case heldTrialAdopted = "held_trial_adopted"
  /// A run a re-introduced worker holds, cancelled (`HeldTrialRefusal`).
  case heldTrialCancelled = "held_trial_cancelled"
  /// A failed attempt run again (`retries`).
  case retry
  /// Hyperband asked a run to stop.
  case earlyStopped = "early_stopped"
  /// A result reached `metric.target`: no more dispatch.
  case targetReached = "target_reached"
}

/// Why a worker is no longer a peer of this coordinator.
public enum LeaveReason: Sendable, Equatable, CustomStringConvertible {
  /// It said BYE (stopped, or its lifetime was over), handing back what it held.
  case bye(String)
  /// Silent past liveness: declared dead.
  case silent(seconds: Double, liveness: Double)
  /// Its connection closed: the process died or its host became unreachable.
  case connectionClosed
  /// Dropped for misbehaving.
  case dropped(PeerViolation)
  /// A new process took its worker id (a restart seen before the old connection closed).
  case replaced(host: String, pid: Int)
  /// Its key was revoked from the allow-list.
  case revoked

  /// The trials it held go back without counting a loss: it returned them itself.
  public var handsBackTrials: Bool {
    if case .bye = self { return true }
    return false
  }

  /// How the journal's `left_reason` and the logs say it (the texts earlier Orbits wrote).
  public var description: String {
    switch self {
    case .bye(let reason): "left: \(reason)"
    case .silent(let seconds, let liveness):
      "silent for \(Int(seconds)) s (liveness \(Int(liveness)) s): declared dead"
    case .connectionClosed: "connection closed"
    case .dropped(let violation): "dropped for \(violation)"
    case .replaced(let host, let pid): "replaced by a new worker with its id (\(host), pid \(pid))"
    case .revoked: "its key was revoked from the allow-list"
    }
  }
}

/// Why a peer was dropped for misbehaving.
public enum PeerViolation: Sendable, Equatable, CustomStringConvertible {
  /// More than `limit` messages in one second.
  case flooding(limit: Int)
  /// Its `PeerPolicy.strikesBeforeDrop`-th strike; `last` says what that one was.
  case protocolViolations(last: String)

  public var description: String {
    switch self {
    case .flooding(let limit): "flooding (over \(limit) messages/s)"
    case .protocolViolations(let last): "protocol violations: \(last)"
    }
  }
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
