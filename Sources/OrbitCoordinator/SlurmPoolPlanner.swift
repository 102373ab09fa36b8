/// The adaptive Slurm worker pool's decisions, with no processes and no clock of its own: fed
/// what the coordinator and `squeue` say, it answers with jobs to submit and jobs to cancel
/// (`--slurm-workers MAX`). `SlurmPool` runs it on a thread of its own, off the dispatch loop.
///
/// Times are seconds on a monotonic clock (tests feed virtual time).
public struct SlurmPoolSettings: Sendable, Equatable {
  /// At most this many worker jobs in the queue at once, pending ones included.
  public var maxJobs: Int
  /// Jobs per submission round: a round of `sbatch` calls is a burst on slurmctld, and pending
  /// jobs count as capacity, so the next round sees what the first brought.
  public var batchSize = 4
  /// Seconds between submission rounds (the batch throttle).
  public var submitIntervalSeconds = 5.0
  /// Slots a worker job is expected to bring before any has connected (then: the mean of those
  /// that did). 1 errs towards submitting more, bounded by `maxJobs`.
  public var defaultSlotsPerJob = 1
  /// A running job whose worker has not connected for this long (it cannot reach the
  /// coordinator, or hangs in a prologue) is cancelled and replaced. Seconds; the worker's own
  /// reconnect backoff caps at 32 s, so this leaves it several tries.
  public var connectGraceSeconds = 180.0
  /// A connected worker idle this long while no trial is queued is cancelled: its allocation is
  /// the user's budget. Seconds; long enough that a trial re-queued by a lost worker still finds it.
  public var idleGraceSeconds = 30.0
  /// A job missing from an `squeue` taken this long after its submission has left the queue;
  /// sooner, slurmctld may not list it yet. Seconds.
  public var queueLagSeconds = 10.0
  /// Jobs ending without ever connecting, in a row, before the pool backs off: a script that
  /// fails at once (a bad path, a bad `--slurm-args`) must not be resubmitted in a tight loop.
  public var failuresBeforeBackoff = 3
  /// The first back-off after failures, doubling up to `maxBackoffSeconds`. Seconds.
  public var backoffSeconds = 60.0
  public var maxBackoffSeconds = 600.0
  /// After the sweep ends, seconds that connected workers get to leave on their own ("sweep
  /// over", exit 69) before their jobs are cancelled too.
  public var finishGraceSeconds = 15.0

  public init(maxJobs: Int) { self.maxJobs = maxJobs }
}

/// Where a worker job stands, as the pool knows it.
public enum SlurmJobState: String, Sendable, Equatable {
  /// Submitted; not yet seen in `squeue`, or seen pending.
  case pending
  /// Running in Slurm; its worker has not connected (yet, or any more).
  case running
  /// Its worker is connected to the coordinator.
  case connected
  /// `scancel` sent; waiting for it to leave the queue.
  case cancelling
  /// Gone from the queue.
  case ended
}

/// One worker job: what the journal's `worker_jobs` table records.
public struct SlurmPoolJob: Sendable, Equatable {
  public var id: String
  public var state: SlurmJobState
  public var submittedAt: Double
  public var startedAt: Double?
  public var connectedAt: Double?
  public var endedAt: Double?
  /// Why it is in its state: why cancelled, how it ended.
  public var reason: String = ""
  /// The worker id it connected as (`slurm-JOBID`, or `KEYNAME/slurm-JOBID` under CurveZMQ).
  public var workerID: String?
  /// Since when it is running without a connected worker, or idle with nothing queued.
  var unconnectedSince: Double?
  var idleSince: Double?
  var everConnected: Bool { connectedAt != nil }
}

/// A job's line in `squeue`, reduced to what the pool needs.
public enum SlurmQueueState: Sendable, Equatable {
  case pending
  case running
  /// Any other state still in the queue (COMPLETING, SUSPENDED, CONFIGURING…): not gone.
  case other(String)
}

/// A connected worker's slots and the trials it holds.
public struct WorkerLoad: Sendable, Equatable {
  public var slots: Int
  public var busy: Int
  public init(slots: Int, busy: Int) {
    self.slots = slots
    self.busy = busy
  }
}

public enum SlurmPoolEvent: Sendable {
  /// What the coordinator says now: trials waiting, connected workers (every worker, the
  /// pool's and others: all free slots count), and, when one was taken, `squeue`'s listing of
  /// the pool's jobs by id.
  case observe(
    now: Double, queued: Int, workers: [String: WorkerLoad], queue: [String: SlurmQueueState]?)
  /// `sbatch` gave these job ids for a `.submit`.
  case submitted([String], now: Double)
  /// `sbatch` failed for a `.submit` (not found, refused the arguments): its message.
  case submitFailed(String, now: Double)
  /// The sweep is over, or stopping: no more submissions; every job leaves the queue.
  case finish(now: Double)
}

public enum SlurmPoolAction: Sendable, Equatable {
  case submit(count: Int)
  case cancel([String], reason: String)
  /// A job changed: record it (the journal's `worker_jobs`).
  case record(SlurmPoolJob)
  case log(LogLevel, String)
}

public struct SlurmPoolPlanner: Sendable {
  public let settings: SlurmPoolSettings
  public private(set) var jobs: [String: SlurmPoolJob] = [:]
  /// Jobs asked of `sbatch` and not yet answered.
  public private(set) var inFlight = 0
  public private(set) var submittedCount = 0
  public private(set) var cancelledCount = 0
  public private(set) var finishing = false
  private var finishDeadline = Double.infinity
  private var nextSubmitAt = -Double.infinity
  private var failuresInARow = 0
  private var backoff: Double

  public init(settings: SlurmPoolSettings) {
    self.settings = settings
    backoff = settings.backoffSeconds
  }

  /// Jobs in the queue or on their way to it: what `maxJobs` bounds.
  public var activeCount: Int { jobs.values.filter { $0.state != .ended }.count + inFlight }
  /// Whether every job has left the queue and none is being submitted.
  public var isDrained: Bool { activeCount == 0 }

  /// The job id in a worker id the pool gave (`slurm-JOBID`, perhaps after `KEYNAME/`).
  public static func jobID(ofWorker workerID: String) -> String? {
    let last = workerID.split(separator: "/").last.map(String.init) ?? workerID
    guard last.hasPrefix("slurm-") else { return nil }
    let id = last.dropFirst("slurm-".count)
    return !id.isEmpty && id.allSatisfy(\.isNumber) ? String(id) : nil
  }

  public mutating func handle(_ event: SlurmPoolEvent) -> [SlurmPoolAction] {
    var actions: [SlurmPoolAction] = []
    switch event {
    case .observe(let now, let queued, let workers, let queue):
      observe(now: now, queued: queued, workers: workers, queue: queue, into: &actions)
    case .submitted(let ids, let now):
      inFlight = 0
      for id in ids where jobs[id] == nil {
        let job = SlurmPoolJob(id: id, state: .pending, submittedAt: now)
        jobs[id] = job
        submittedCount += 1
        actions.append(.record(job))
      }
      if finishing {
        // Submitted while the sweep ended: out of the queue at once.
        cancel(ids, reason: "the sweep is over", now: now, into: &actions)
      }
    case .submitFailed(let message, let now):
      inFlight = 0
      noteFailure(now: now, into: &actions, why: "sbatch failed: \(message)")
    case .finish(let now):
      if !finishing {
        finishing = true
        finishDeadline = now + settings.finishGraceSeconds
        // Jobs whose worker never came go now; the others' workers hear "sweep over" and
        // leave by themselves within the grace (their jobs then end COMPLETED, not CANCELLED).
        let waiting = jobs.values.filter {
          $0.state == .pending || ($0.state == .running && !$0.everConnected)
        }.map(\.id).sorted()
        cancel(waiting, reason: "the sweep is over", now: now, into: &actions)
      }
    }
    return actions
  }

  private mutating func observe(
    now: Double, queued: Int, workers: [String: WorkerLoad], queue: [String: SlurmQueueState]?,
    into actions: inout [SlurmPoolAction]
  ) {
    // Which of the pool's jobs have a connected worker.
    var connected: [String: (workerID: String, load: WorkerLoad)] = [:]
    for (workerID, load) in workers {
      if let id = Self.jobID(ofWorker: workerID), jobs[id] != nil {
        connected[id] = (workerID, load)
      }
    }
    for id in jobs.keys.sorted() {
      guard var job = jobs[id], job.state != .ended else { continue }
      let before = job
      if let seen = connected[id] {
        if job.state != .connected && job.state != .cancelling { job.state = .connected }
        if job.connectedAt == nil {
          job.connectedAt = now
          failuresInARow = 0
          backoff = settings.backoffSeconds
        }
        if job.startedAt == nil { job.startedAt = now }
        job.workerID = seen.workerID
        job.unconnectedSince = nil
        job.idleSince = seen.load.busy == 0 && queued == 0 ? (job.idleSince ?? now) : nil
      } else if job.state == .connected {
        // Its worker left: the job may still end by itself, or hang.
        job.state = .running
        job.unconnectedSince = now
        job.idleSince = nil
      }
      if let queue {
        switch queue[id] {
        case .running?:
          if job.state == .pending {
            job.state = .running
            job.startedAt = job.startedAt ?? now
            job.unconnectedSince = now
          }
        case .pending?, .other?:
          break
        case nil:
          if now - job.submittedAt >= settings.queueLagSeconds && connected[id] == nil {
            job.state = .ended
            job.endedAt = now
            if before.state == .cancelling {
              // keeps the reason it was cancelled for
            } else if job.everConnected {
              job.reason = "ended; its worker left"
            } else {
              job.reason =
                before.state == .running
                ? "ended before its worker connected" : "left the queue without starting"
              noteFailure(now: now, into: &actions, why: "worker job \(id) \(job.reason)")
            }
          }
        }
      }
      jobs[id] = job
      if job != before { actions.append(.record(job)) }
    }

    // Jobs to cancel: waiting ones when nothing is queued, idle ones, ones whose worker never
    // came, and at the end whatever is left after the grace.
    var toCancel: [(String, String)] = []
    for job in jobs.values.sorted(by: { $0.id < $1.id }) {
      switch job.state {
      case .pending where queued == 0 && !finishing:
        toCancel.append((job.id, "no queued trials left for it"))
      case .running:
        if finishing {
          if now >= finishDeadline {
            toCancel.append(
              (
                job.id,
                "still in the queue \(Int(settings.finishGraceSeconds)) s after the sweep ended"
              ))
          }
        } else if let since = job.unconnectedSince, now - since >= settings.connectGraceSeconds {
          toCancel.append(
            (
              job.id,
              "running \(Int(now - since)) s without its worker connected (can it reach the coordinator? see its output)"
            ))
        } else if queued == 0 && !job.everConnected {
          toCancel.append((job.id, "no queued trials left for it"))
        }
      case .connected:
        if finishing && now >= finishDeadline {
          toCancel.append(
            (
              job.id,
              "still in the queue \(Int(settings.finishGraceSeconds)) s after the sweep ended"
            ))
        } else if let since = job.idleSince, now - since >= settings.idleGraceSeconds {
          toCancel.append((job.id, "idle \(Int(now - since)) s with no queued trials"))
        }
      default:
        break
      }
    }
    for (id, reason) in toCancel {
      if reason.hasPrefix("running"), jobs[id]?.everConnected == false {
        noteFailure(now: now, into: &actions, why: "worker job \(id) \(reason)")
      }
      cancel([id], reason: reason, now: now, into: &actions)
    }

    if finishing { return }
    planSubmission(now: now, queued: queued, workers: workers, into: &actions)
  }

  /// Submits while the queued trials exceed the free slots plus what jobs on their way bring.
  private mutating func planSubmission(
    now: Double, queued: Int, workers: [String: WorkerLoad], into actions: inout [SlurmPoolAction]
  ) {
    guard now >= nextSubmitAt, inFlight == 0, queued > 0 else { return }
    let free = workers.values.reduce(0) { $0 + max(0, $1.slots - $1.busy) }
    let poolSlots = jobs.values.filter { $0.state == .connected }.compactMap { job in
      job.workerID.flatMap { workers[$0]?.slots }
    }
    let perJob =
      poolSlots.isEmpty
      ? max(1, settings.defaultSlotsPerJob)
      : max(1, poolSlots.reduce(0, +) / poolSlots.count)
    let coming = jobs.values.filter {
      $0.state == .pending || ($0.state == .running && !$0.everConnected)
    }.count
    let shortfall = queued - free - coming * perJob
    guard shortfall > 0 else { return }
    let wanted = (shortfall + perJob - 1) / perJob
    let room = settings.maxJobs - activeCount
    let count = min(wanted, room, settings.batchSize)
    guard count > 0 else { return }
    inFlight = count
    nextSubmitAt = now + settings.submitIntervalSeconds
    actions.append(.submit(count: count))
  }

  private mutating func cancel(
    _ ids: [String], reason: String, now: Double, into actions: inout [SlurmPoolAction]
  ) {
    var sent: [String] = []
    for id in ids {
      guard var job = jobs[id], job.state != .ended, job.state != .cancelling else { continue }
      job.state = .cancelling
      job.reason = "cancelled: \(reason)"
      jobs[id] = job
      cancelledCount += 1
      sent.append(id)
      actions.append(.record(job))
    }
    if !sent.isEmpty { actions.append(.cancel(sent, reason: reason)) }
  }

  /// A job that never brought a worker, or an `sbatch` that failed: after a few in a row the
  /// pool waits (doubling) before submitting again, and says why.
  private mutating func noteFailure(
    now: Double, into actions: inout [SlurmPoolAction], why: String
  ) {
    failuresInARow += 1
    if failuresInARow >= settings.failuresBeforeBackoff || why.hasPrefix("sbatch") {
      nextSubmitAt = max(nextSubmitAt, now + backoff)
      actions.append(
        .log(
          .warning,
          "\(why); the sweep goes on with the workers it has, next submission in \(Int(backoff)) s"
        ))
      backoff = min(settings.maxBackoffSeconds, backoff * 2)
    } else {
      actions.append(.log(.warning, why))
    }
  }
}
