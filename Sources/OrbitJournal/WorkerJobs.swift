import GRDB

/// A Slurm worker job the coordinator submitted (`--slurm-workers`), as the journal keeps it.
public struct WorkerJobRecord: Sendable, Equatable {
  public var jobID: String
  public var sweepID: String
  /// `pending`, `running`, `connected`, `cancelling` or `ended`.
  public var state: String
  public var submittedAt: Double
  public var startedAt: Double?
  public var connectedAt: Double?
  public var endedAt: Double?
  public var reason: String
  public var workerID: String?

  public init(
    jobID: String, sweepID: String, state: String, submittedAt: Double, startedAt: Double? = nil,
    connectedAt: Double? = nil, endedAt: Double? = nil, reason: String = "",
    workerID: String? = nil
  ) {
    self.jobID = jobID
    self.sweepID = sweepID
    self.state = state
    self.submittedAt = submittedAt
    self.startedAt = startedAt
    self.connectedAt = connectedAt
    self.endedAt = endedAt
    self.reason = reason
    self.workerID = workerID
  }

  init(row: Row) {
    jobID = row["job_id"]
    sweepID = row["sweep_id"]
    state = row["state"]
    submittedAt = row["submitted_at"]
    startedAt = row["started_at"]
    connectedAt = row["connected_at"]
    endedAt = row["ended_at"]
    reason = row["reason"]
    workerID = row["worker_id"]
  }
}

extension Journal {
  /// Records a worker job's current state (insert, or update the row of its id).
  ///
  /// Written by the Slurm pool's own thread on its own connection: a small row every few
  /// seconds at most, which the 10 s busy timeout serialises with the coordinator's writes.
  public func recordWorkerJob(_ job: WorkerJobRecord) throws(JournalError) {
    try write("worker job \(job.jobID)") { db in
      try db.execute(
        sql: """
          INSERT INTO worker_jobs (job_id, sweep_id, state, submitted_at, started_at,
            connected_at, ended_at, reason, worker_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(job_id) DO UPDATE SET state = excluded.state,
            started_at = excluded.started_at, connected_at = excluded.connected_at,
            ended_at = excluded.ended_at, reason = excluded.reason, worker_id = excluded.worker_id
          """,
        arguments: [
          job.jobID, job.sweepID, job.state, job.submittedAt, job.startedAt, job.connectedAt,
          job.endedAt, job.reason, job.workerID,
        ])
    }
  }

  /// Every worker job recorded, in submission order (empty for a journal older than the table).
  public func workerJobs() throws(JournalError) -> [WorkerJobRecord] {
    try read("worker jobs") { db in
      guard try db.tableExists("worker_jobs") else { return [] }
      return try Row.fetchAll(db, sql: "SELECT * FROM worker_jobs ORDER BY submitted_at, job_id")
        .map(WorkerJobRecord.init)
    }
  }
}
