import Testing

@testable import OrbitCoordinator

/// A pretend Slurm around the planner, on virtual time: `sbatch` hands out ids, jobs start when
/// told to, their workers connect when told to; nothing runs.
struct PoolDriver {
  var planner: SlurmPoolPlanner
  var now = 0.0
  var nextID = 100
  /// The pretend queue: job id → state.
  var queue: [String: SlurmQueueState] = [:]
  var workers: [String: WorkerLoad] = [:]
  var submitted: [String] = []
  var cancelled: [String] = []
  var logs: [String] = []
  var records: [SlurmPoolJob] = []
  var sbatchFails: String?

  init(_ configure: (inout SlurmPoolSettings) -> Void = { _ in }, maxJobs: Int = 3) {
    var settings = SlurmPoolSettings(maxJobs: maxJobs)
    configure(&settings)
    planner = SlurmPoolPlanner(settings: settings)
  }

  mutating func perform(_ actions: [SlurmPoolAction]) {
    for action in actions {
      switch action {
      case .submit(let count):
        if let message = sbatchFails {
          perform(planner.handle(.submitFailed(message, now: now)))
          continue
        }
        var ids: [String] = []
        for _ in 0..<count {
          let id = String(nextID)
          nextID += 1
          ids.append(id)
          queue[id] = .pending
        }
        submitted += ids
        perform(planner.handle(.submitted(ids, now: now)))
      case .cancel(let ids, _):
        cancelled += ids
        for id in ids {
          queue[id] = nil
          workers["slurm-\(id)"] = nil
        }
      case .record(let job):
        records.append(job)
      case .log(_, let text):
        logs.append(text)
      }
    }
    // Never more than MAX in the queue, pending ones included.
    #expect(queue.count <= planner.settings.maxJobs)
    #expect(planner.activeCount <= planner.settings.maxJobs)
  }

  /// One round of the pool's loop at `now`, with an `squeue` snapshot.
  mutating func step(queued: Int, squeue: Bool = true, advance: Double = 2) {
    now += advance
    perform(
      planner.handle(
        .observe(now: now, queued: queued, workers: workers, queue: squeue ? queue : nil)))
  }

  /// Job `id` starts in Slurm and its worker connects with `slots`.
  mutating func start(_ id: String, slots: Int, busy: Int = 0, connect: Bool = true) {
    queue[id] = .running
    if connect { workers["slurm-\(id)"] = WorkerLoad(slots: slots, busy: busy) }
  }

  /// Job `id` dies: out of the queue, its worker gone.
  mutating func kill(_ id: String) {
    queue[id] = nil
    workers["slurm-\(id)"] = nil
  }

  func state(_ id: String) -> SlurmJobState? { planner.jobs[id]?.state }
}

@Suite struct SlurmPoolPlannerTests {
  @Test func scalesUpInBatchesToMax() {
    var d = PoolDriver(
      {
        $0.batchSize = 2
        $0.submitIntervalSeconds = 5
      }, maxJobs: 5)
    d.step(queued: 100)
    #expect(d.submitted == ["100", "101"])
    // Within the interval: no second round.
    d.step(queued: 100, advance: 1)
    #expect(d.submitted.count == 2)
    d.step(queued: 100, advance: 5)
    #expect(d.submitted.count == 4)
    d.step(queued: 100, advance: 5)
    #expect(d.submitted.count == 5)
    for _ in 0..<5 { d.step(queued: 100, advance: 5) }
    #expect(d.submitted.count == 5)
    #expect(d.planner.activeCount == 5)
  }

  @Test func noSubmissionWhenFreeSlotsSuffice() {
    var d = PoolDriver()
    d.workers["elsewhere"] = WorkerLoad(slots: 8, busy: 2)
    d.step(queued: 6)
    #expect(d.submitted.isEmpty)
    d.step(queued: 7)
    #expect(d.submitted == ["100"])
  }

  @Test func pendingJobsCountAsCapacity() {
    var d = PoolDriver(
      {
        $0.defaultSlotsPerJob = 4
        $0.submitIntervalSeconds = 0
      }, maxJobs: 10)
    d.step(queued: 8)
    #expect(d.submitted.count == 2)
    // Still pending: the 8 queued trials are covered; nothing more.
    for _ in 0..<10 { d.step(queued: 8) }
    #expect(d.submitted.count == 2)
  }

  @Test func slotsPerJobLearnedFromConnectedWorkers() {
    var d = PoolDriver(
      {
        $0.submitIntervalSeconds = 0
        $0.batchSize = 10
      }, maxJobs: 10)
    d.step(queued: 1)
    #expect(d.submitted == ["100"])
    d.start("100", slots: 4, busy: 1)
    d.step(queued: 12)
    // 3 free slots on job 100's worker; 9 short at 4 slots a job: 3 more.
    #expect(d.submitted.count == 4)
  }

  @Test func cancelsIdleJobsWhenTheQueueIsEmpty() {
    var d = PoolDriver({
      $0.idleGraceSeconds = 10
      $0.batchSize = 3
    })
    d.step(queued: 10)
    #expect(d.submitted.count == 3)
    d.start("100", slots: 2, busy: 2)
    d.start("101", slots: 2, busy: 2)
    d.step(queued: 6)
    // The queue empties: 102 (still pending) goes at once; 101 is idle, 100 still busy.
    d.workers["slurm-101"]?.busy = 0
    d.step(queued: 0)
    #expect(d.cancelled == ["102"])
    d.step(queued: 0, advance: 5)
    #expect(d.cancelled == ["102"])
    d.step(queued: 0, advance: 6)
    #expect(d.cancelled == ["102", "101"])
    #expect(d.planner.jobs["101"]?.reason.hasPrefix("cancelled: idle") == true)
    // 100 still runs a trial: kept.
    d.step(queued: 0, advance: 60)
    #expect(d.state("100") == .connected)
    #expect(d.state("101") == .ended && d.state("102") == .ended)
  }

  @Test func resubmitsAfterAJobDies() {
    var d = PoolDriver({ $0.submitIntervalSeconds = 1 }, maxJobs: 2)
    d.step(queued: 10)
    d.start("100", slots: 2, busy: 2)
    d.start("101", slots: 2, busy: 2)
    d.step(queued: 6)
    #expect(d.submitted.count == 2)
    d.kill("101")
    d.step(queued: 8, advance: 11)
    #expect(d.state("101") == .ended)
    #expect(d.planner.jobs["101"]?.reason == "ended; its worker left")
    #expect(d.submitted == ["100", "101", "102"])
  }

  @Test func replacesAJobWhoseWorkerNeverConnects() {
    var d = PoolDriver(
      {
        $0.connectGraceSeconds = 60
        $0.submitIntervalSeconds = 1
      }, maxJobs: 1)
    d.step(queued: 5)
    d.start("100", slots: 2, connect: false)
    d.step(queued: 5)
    #expect(d.state("100") == .running)
    d.step(queued: 5, advance: 59)
    #expect(d.cancelled.isEmpty)
    d.step(queued: 5, advance: 2)
    #expect(d.cancelled == ["100"])
    // Out of the queue: a new one takes its place.
    d.step(queued: 5, advance: 2)
    #expect(d.submitted == ["100", "101"])
    #expect(d.logs.contains { $0.contains("without its worker connected") })
  }

  @Test func aJustSubmittedJobMissingFromSqueueIsNotGone() {
    var d = PoolDriver({ $0.queueLagSeconds = 10 })
    d.step(queued: 5)
    d.queue["100"] = nil  // slurmctld does not list it yet
    d.step(queued: 5, advance: 3)
    #expect(d.state("100") == .pending)
    d.step(queued: 5, advance: 8)
    #expect(d.state("100") == .ended)
    #expect(d.planner.jobs["100"]?.reason == "left the queue without starting")
  }

  @Test func backsOffAfterJobsFailInARow() {
    var d = PoolDriver(
      {
        $0.failuresBeforeBackoff = 2
        $0.backoffSeconds = 100
        $0.submitIntervalSeconds = 1
      },
      maxJobs: 1)
    d.step(queued: 5)
    d.kill("100")
    d.step(queued: 5, advance: 11)
    #expect(d.submitted == ["100", "101"])
    d.kill("101")
    d.step(queued: 5, advance: 11)
    // Second failure in a row: wait 100 s.
    #expect(d.submitted.count == 2)
    #expect(d.logs.last?.contains("next submission in 100 s") == true)
    d.step(queued: 5, advance: 50)
    #expect(d.submitted.count == 2)
    d.step(queued: 5, advance: 51)
    #expect(d.submitted.count == 3)
  }

  @Test func sbatchFailureKeepsTheSweepGoingAndRetriesLater() {
    var d = PoolDriver({ $0.backoffSeconds = 30 })
    d.sbatchFails = "sbatch: error: invalid partition specified: gpu"
    d.step(queued: 5)
    #expect(d.submitted.isEmpty)
    #expect(d.logs.last?.contains("invalid partition specified") == true)
    #expect(d.planner.inFlight == 0)
    d.sbatchFails = nil
    d.step(queued: 5, advance: 10)
    #expect(d.submitted.isEmpty)
    d.step(queued: 5, advance: 21)
    #expect(d.submitted.count == 3)
  }

  @Test func finishCancelsWaitingJobsAtOnceAndConnectedOnesAfterTheGrace() {
    var d = PoolDriver({ $0.finishGraceSeconds = 15 })
    d.step(queued: 10)
    d.start("100", slots: 2, busy: 1)
    d.step(queued: 9)
    d.perform(d.planner.handle(.finish(now: d.now)))
    #expect(d.cancelled == ["101", "102"])
    d.step(queued: 9, advance: 5)
    #expect(d.cancelled == ["101", "102"])
    #expect(d.submitted.count == 3)
    d.step(queued: 9, advance: 11)
    #expect(d.cancelled == ["101", "102", "100"])
    d.step(queued: 9, advance: 11)
    #expect(d.planner.isDrained)
  }

  @Test func aWorkerThatLeavesOnItsOwnEndsItsJob() {
    var d = PoolDriver()
    d.step(queued: 1)
    d.start("100", slots: 1, busy: 1)
    d.step(queued: 0)
    // The coordinator ends: its worker is no longer connected, its job still ending.
    d.workers = [:]
    d.step(queued: 0)
    d.perform(d.planner.handle(.finish(now: d.now)))
    d.step(queued: 0, advance: 5)
    #expect(d.cancelled.isEmpty)
    d.kill("100")  // "sweep over": the worker exits, its job completes
    d.step(queued: 0, advance: 6)
    #expect(d.state("100") == .ended)
    #expect(d.cancelled.isEmpty)
    #expect(d.planner.isDrained)
  }

  @Test func workerIDsNameTheirJob() {
    #expect(SlurmPoolPlanner.jobID(ofWorker: "slurm-123") == "123")
    #expect(SlurmPoolPlanner.jobID(ofWorker: "worker/slurm-45") == "45")
    #expect(SlurmPoolPlanner.jobID(ofWorker: "node1-45-0") == nil)
    #expect(SlurmPoolPlanner.jobID(ofWorker: "slurm-") == nil)
    #expect(SlurmPoolPlanner.jobID(ofWorker: "slurm-12x") == nil)
  }

  /// Random schedules: jobs start, connect, die, go idle, the queue moves; the pool never
  /// exceeds MAX (checked after every step by the driver), and when the sweep ends every job
  /// leaves the queue.
  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
  func seededRandomSchedule(seed: UInt64) {
    var rng = SplitMix(seed: seed)
    let max = Int(rng.next() % 6) + 1
    var d = PoolDriver(
      {
        $0.submitIntervalSeconds = 3
        $0.connectGraceSeconds = 40
        $0.backoffSeconds = 20
      },
      maxJobs: max)
    var queued = Int(rng.next() % 60) + 1
    for _ in 0..<400 {
      for id in d.queue.keys.sorted() {
        switch rng.next() % 20 {
        case 0, 1, 2: if d.queue[id] == .pending { d.start(id, slots: Int(rng.next() % 4) + 1) }
        case 3: d.kill(id)
        case 4: d.start(id, slots: 2, connect: false)
        default: break
        }
      }
      for id in d.workers.keys.sorted() {
        let slots = d.workers[id]!.slots
        d.workers[id]!.busy = min(slots, Int(rng.next() % UInt64(slots + 1)))
      }
      queued = Swift.max(0, queued + Int(rng.next() % 5) - 3)
      d.step(queued: queued, squeue: rng.next() % 3 != 0, advance: Double(rng.next() % 5))
      for job in d.planner.jobs.values where job.state == .ended {
        #expect(d.queue[job.id] == nil, "job \(job.id) ended but is in the queue")
      }
    }
    d.perform(d.planner.handle(.finish(now: d.now)))
    for _ in 0..<30 {
      // At the end the connected workers leave by themselves, or are cancelled.
      if rng.next() % 2 == 0, let id = d.queue.keys.sorted().first { d.kill(id) }
      d.step(queued: queued, advance: 2)
    }
    #expect(d.queue.isEmpty)
    #expect(d.planner.isDrained)
    #expect(d.planner.submittedCount == d.submitted.count)
  }
}

/// A tiny deterministic generator (SplitMix64) for the schedules.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
