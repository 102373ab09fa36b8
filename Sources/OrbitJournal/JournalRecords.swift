import GRDB
import OrbitSpec

/// One start of a spec in a run directory.
public struct SweepRecord: Sendable {
  public var id: String
  public var name: String
  public var specPath: String
  public var specText: String
  public var fingerprint: String
  public var trialCount: Int
  public var startedAt: Double
  public var finishedAt: Double?
  public var state: String

  init(row: Row) {
    id = row["id"]
    name = row["name"]
    specPath = row["spec_path"]
    specText = row["spec_text"]
    fingerprint = row["fingerprint"]
    trialCount = row["trial_count"]
    startedAt = row["started_at"]
    finishedAt = row["finished_at"]
    state = row["state"]
  }
}

/// One point of a trial's learning curve (PROGRESS), as recorded.
public struct ProgressPoint: Sendable {
  public var trialID: TrialID
  public var step: Int
  public var metricsJSON: String

  public init(trialID: TrialID, step: Int, metricsJSON: String) {
    self.trialID = trialID
    self.step = step
    self.metricsJSON = metricsJSON
  }
}

/// A recorded trial result, as read back for status, export and analysis.
public struct TrialRecord: Sendable {
  public var id: TrialID
  public var index: Int
  public var paramsJSON: String
  public var status: TrialStatus
  public var attempt: Int
  public var worker: String
  public var startedAt: Double
  public var finishedAt: Double
  public var wallSeconds: Double
  public var metricsJSON: String
  public var stderrTail: String
  /// The last 4 KiB of a command trial's stdout.
  public var stdoutTail: String = ""
  public var exitCode: Int?

  /// The columns `init(row:)` reads by position, in order: by-name lookups cost a lowercased
  /// string per access, which dominates exporting a large sweep.
  static let selection =
    "id, idx, params, status, attempt, worker, started_at, finished_at, wall_seconds, metrics, stderr_tail, exit_code, stdout_tail"

  /// Throws `corrupt` for a row Orbit never writes (an id that is not 64 hex digits, an unknown
  /// status): a journal edited by hand, or by a newer Orbit.
  init(row: Row) throws(JournalError) {
    id = try Self.id(hex: row[0])
    index = row[1]
    paramsJSON = row[2]
    let text: String = row[3]
    guard let status = TrialStatus(rawValue: text) else {
      throw JournalError(
        .corrupt,
        "trial \(id.short) has status '\(text)', which this Orbit does not know: is the journal from a newer version?"
      )
    }
    self.status = status
    attempt = row[4]
    worker = row[5]
    startedAt = row[6]
    finishedAt = row[7]
    wallSeconds = row[8]
    metricsJSON = row[9]
    stderrTail = row[10]
    exitCode = row[11]
    stdoutTail = row[12]
  }

  /// A trial id as the journal stores it (64 hex digits).
  static func id(hex: String) throws(JournalError) -> TrialID {
    guard let id = TrialID(hex: hex) else {
      throw JournalError(
        .corrupt,
        "the journal holds a trial id '\(hex.prefix(80))' that is not 64 hex digits: it was not written by Orbit"
      )
    }
    return id
  }

  public init(
    id: TrialID, index: Int, paramsJSON: String, status: TrialStatus, attempt: Int,
    worker: String, startedAt: Double, finishedAt: Double, wallSeconds: Double,
    metricsJSON: String, stderrTail: String, exitCode: Int?
  ) {
    self.id = id
    self.index = index
    self.paramsJSON = paramsJSON
    self.status = status
    self.attempt = attempt
    self.worker = worker
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.wallSeconds = wallSeconds
    self.metricsJSON = metricsJSON
    self.stderrTail = stderrTail
    self.exitCode = exitCode
  }
}

public struct WorkerRecord: Sendable {
  public var id: String
  public var host: String
  public var pid: Int
  public var slots: Int
  /// Each GPU slot's devices (CUDA_VISIBLE_DEVICES ids), empty without --gpus.
  public var gpus: [String]
  /// Trials it held at the coordinator's last live snapshot (busy slots).
  public var busy: Int
  public var joinedAt: Double
  public var leftAt: Double?
  public var leftReason: String?

  init(row: Row) {
    id = row["id"]
    host = row["host"]
    pid = row["pid"]
    slots = row["slots"]
    let gpuText: String = row["gpus"] ?? ""
    gpus = gpuText.isEmpty ? [] : gpuText.split(separator: ";").map(String.init)
    busy = row["busy"] ?? 0
    joinedAt = row["joined_at"]
    leftAt = row["left_at"]
    leftReason = row["left_reason"]
  }
}

public struct EventRecord: Sendable {
  public var seq: Int
  public var at: Double
  public var kind: String
  public var trialID: String?
  public var workerID: String?
  public var detail: String

  init(row: Row) {
    seq = row["seq"]
    at = row["at"]
    kind = row["kind"]
    trialID = row["trial_id"]
    workerID = row["worker_id"]
    detail = row["detail"]
  }
}

public struct LiveRecord: Sendable {
  public var updatedAt: Double
  public var running: Int
  public var queued: Int
  public var workers: Int
  /// The loss judge's counts as of this snapshot: started runs that ended, and of them those
  /// that died with their worker.
  public var endedRuns: Int
  public var deaths: Int

  init(row: Row) {
    updatedAt = row["updated_at"]
    running = row["running"]
    queued = row["queued"]
    workers = row["workers"]
    endedRuns = row["ended_runs"] ?? 0
    deaths = row["deaths"] ?? 0
  }
}
