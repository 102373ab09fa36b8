import OrbitJournal
import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitCoordinator

extension CoordinatorStateMachine {
  /// Feeds an input under stimulus 0: for tests that do not look at stimulus ids.
  mutating func handle(_ event: CoordinatorEvent) -> [CoordinatorAction] {
    handle(event, stimulus: StimulusID(0))
  }
}

/// Drives the state machine with events, as the I/O loop would, without sockets or files.
struct Driver {
  var machine: CoordinatorStateMachine
  var journal: [TrialID: TrialOutcome] = [:]
  var sent: [(PeerID, Message)] = []
  var left: [String] = []
  var finished = false
  /// The last stimulus id fed (the driver numbers its inputs, as the shell does).
  var lastStimulus: Int64 = 0

  init(
    trials: Int, finished: Set<String> = [], retries: Int = 0, lossLimit: Int = 5,
    runner: RunnerKind = .core, secret: [UInt8] = Array("secret".utf8),
    configure: (inout CoordinatorSettings) -> Void = { _ in }
  ) {
    var settings = CoordinatorSettings(
      requiredRunner: runner, sweepID: "s", specText: "", specFileName: "s.yaml")
    configure(&settings)
    settings.retries = retries
    settings.lossLimit = lossLimit
    settings.leaseSecret = secret
    let plan = TrialPlan(count: trials) {
      PlannedTrial(index: $0, id: "t\($0)", paramsJSON: #"{"i":\#($0)}"#)
    }
    let recorded = finished.map { (id: TrialID(canonicalJSON: $0), index: Int($0.dropFirst())!) }
    machine = CoordinatorStateMachine(
      settings: settings, plan: plan, resumed: ResumeSet(recorded: recorded, plan: plan))
  }

  /// Feeds an event, then performs persists as the loop does (first result wins).
  mutating func feed(_ event: CoordinatorEvent) {
    var actions = handle(event)
    // After every event, the tables must be consistent (dask's validate_state).
    #expect(machine.invariantViolations() == [])
    while !actions.isEmpty {
      var next: [CoordinatorAction] = []
      for action in actions {
        switch action {
        case .send(let p, let m): sent.append((p, m))
        case .persist(let entries):
          let inserted = entries.map { e -> Bool in
            if journal[e.outcome.trialID] != nil { return false }
            journal[e.outcome.trialID] = e.outcome
            return true
          }
          for e in entries {
            #expect(e.index >= 0 && e.paramsJSON != "{}", "a journal row without its trial")
          }
          next += handle(.persisted(entries, inserted: inserted, now: 0))
          #expect(machine.invariantViolations() == [])
        case .workerLeft(let id, _, _, _): left.append(id)
        case .finished: finished = true
        default: break
        }
      }
      actions = next
    }
  }

  /// Feeds one input under the next stimulus id.
  mutating func handle(_ event: CoordinatorEvent) -> [CoordinatorAction] {
    lastStimulus += 1
    return machine.handle(event, stimulus: StimulusID(lastStimulus))
  }

  mutating func hello(
    _ name: String, slots: Int = 2, runners: [RunnerKind] = [.core], now: Double = 0
  ) {
    feed(
      .received(
        PeerID(Array(name.utf8)),
        .hello(
          Hello(
            workerID: name, host: "h", pid: 1, slots: slots, runners: runners, orbitVersion: "t")),
        now: now))
  }

  mutating func send(_ name: String, _ message: Message, now: Double = 0) {
    feed(.received(PeerID(Array(name.utf8)), message, now: now))
  }

  /// Tasks sent to a peer since the last call.
  mutating func takeTasks(_ name: String) -> [TaskAssignment] {
    let peer = PeerID(Array(name.utf8))
    var tasks: [TaskAssignment] = []
    sent.removeAll { p, m in
      guard p == peer, case .task(let t) = m else { return false }
      tasks += t
      return true
    }
    return tasks
  }

  func messages(to name: String) -> [Message] {
    sent.filter { $0.0 == PeerID(Array(name.utf8)) }.map(\.1)
  }
}

func ok(_ t: TaskAssignment) -> ResultReport {
  ResultReport(
    outcome: TrialOutcome(trialID: t.trialID, index: t.index, attempt: t.attempt, status: .ok),
    leaseToken: t.leaseToken)
}

@Suite("Coordinator dispatch logic, without sockets")
struct CoordinatorStateMachineTests {
  @Test func welcomesThenNeverSendsMoreThanTheCreditsGranted() {
    var d = Driver(trials: 10)
    d.hello("w1", slots: 3)
    #expect(d.messages(to: "w1").contains { if case .welcome = $0 { true } else { false } })
    #expect(d.takeTasks("w1").isEmpty)  // no credits yet
    d.send("w1", .ready(credits: 3))
    let tasks = d.takeTasks("w1")
    #expect(tasks.map(\.index) == [0, 1, 2])
    #expect(tasks.allSatisfy { $0.attempt == 1 })
    d.send("w1", .ready(credits: 0))
    #expect(d.takeTasks("w1").isEmpty)
  }

  @Test func resultsAreAcknowledgedOnlyAfterPersistingAndFreeCredits() {
    var d = Driver(trials: 4)
    d.hello("w1")
    d.send("w1", .ready(credits: 2))
    let first = d.takeTasks("w1")
    d.sent.removeAll()
    let actions = d.handle(
      .received(
        PeerID(Array("w1".utf8)), .result(sweepID: "s", results: first.map(ok), credits: 2), now: 0)
    )
    // The state machine asks to persist before any ACK is sent.
    let persistIndex = actions.firstIndex { if case .persist = $0 { true } else { false } }
    let ackIndex = actions.firstIndex { if case .send(_, .ack) = $0 { true } else { false } }
    #expect(persistIndex != nil)
    #expect(ackIndex == nil)
    // The 2 credits the results returned are spent at once, on the 2 trials left.
    let tasks = actions.flatMap { action -> [TaskAssignment] in
      if case .send(_, .task(let t)) = action { return t }
      return []
    }
    #expect(tasks.map(\.index) == [2, 3])
    let entries = actions.flatMap { action -> [ResultEntry] in
      if case .persist(let e) = action { return e }
      return []
    }
    #expect(entries.map(\.outcome.trialID) == first.map(\.trialID))
    // Once durable: the ACK names exactly those results, and nothing more is sent (no credit
    // is given twice).
    let after = d.handle(
      .persisted(entries, inserted: entries.map { _ in true }, now: 0))
    #expect(d.machine.invariantViolations() == [])
    let acked = after.flatMap { action -> [TrialID] in
      if case .send(_, .ack(let ids)) = action { return ids }
      return []
    }
    #expect(Set(acked) == Set(first.map(\.trialID)))
    #expect(!after.contains { if case .send(_, .task) = $0 { true } else { false } })
    // The last two results free their credits; with the plan done, the sweep finishes once
    // they are durable.
    let last = d.handle(
      .received(
        PeerID(Array("w1".utf8)), .result(sweepID: "s", results: tasks.map(ok), credits: 2),
        now: 1))
    let lastEntries = last.flatMap { action -> [ResultEntry] in
      if case .persist(let e) = action { return e }
      return []
    }
    let end = d.handle(
      .persisted(lastEntries, inserted: lastEntries.map { _ in true }, now: 1))
    #expect(end.contains { if case .finished = $0 { true } else { false } })
  }

  @Test func wholeSweepFinishesWithEveryTrialRecordedOnce() {
    var d = Driver(trials: 25)
    d.hello("w1")
    d.hello("w2")
    d.send("w1", .ready(credits: 4))
    d.send("w2", .ready(credits: 3))
    var rounds = 0
    while !d.finished && rounds < 100 {
      rounds += 1
      for w in ["w1", "w2"] {
        let tasks = d.takeTasks(w)
        if !tasks.isEmpty {
          d.send(w, .result(sweepID: "s", results: tasks.map(ok), credits: tasks.count))
        }
      }
    }
    #expect(d.finished)
    #expect(d.journal.count == 25)
    #expect(d.machine.counts[.ok] == 25)
    #expect(d.messages(to: "w1").contains(.bye(reason: "sweep complete")))
  }

  @Test func deadWorkerLosesItsLeasesToTheQueueWithTheAttemptIncremented() {
    var d = Driver(trials: 3)
    d.hello("w1", slots: 3, now: 0)
    d.send("w1", .ready(credits: 3), now: 0)
    #expect(d.takeTasks("w1").count == 3)
    d.hello("w2", slots: 3, now: 0)
    // w2 keeps talking; w1 goes silent past liveness (5 × 1 s).
    d.send("w2", .heartbeat, now: 5.5)
    d.feed(.tick(now: 5.5))
    #expect(d.left == ["w1"])
    d.send("w2", .ready(credits: 3), now: 5.6)
    let retried = d.takeTasks("w2")
    #expect(retried.map(\.index) == [0, 1, 2])
    #expect(retried.allSatisfy { $0.attempt == 2 })
  }

  @Test func aTrialThatKillsEveryWorkerIsLostOnceChanceCannotExplainItsDeaths() {
    // A one-trial sweep whose trial kills its worker each time: nothing else ran, so the
    // background death rate is the prior's 1 in 5, and 0.2⁹ × 1 trial < 10⁻⁶ first.
    var d = Driver(trials: 1, lossLimit: 5)
    var now = 0.0
    for n in 1...9 {
      #expect(d.journal.isEmpty, "recorded after \(n - 1) deaths")
      let name = "w\(n)"
      d.hello(name, now: now)
      d.send(name, .ready(credits: 1), now: now)
      let tasks = d.takeTasks(name)
      #expect(tasks.map(\.attempt) == [n])
      d.send(name, .started(trialIDs: tasks.map(\.trialID)), now: now)
      now += 1
      d.feed(.disconnected(PeerID(Array(name.utf8)), now: now))
    }
    #expect(d.journal["t0"]?.status == .lost)
    #expect(d.journal["t0"]?.attempt == 9)
    #expect(d.finished)
  }

  @Test func aTrialUnluckyUnderChurnIsNotLostButAPillStillIsAtFourTimesTheLimit() {
    // 40 trials on 2-slot workers, and every worker is killed after each trial pair starts:
    // half the sweep's runs die. Trial 0 dies 5 times as often as any other — by chance, given
    // that churn (0.5⁵ × 40 ≫ 10⁻⁶) — and must run again. Only at 4 × 5 deaths is it lost.
    var d = Driver(trials: 40, lossLimit: 5)
    var now = 0.0
    var worker = 0
    var deathsOfT0 = 0
    while d.journal["t0"] == nil && worker < 200 {
      worker += 1
      let name = "w\(worker)"
      d.hello(name, slots: 2, now: now)
      d.send(name, .ready(credits: 2), now: now)
      let tasks = d.takeTasks(name)
      d.send(name, .started(trialIDs: tasks.map(\.trialID)), now: now)
      now += 1
      if tasks.contains(where: { $0.index == 0 }) || worker % 2 == 0 {
        // Killed with what it runs (trial 0 always; others on every other worker).
        if tasks.contains(where: { $0.index == 0 }) { deathsOfT0 += 1 }
        d.feed(.disconnected(PeerID(Array(name.utf8)), now: now))
      } else {
        d.send(name, .result(sweepID: "s", results: tasks.map(ok), credits: 0), now: now)
        d.feed(.disconnected(PeerID(Array(name.utf8)), now: now))
      }
      if deathsOfT0 == 5 { #expect(d.journal["t0"] == nil, "lost after 5 deaths under churn") }
    }
    #expect(d.journal["t0"]?.status == .lost)
    #expect(deathsOfT0 <= 20)
    #expect(deathsOfT0 > 5)
  }

  @Test func aTrialThatNeverStartedOnItsDeadWorkerIsNotCountedLost() {
    var d = Driver(trials: 1, lossLimit: 1)
    d.hello("a", now: 0)
    d.send("a", .ready(credits: 1), now: 0)
    #expect(d.takeTasks("a").count == 1)
    d.feed(.disconnected(PeerID(Array("a".utf8)), now: 1))  // before any STARTED
    #expect(d.journal.isEmpty)
    d.hello("b", now: 1)
    d.send("b", .ready(credits: 1), now: 1)
    #expect(d.takeTasks("b").map(\.attempt) == [2])
  }

  @Test func lateResultFromADeclaredDeadWorkerStillCountsOnceFirstWins() {
    var d = Driver(trials: 1)
    d.hello("w1", now: 0)
    d.send("w1", .ready(credits: 1), now: 0)
    let task = d.takeTasks("w1")[0]
    d.hello("w2", now: 6)
    d.feed(.tick(now: 6))  // w1 dead, t0 re-queued
    d.send("w2", .ready(credits: 1), now: 6)
    let retry = d.takeTasks("w2")[0]
    #expect(retry.attempt == 2)
    // w1 comes back: unknown now, so it is told to introduce itself again.
    d.send("w1", .result(sweepID: "s", results: [ok(task)], credits: 1), now: 7)
    #expect(d.messages(to: "w1").last == .unknownPeer)
    d.hello("w1", now: 7)
    d.send("w1", .result(sweepID: "s", results: [ok(task)], credits: 1), now: 7)
    d.send("w2", .result(sweepID: "s", results: [ok(retry)], credits: 1), now: 8)
    #expect(d.journal["t0"]?.attempt == 1)
    #expect(d.machine.duplicateCount == 1)
    #expect(d.finished)
  }

  @Test func resumedSweepSkipsFinishedTrials() {
    var d = Driver(trials: 5, finished: ["t0", "t2", "t4"])
    d.hello("w1")
    d.send("w1", .ready(credits: 10))
    #expect(d.takeTasks("w1").map(\.index) == [1, 3])
  }

  @Test func resultsRecordedUnderAnEditedSpecAreSkippedById() {
    var settings = CoordinatorSettings(
      requiredRunner: .core, sweepID: "s", specText: "", specFileName: "s.yaml")
    let plan = TrialPlan(count: 4) { PlannedTrial(index: $0, id: "t\($0)", paramsJSON: "{}") }
    // t3 was index 0 in the old spec; t1 sits where it was.
    let resume = ResumeSet(recorded: [(id: "t3", index: 0), (id: "t1", index: 1)], plan: plan)
    var machine = CoordinatorStateMachine(settings: settings, plan: plan, resumed: resume)
    let peer = PeerID(Array("w".utf8))
    _ = machine.handle(
      .received(
        peer,
        .hello(
          Hello(workerID: "w", host: "h", pid: 1, slots: 4, runners: [.core], orbitVersion: "t")),
        now: 0))
    let actions = machine.handle(.received(peer, .ready(credits: 4), now: 0))
    let sent = actions.compactMap { action -> [Int]? in
      if case .send(_, .task(let tasks)) = action { return tasks.map(\.index) }
      return nil
    }
    #expect(sent == [[0, 2]])
  }

  @Test func resumeSetCostsABitPerTrial() {
    let plan = TrialPlan(count: 10_000_000) {
      PlannedTrial(index: $0, id: "t\($0)", paramsJSON: "{}")
    }
    var set = ResumeSet()
    set.insert(index: 9_999_999)
    #expect(set.contains(index: 9_999_999, id: "t9999999"))
    #expect(!set.contains(index: 9_999_998, id: "t9999998"))
    #expect(set.isEmpty(from: 10_000_000))
    // The last of 10^7 trials recorded: one bit a trial, 1.25 MB (not 10^7 ids, ~320 MB).
    #expect(set.bitmapBytes >= 10_000_000 / 8)
    #expect(set.bitmapBytes <= 10_000_000 / 8 + 4096, "\(set.bitmapBytes) bytes")
    // Built from the journal's rows, checked against the plan: the same bitmap.
    let recorded = (0..<1000).map { i in
      (id: plan.trial(at: i * 10_000).id, index: i * 10_000)
    }
    let resumed = ResumeSet(recorded: recorded, plan: plan)
    #expect(resumed.count == 1000)
    // Grown row by row, the array may hold up to twice its words (geometric growth).
    #expect(resumed.bitmapBytes <= 2 * (10_000_000 / 8) + 4096, "\(resumed.bitmapBytes) bytes")
    #expect(resumed.contains(index: 9_990_000, id: plan.trial(at: 9_990_000).id))
  }

  @Test func fullyFinishedSweepFinishesWithoutAnyWorker() {
    var d = Driver(trials: 3, finished: ["t0", "t1", "t2"])
    d.feed(.tick(now: 0))
    #expect(d.finished)
  }

  @Test func workerWithoutTheRequiredRunnerIsRejectedWithTheFix() {
    var d = Driver(trials: 1, runner: .command)
    d.hello("w1", runners: [.core])
    guard case .reject(let reason) = d.messages(to: "w1").first else {
      Issue.record("expected a REJECT")
      return
    }
    #expect(reason.contains("--allow-command"))
    #expect(d.machine.workerCount == 0)
  }

  @Test func stopDrainsWorkersAndFinishesOnceNothingIsInFlight() {
    var d = Driver(trials: 100)
    d.hello("w1")
    d.send("w1", .ready(credits: 2))
    let tasks = d.takeTasks("w1")
    d.feed(.stop(now: 1))
    #expect(d.messages(to: "w1").contains(.drain))
    #expect(!d.finished)
    d.send("w1", .result(sweepID: "s", results: tasks.map(ok), credits: 2), now: 2)
    #expect(d.takeTasks("w1").isEmpty)
    #expect(d.finished)
    #expect(d.journal.count == 2)
  }

  @Test func malformedInputIsCountedAndLoggedOncePerPeer() {
    var d = Driver(trials: 1)
    var logs = 0
    for _ in 0..<3 {
      let actions = d.handle(.malformed(PeerID([1]), ProtocolError(.badMagic, "x"), now: 0))
      logs += actions.filter { if case .log = $0 { true } else { false } }.count
    }
    #expect(d.machine.malformedCount == 3)
    #expect(logs == 1)
  }

  @Test func trialsHandedBackByALeavingWorkerAreNeitherLossesNorFailures() {
    // One retry, a loss limit of 1: a hand-back counting as either would end the trial.
    var d = Driver(trials: 1, retries: 1, lossLimit: 1)
    d.hello("a")
    d.send("a", .ready(credits: 1))
    let first = d.takeTasks("a")
    d.send("a", .started(trialIDs: first.map(\.trialID)))
    d.send("a", .bye(reason: "SIGTERM"))  // started there, then handed back
    #expect(d.journal.isEmpty)
    d.hello("b")
    d.send("b", .ready(credits: 1))
    let second = try! #require(d.takeTasks("b").first)
    #expect(second.attempt == 2)
    // Its first failure: `retries: 1` still runs it once more.
    let failed = TrialOutcome(
      trialID: second.trialID, index: second.index, attempt: second.attempt, status: .failed)
    d.send(
      "b",
      .result(
        sweepID: "s", results: [ResultReport(outcome: failed, leaseToken: second.leaseToken)],
        credits: 1))
    #expect(d.journal.isEmpty, "the hand-back consumed the retry")
    let third = d.takeTasks("b")
    #expect(third.map(\.attempt) == [3])
    // The second failure is the result.
    let again = TrialOutcome(
      trialID: third[0].trialID, index: 0, attempt: 3, status: .failed)
    d.send(
      "b",
      .result(
        sweepID: "s", results: [ResultReport(outcome: again, leaseToken: third[0].leaseToken)],
        credits: 1))
    #expect(d.journal["t0"]?.status == .failed)
    #expect(d.finished)
  }

  @Test func hyperbandCancelsALaggingTrialAndItsCancelledResultIsRecordedStopped() {
    var d = Driver(trials: 3) {
      $0.metric = Metric(name: "loss", goal: .minimize)
      $0.earlyTermination = EarlyTermination(minIter: 2, eta: 2)  // bands 2, 4, 8, …
    }
    d.hello("w", slots: 3)
    d.send("w", .ready(credits: 3))
    let tasks = d.takeTasks("w")
    d.send("w", .started(trialIDs: tasks.map(\.trialID)))
    for (task, losses) in zip(tasks, [[5.0, 4.0], [5.0, 3.0], [5.0, 9.0]]) {
      for (step, loss) in losses.enumerated() {
        d.send(
          "w",
          .progress(
            TrialProgress(
              trialID: task.trialID, index: task.index, attempt: task.attempt, step: step,
              metricsJSON: #"{"loss":\#(loss)}"#)))
      }
    }
    d.feed(.tick(now: 1))
    // At band 2 the threshold is the best half: 3 and 4 pass, 9 does not.
    let cancels = d.messages(to: "w").compactMap { m -> TrialID? in
      if case .cancel(let id) = m { id } else { nil }
    }
    #expect(cancels == [tasks[2].trialID])
    d.feed(.tick(now: 2))
    #expect(d.messages(to: "w").filter { if case .cancel = $0 { true } else { false } }.count == 1)
    let cancelled = TrialOutcome(
      trialID: tasks[2].trialID, index: tasks[2].index, attempt: 1, status: .cancelled)
    d.send(
      "w",
      .result(
        sweepID: "s", results: [ResultReport(outcome: cancelled, leaseToken: tasks[2].leaseToken)],
        credits: 1))
    #expect(d.journal[tasks[2].trialID]?.status == .stopped)
  }

  @Test func aTrialThatReportsDataPointsIsJudgedOnItsPoints() {
    // Three wsd trials: their trunks' curves (steps ≥ 0) say trial 0 is worst, their cooled-down
    // points (steps −1, −2) say trial 2 is. Rung 2 compares second points: trial 2 stops.
    var d = Driver(trials: 3) {
      $0.metric = Metric(name: "loss", goal: .minimize)
      $0.earlyTermination = EarlyTermination(minIter: 2, eta: 2)
    }
    d.hello("w", slots: 3)
    d.send("w", .ready(credits: 3))
    let tasks = d.takeTasks("w")
    d.send("w", .started(trialIDs: tasks.map(\.trialID)))
    func report(_ task: TaskAssignment, step: Int, _ loss: Double) {
      d.send(
        "w",
        .progress(
          TrialProgress(
            trialID: task.trialID, index: task.index, attempt: task.attempt, step: step,
            metricsJSON: #"{"loss":\#(loss)}"#)))
    }
    for (task, curve) in zip(tasks, [[9.0, 9.0, 9.0], [5.0, 4.0, 4.0], [5.0, 4.0, 3.0]]) {
      for (step, loss) in curve.enumerated() { report(task, step: step, loss) }
    }
    for (task, points) in zip(tasks, [[2.0, 1.0], [2.0, 1.5], [3.0, 2.5]]) {
      for (k, loss) in points.enumerated() { report(task, step: -(k + 1), loss) }
      report(task, step: 10, 0.1)  // a curve value after a point no longer counts
    }
    let state = d.machine.earlyStoppingState.histories
    #expect(state[tasks[0].trialID]?.values == [2.0, 1.0])
    #expect(state[tasks[2].trialID]?.onPoints == true)
    d.feed(.tick(now: 1))
    let cancels = d.messages(to: "w").compactMap { m -> TrialID? in
      if case .cancel(let id) = m { id } else { nil }
    }
    #expect(cancels == [tasks[2].trialID])
  }

  @Test func reachingTheTargetEndsDispatchAndTheSweep() {
    var d = Driver(trials: 10) { $0.metric = Metric(name: "acc", goal: .maximize, target: 0.9) }
    d.hello("w", slots: 2)
    d.send("w", .ready(credits: 2))
    let tasks = d.takeTasks("w")
    let hit = TrialOutcome(
      trialID: tasks[0].trialID, index: tasks[0].index, attempt: 1, status: .ok,
      metricsJSON: #"{"acc":0.95}"#)
    d.send(
      "w",
      .result(
        sweepID: "s", results: [ResultReport(outcome: hit, leaseToken: tasks[0].leaseToken)],
        credits: 1))
    #expect(d.takeTasks("w").isEmpty, "nothing more is dispatched")
    #expect(d.messages(to: "w").contains(.drain))
    #expect(!d.finished)
    d.send("w", .result(sweepID: "s", results: [ok(tasks[1])], credits: 1))
    #expect(d.finished)
    #expect(d.journal.count == 2)
  }

  @Test func leavingWorkerReturnsItsLeasesImmediately() {
    var d = Driver(trials: 2)
    d.hello("w1")
    d.send("w1", .ready(credits: 2))
    _ = d.takeTasks("w1")
    d.send("w1", .bye(reason: "SIGTERM"))
    #expect(d.left == ["w1"])
    d.hello("w2")
    d.send("w2", .ready(credits: 2))
    #expect(d.takeTasks("w2").map(\.attempt) == [2, 2])
  }
}

@Suite("Journal backpressure")
struct BackpressureTests {
  @Test func dispatchPausesWhileTooManyResultsAwaitTheJournal() {
    var settings = CoordinatorSettings(
      requiredRunner: .core, sweepID: "s", specText: "", specFileName: "s.yaml")
    settings.maxUnpersisted = 4
    let plan = TrialPlan(count: 100) { PlannedTrial(index: $0, id: "t\($0)", paramsJSON: "{}") }
    var machine = CoordinatorStateMachine(settings: settings, plan: plan)
    let peer = PeerID(Array("w".utf8))
    func tasks(_ actions: [CoordinatorAction]) -> [TaskAssignment] {
      actions.flatMap { action -> [TaskAssignment] in
        if case .send(_, .task(let t)) = action { return t }
        return []
      }
    }
    _ = machine.handle(
      .received(
        peer,
        .hello(
          Hello(workerID: "w", host: "h", pid: 1, slots: 4, runners: [.core], orbitVersion: "t")),
        now: 0))
    let first = tasks(machine.handle(.received(peer, .ready(credits: 4), now: 0)))
    #expect(first.count == 4)
    // Four results arrive and are not yet durable: the credits they return are not used.
    let actions = machine.handle(
      .received(peer, .result(sweepID: "s", results: first.map(ok), credits: 4), now: 1))
    #expect(tasks(actions).isEmpty)
    let entries = actions.flatMap { action -> [ResultEntry] in
      if case .persist(let e) = action { return e }
      return []
    }
    let resumed = tasks(
      machine.handle(.persisted(entries, inserted: entries.map { _ in true }, now: 2)))
    #expect(resumed.count == 4)
  }
}
