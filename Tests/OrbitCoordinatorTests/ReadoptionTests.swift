import OrbitCoordinator
import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

/// A coordinator restarted while its workers run its trials (issue 25, item 1): their HELLO
/// lists each run with its lease, and the new coordinator re-adopts what its tokens prove it
/// leased instead of dispatching those trials again.
@Suite("Re-adoption of held runs after a coordinator restart")
struct ReadoptionTests {
  static func hello(_ name: String, holding: [HeldLease], slots: Int = 2) -> Message {
    .hello(
      Hello(
        workerID: name, host: "h", pid: 1, slots: slots, runners: [.core], orbitVersion: "t",
        holding: holding))
  }

  @Test func aRestartedCoordinatorReAdoptsWhatItsWorkerRunsAndDispatchesOnlyTheRest() {
    var before = Driver(trials: 4)
    before.hello("w1")
    before.send("w1", .ready(credits: 2))
    let tasks = before.takeTasks("w1")
    #expect(tasks.map(\.index) == [0, 1])
    // The coordinator is killed; a new one (same sweep, same secret) starts from the journal.
    var after = Driver(trials: 4)
    after.send("w1", Self.hello("w1", holding: tasks.map(HeldLease.init)))
    #expect(after.machine.runningCount == 2)
    after.send("w1", .ready(credits: 2))
    // The two it runs are not sent again: the next ones are.
    #expect(after.takeTasks("w1").isEmpty)
    after.hello("w2")
    after.send("w2", .ready(credits: 2))
    let rest = after.takeTasks("w2")
    #expect(rest.map(\.index) == [2, 3])
    // Their results are accepted as any leased result, and the sweep ends: each trial ran once.
    after.send("w1", .result(sweepID: "s", results: tasks.map(ok), credits: 2))
    after.send("w2", .result(sweepID: "s", results: rest.map(ok), credits: 2))
    #expect(after.journal.count == 4)
    #expect(after.machine.refusedCount == 0)
    #expect(after.finished)
  }

  @Test func heldRunsItCannotReAdoptAreCancelledAndTheirCancelledResultIsNotRecorded() {
    var before = Driver(trials: 3)
    before.hello("w1")
    before.send("w1", .ready(credits: 2))
    let tasks = before.takeTasks("w1")
    // Trial 0 was recorded before the restart; trial 1's token is forged.
    var after = Driver(trials: 3, finished: ["t0"])
    var forged = HeldLease(tasks[1])
    forged.leaseToken = LeaseToken(Array(repeating: 1, count: LeaseToken.byteCount))
    after.send("w1", Self.hello("w1", holding: [HeldLease(tasks[0]), forged]))
    #expect(after.machine.runningCount == 0)
    let cancels = after.messages(to: "w1").compactMap { m -> TrialID? in
      if case .cancel(let id) = m { id } else { nil }
    }
    #expect(Set(cancels) == [tasks[0].trialID, tasks[1].trialID])
    // The worker cancels them; their `cancelled` results are acknowledged, never recorded.
    let cancelled = tasks.map { t in
      ResultReport(
        outcome: TrialOutcome(
          trialID: t.trialID, index: t.index, attempt: t.attempt, status: .cancelled),
        leaseToken: t.leaseToken)
    }
    after.send("w1", .result(sweepID: "s", results: cancelled, credits: 2))
    #expect(after.journal.isEmpty)
    #expect(after.machine.refusedCount == 0)
    #expect(after.machine.unrecordedCancels == 2)
    // Trial 1 still needs a result: it is dispatched (trial 0 is not).
    #expect(after.takeTasks("w1").map(\.index) == [1, 2])
  }

  /// A `cancelled` result is never a trial's result unless early stopping asked for it: on a
  /// live lease it is acknowledged and the trial runs again (the simulation found a run that a
  /// repeated HELLO re-adopted while its CANCEL was on its way, recorded `cancelled`).
  @Test func aCancelledResultThatNoStopAskedForIsNotRecorded() {
    var d = Driver(trials: 1)
    d.hello("w1", slots: 1)
    d.send("w1", .ready(credits: 1))
    let task = d.takeTasks("w1")[0]
    let cancelled = ResultReport(
      outcome: TrialOutcome(
        trialID: task.trialID, index: task.index, attempt: task.attempt, status: .cancelled),
      leaseToken: task.leaseToken)
    d.send("w1", .result(sweepID: "s", results: [cancelled], credits: 1))
    #expect(d.journal.isEmpty)
    #expect(d.machine.unrecordedCancels == 1)
    let again = d.takeTasks("w1")
    #expect(again.map(\.index) == [0] && again.first?.attempt == 2)
  }

  @Test func aFinishedRunsResultIsAwaitedNotDispatchedAgain() {
    var before = Driver(trials: 2)
    before.hello("w1", slots: 1)
    before.send("w1", .ready(credits: 1))
    let task = before.takeTasks("w1")[0]
    // It finished while no coordinator listened: its result waits for an ACK.
    var after = Driver(trials: 2)
    var held = HeldLease(task)
    held.finished = true
    after.send("w1", Self.hello("w1", holding: [held], slots: 1))
    after.hello("w2", slots: 1)
    after.send("w2", .ready(credits: 1))
    #expect(after.takeTasks("w2").map(\.index) == [1])
    #expect(!after.finished)
    after.send("w1", .result(sweepID: "s", results: [ok(task)], credits: 1))
    #expect(after.journal[task.trialID]?.status == .ok)
  }

  @Test func nothingIsDispatchedBeforeTheExpectedWorkersAreBackOrTheGraceEnds() {
    var d = Driver(trials: 4) {
      $0.adoptionGraceSeconds = 5
      $0.expectedWorkers = ["w1", "w2"]
    }
    d.hello("w1", now: 0)
    d.send("w1", .ready(credits: 2), now: 0)
    #expect(d.takeTasks("w1").isEmpty, "w2 may hold trials: wait for it")
    d.hello("w2", now: 1)
    d.send("w2", .ready(credits: 2), now: 1)
    #expect(d.takeTasks("w1").count + d.takeTasks("w2").count == 4)
    // A worker that never comes back holds dispatch up to the grace only.
    var e = Driver(trials: 2) {
      $0.adoptionGraceSeconds = 5
      $0.expectedWorkers = ["w1", "gone"]
    }
    e.hello("w1", now: 0)
    e.send("w1", .ready(credits: 2), now: 0)
    e.feed(.tick(now: 4.9))
    #expect(e.takeTasks("w1").isEmpty)
    e.send("w1", .heartbeat, now: 5)
    e.feed(.tick(now: 5.1))
    #expect(e.takeTasks("w1").count == 2)
  }

  /// Hyperband over a scripted sweep (one slot, trials in plan order): a coordinator
  /// restarted while trial 3 runs, rebuilt from the journal's progress rows and stops, stops
  /// exactly the trials the unrestarted one stops; without the replay it keeps trial 3.
  @Test func hyperbandDecisionsWithARestartEqualThoseWithout() {
    let bases = [1.0, 5.0, 0.5, 6.0, 0.3, 7.0]
    func configure(_ s: inout CoordinatorSettings) {
      s.metric = Metric(name: "loss", goal: .minimize)
      s.earlyTermination = EarlyTermination(minIter: 2, eta: 3)
    }
    /// Runs the sweep; `restartAt`: the trial during whose 1st point the coordinator restarts.
    func sweep(restartAt: Int?, replay: Bool) -> Set<Int> {
      var d = Driver(trials: bases.count, configure: configure)
      var journal: [(TrialProgress, String)] = []
      var stops: [TrialID: Int] = [:]
      var stopped: Set<Int> = []
      var now = 0.0
      d.hello("w", slots: 1)
      d.send("w", .ready(credits: 1))
      for i in bases.indices {
        let task =
          d.takeTasks("w").first
          ?? TaskAssignment(
            trialID: "t\(i)", index: i, attempt: 1, paramsJSON: "{}")
        #expect(task.index == i)
        d.send("w", .started(trialIDs: [task.trialID]), now: now)
        var cancelled = false
        for step in 1...8 where !cancelled {
          now += 1
          if step == 1 && i == restartAt {
            // Killed: a new coordinator with the same journal (the trials recorded so far).
            var restarted = Driver(trials: bases.count, configure: configure)
            restarted.journal = d.journal
            restarted.machine = CoordinatorStateMachine(
              settings: restarted.machine.settings,
              plan: TrialPlan(count: bases.count) {
                PlannedTrial(index: $0, id: "t\($0)", paramsJSON: #"{"i":\#($0)}"#)
              },
              resumed: ResumeSet(
                recorded: d.journal.map { (id: $0.key, index: $0.value.index) },
                plan: TrialPlan(count: bases.count) {
                  PlannedTrial(index: $0, id: "t\($0)", paramsJSON: #"{"i":\#($0)}"#)
                }))
            if replay {
              for (p, worker) in journal {
                restarted.machine.restoreProgress(
                  trialID: p.trialID, attempt: p.attempt, step: p.step, metricsJSON: p.metricsJSON,
                  workerID: worker)
              }
              for (id, attempt) in stops {
                restarted.machine.restoreStop(trialID: id, attempt: attempt)
              }
            }
            d = restarted
            d.send("w", Self.hello("w", holding: [HeldLease(task)], slots: 1), now: now)
          }
          let p = TrialProgress(
            trialID: task.trialID, index: i, attempt: 1, step: step,
            metricsJSON: #"{"loss":\#(bases[i] + 1 / Double(step))}"#)
          let actions = d.handle(.received(PeerID(Array("w".utf8)), .progress(p), now: now))
          for a in actions {
            if case .recordProgress(let q, let worker) = a { journal.append((q, worker)) }
          }
          for a in d.handle(.tick(now: now)) {
            if case .recordStop(let id, let attempt) = a { stops[id] = attempt }
            if case .send(_, .cancel(let id)) = a, id == task.trialID { cancelled = true }
          }
        }
        if cancelled { stopped.insert(i) }
        let outcome = TrialOutcome(
          trialID: task.trialID, index: i, attempt: 1, status: cancelled ? .cancelled : .ok,
          metricsJSON: cancelled ? "{}" : #"{"loss":\#(bases[i])}"#)
        d.send(
          "w",
          .result(
            sweepID: "s", results: [ResultReport(outcome: outcome, leaseToken: task.leaseToken)],
            credits: 1),
          now: now)
      }
      #expect(d.journal.count == bases.count)
      #expect(
        Set(d.journal.values.filter { $0.status == .stopped }.map(\.index)) == stopped)
      return stopped
    }
    let plain = sweep(restartAt: nil, replay: true)
    #expect(plain == [1, 3, 5])
    #expect(sweep(restartAt: 3, replay: true) == plain)
    // Without the replay the restarted coordinator judges trial 3 against itself alone.
    #expect(sweep(restartAt: 3, replay: false) != plain)
  }
}
