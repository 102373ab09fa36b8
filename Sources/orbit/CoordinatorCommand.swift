import ArgumentParser
import Foundation
import OrbitCoordinator
import OrbitSession
import ZeroMQ

/// `orbit coordinator SPEC --bind …`: the coordinator alone, for workers on other machines.
struct CoordinatorCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coordinator",
    abstract: "Serve a sweep to workers that connect from any machine.",
    discussion: """
      Start workers with the command it prints (orbit worker --connect tcp://THIS_HOST:PORT …).
      At the end RUN_DIR holds trials.csv, report.html and fits.json.
      Exit codes: 0 all trials ok, 1 some trial failed, 64 usage (plain TCP off loopback without
      --insecure), 65 bad spec (or one that does not continue the sweep in RUN_DIR: --new-sweep),
      66 spec or program missing, 69 cannot bind, 74 journal I/O error or damage, 75 RUN_DIR in
      use by another coordinator, 130 interrupted (start it again to resume).
      """)

  @OptionGroup var sweep: SweepOptions

  @Option(help: "Endpoint to bind; port 0 picks a free one (printed).")
  var bind: String = "tcp://127.0.0.1:5555"

  @Option(
    help: "This coordinator's CurveZMQ keypair (from `orbit keys`): encrypt and authenticate.")
  var curveKey: String?

  @Option(
    help:
      "With --curve-key: the workers' public keys, a .pub file or a folder of them; each worker is known by its key's file name. SIGHUP reloads it (revoked keys are dropped at once)."
  )
  var allowKeys: String?

  func validate() throws {
    if (curveKey == nil) != (allowKeys == nil) {
      throw ValidationError(
        "--curve-key and --allow-keys go together: the key secures the socket, the list says who may join"
      )
    }
    try slurm.validate(curve: curveKey != nil)
    try OptionChecks.endpoint(bind, "--bind", allowsAnyPort: true)
    try OptionChecks.seconds(stopGrace, "--stop-grace")
  }

  @Flag(help: "Allow binding a non-loopback address without CurveZMQ (a trusted network only).")
  var insecure = false

  @Option(
    help:
      "The host workers are told to connect to (printed, and written to RUN_DIR/endpoint). Default: the bound address, or this machine's host name when binding a wildcard (0.0.0.0, *)."
  )
  var advertise: String?

  @Option(
    help:
      "Seconds to wait, after SIGTERM or SIGINT, for workers to return the trials they run before stopping anyway (those run again on resume)."
  )
  var stopGrace: Double = CoordinatorStatus.defaultStopGraceSeconds

  @OptionGroup var dashboard: DashboardOptions

  @OptionGroup var slurm: SlurmPoolOptions

  @OptionGroup var log: LogOptions

  func run() throws {
    var curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?
    if let curveKey, let allowKeys {
      curve = (try CurveKeyFiles.keypair(curveKey), try CurveKeyFiles.allowList(allowKeys))
    }
    if curve == nil && !Endpoint.isLocal(bind) {
      guard insecure else {
        throw fail(
          "refusing to bind \(bind) with plain TCP: anyone who can reach this port could join the sweep, see its spec and write results. Secure it with --curve-key and --allow-keys (see orbit keys --help), or pass --insecure on a network you trust.",
          ExitStatus.usage)
      }
      warn(
        "binding \(bind) with plain TCP (--insecure): anyone who can reach this port can join the sweep and run its trials."
      )
    }
    try slurm.checkCommands()
    let session = try sweep.openSession()
    session.reportKeptJournal()
    for warning in session.spec.warnings { warn(warning) }
    if let notice = session.journalPlacementNotice { warn(notice) }
    let logger = log.logger("orbit.coordinator")
    Signals.install()
    if curve == nil && !Endpoint.isLocal(bind) { session.recordInsecure(bind) }
    session.status.stopGraceSeconds = stopGrace
    // A dashboard that cannot start (its port taken) ends the sweep's run as stopped, so the
    // journal does not say it is running.
    let live: LiveDashboard?
    do {
      live = try dashboard.start(
        runDirectory: session.runDirectory, defaultAddress: nil, recorded: session.recordedCounts(),
        logger: logger)
    } catch {
      try? session.finish(interrupted: true)
      throw error
    }
    defer { live?.stop() }
    let bound = try session.start(
      bind: bind, logger: logger, curve: curve, metrics: live?.metrics ?? CoordinatorMetrics())
    let endpoint = Endpoint.advertised(bound, host: advertise)
    do {
      try Endpoint.write(endpoint, toRunDirectory: session.runDirectory)
    } catch {
      warn("could not write \(session.runDirectory)/endpoint: \(error.localizedDescription)")
    }
    print(
      "orbit coordinator: \(session.spec.trialCount) trials (\(session.resumed) already done) · listening on \(bound)\(bound == endpoint ? "" : " as \(endpoint)") · \(session.runDirectory)"
    )
    print("start workers with: \(workerHint(endpoint: endpoint, session: session, curve: curve))")
    let pool = try slurm.startPool(
      session: session, endpoint: endpoint, serverKey: curve?.keypair.publicKey,
      insecure: curve == nil && !Endpoint.isLocal(bind), logger: logger)
    flushStandardOutput()
    var interrupted = false
    var display = ProgressDisplay(interactive: false)
    var hangups = Signals.hangups
    while !session.isDone {
      if Signals.hangups != hangups, let allowKeys {
        hangups = Signals.hangups
        // A bad file keeps the list in force (the error says why): a typo must not open the door.
        do {
          session.status.replaceAllowList(try CurveKeyFiles.allowList(allowKeys))
        } catch {
          warn("SIGHUP: kept the current allow-list; \(allowKeys) could not be read")
        }
      }
      if Signals.interrupts > 0 && !interrupted {
        interrupted = true
        session.status.requestStop()
      }
      if Signals.forced { throw ExitCode(ExitStatus.interrupted) }
      display.update(session.status.snapshot)
      usleep(100_000)
    }
    pool?.finish()
    try session.wait()
    try session.finish(interrupted: interrupted)
    var report: ReportOutput?
    if !sweep.noReport && !interrupted {
      // As `orbit run` does: the sweep's answer, not only its journal.
      do {
        report = try Reporting.report(runDirectory: session.runDirectory, writeCSV: true)
      } catch {
        warn(error.message)
      }
    }
    try session.printSummary(interrupted: interrupted, report: report, verbose: sweep.verbose)
  }

  /// A worker command line that works for this sweep as it is: the flags a worker will demand
  /// (`--allow-command` for a command sweep; the server key with CurveZMQ, `--insecure` for plain
  /// TCP off loopback) and where its trial folders go.
  func workerHint(
    endpoint: String, session: SweepSession,
    curve: (keypair: ZMQCurveKeypair, allowed: [String: String])?
  ) -> String {
    var words = ["orbit worker --connect \(endpoint)"]
    if session.spec.runner == .command { words.append("--allow-command") }
    if let curve {
      words.append("--curve-key WORKER.key --server-key \(curve.keypair.publicKey)")
    } else if !Endpoint.isLocal(bind) {
      words.append("--insecure")
    }
    words.append("--trial-dir DIR")
    return words.joined(separator: " ")
      + "   (trial folders, checkpoints and logs go to DIR: default ./orbit-trials)"
  }
}
