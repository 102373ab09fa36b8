import ArgumentParser
import Foundation
import OrbitCoordinator
import OrbitSession

/// `orbit run SPEC`: a coordinator plus local worker processes on loopback; the whole sweep.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a whole sweep on this machine: a coordinator and local workers over ZeroMQ.",
    discussion: """
      Results go to RUN_DIR/journal.sqlite as they arrive. Running the same command again resumes:
      finished trials are skipped, and new grid points in an edited spec are run. At the end
      RUN_DIR holds trials.csv, report.html and fits.json.
      Exit codes: 0 all trials ok, 1 some trial failed, 64 usage, 65 bad spec (or one that does
      not continue the sweep in RUN_DIR: --new-sweep), 66 spec or program missing, 69 cannot
      bind or start workers, 74 journal I/O error or damage, 75 RUN_DIR in use by another
      coordinator, 130 interrupted (resume by running it again).
      """)

  @OptionGroup var sweep: SweepOptions

  @Option(help: "Local worker processes to start.")
  var workers: Int = 1

  @Option(help: "Trials each worker runs at once (default: the cores divided among the workers).")
  var slots: Int?

  @Option(help: "Coordinator endpoint; port 0 picks a free one.")
  var bind: String = "tcp://127.0.0.1:0"

  @OptionGroup var dashboard: DashboardOptions

  @OptionGroup var log: LogOptions

  func validate() throws {
    try OptionChecks.count(workers, "--workers", min: 1, max: OptionChecks.maxLocalWorkers)
    if let slots { try OptionChecks.count(slots, "--slots", min: 1, max: PeerPolicy.maxSlots) }
  }

  func run() throws {
    let session = try sweep.openSession()
    session.reportKeptJournal()
    for warning in session.spec.warnings { warn(warning) }
    if let notice = session.journalPlacementNotice { warn(notice) }
    let logger = log.logger(
      "orbit.coordinator", file: session.runDirectory + "/logs/coordinator.log")
    Signals.install()
    // A dashboard that cannot start (its port taken) ends the sweep's run as stopped, so the
    // journal does not say it is running.
    let live: LiveDashboard?
    do {
      live = try dashboard.start(
        runDirectory: session.runDirectory, defaultAddress: DashboardOptions.runDefault,
        recorded: session.recordedCounts(), logger: logger)
    } catch {
      try? session.finish(interrupted: true)
      throw error
    }
    defer { live?.stop() }
    let endpoint = try session.start(
      bind: bind, logger: logger, curve: nil, metrics: live?.metrics ?? CoordinatorMetrics())
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let perWorker = slots ?? max(1, cores / workers)
    print(
      "orbit: sweep '\(session.spec.name ?? sweep.spec)' · \(session.spec.trialCount) trials (\(session.resumed) already done) · coordinator \(endpoint) · \(workers) worker(s) × \(perWorker) slots · \(session.runDirectory)"
    )
    let local = LocalWorkers(
      count: workers, slots: perWorker, endpoint: endpoint,
      logDirectory: session.runDirectory + "/logs", logLevel: log.logLevel,
      trialDirectory: session.runDirectory + "/trials")
    // A sweep with nothing left (resumed after it finished) needs no workers: it ends at once.
    let needsWorkers = session.resumed < session.spec.trialCount
    do {
      // A SIGTERM while they are being started stops the starting at once (the loop below
      // stops those already running, and the sweep).
      if needsWorkers { try local.startAll { Signals.interrupts > 0 } }
    } catch {
      session.status.requestStop()
      throw fail("cannot start local workers: \(error)", ExitStatus.unavailable)
    }
    var display = ProgressDisplay(interactive: stdoutIsTerminal)
    var interrupted = false
    var workersGone = false
    while !session.isDone {
      if Signals.interrupts > 0 && !interrupted {
        interrupted = true
        session.status.requestStop()
        FileHandle.standardError.write(
          Data(
            "\norbit: stopping; running trials are cancelled and re-run on resume (again to force)\n"
              .utf8))
        local.terminateAll()
      }
      if Signals.forced { break }
      if !interrupted {
        let restarted = local.superviseOnce()
        if restarted > 0 { logger.warning("restarted \(restarted) crashed local worker(s)") }
        if needsWorkers && local.allGone && !session.isDone(within: 5) {
          workersGone = true
          break
        }
      }
      display.update(session.status.snapshot)
      usleep(200_000)
    }
    display.update(session.status.snapshot)
    display.finish()
    if Signals.forced {
      local.waitForExit(timeout: 0)
      throw ExitCode(ExitStatus.interrupted)
    }
    if workersGone {
      // No worker left to hand anything back: the coordinator stops at once, and every trial
      // not recorded runs again on resume.
      session.status.stopGraceSeconds = 0
      session.status.requestStop()
      try session.wait()
      try session.finish(interrupted: true)
      throw fail(
        "every local worker exited and none can be restarted (each crashed \(LocalWorkers.maxRestarts + 1) times in a row, or left); the sweep stopped with trials left. See \(session.runDirectory)/logs/worker-*.log, then run the same command again to resume",
        ExitStatus.unavailable)
    }
    try session.wait()
    local.waitForExit(timeout: 10)
    try session.finish(interrupted: interrupted)
    var report: ReportOutput?
    if !sweep.noReport && !interrupted {
      do {
        report = try Reporting.report(runDirectory: session.runDirectory, writeCSV: false)
      } catch {
        warn(error.message)
      }
    }
    try session.printSummary(interrupted: interrupted, report: report, verbose: sweep.verbose)
  }
}
