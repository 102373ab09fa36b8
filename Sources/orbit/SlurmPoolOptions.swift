import ArgumentParser
import Foundation
import Logging
import OrbitCoordinator
import OrbitSession

/// `orbit coordinator --slurm-workers MAX …`: the adaptive worker pool's options (kept out of
/// CoordinatorCommand so that file stays about the coordinator).
struct SlurmPoolOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Submit up to this many Slurm worker jobs (sbatch) while queued trials exceed free slots; cancel idle ones; replace ones that die. 0: none.",
      discussion:
        "Each job runs one `orbit worker` (this binary, on a filesystem the nodes share) known as slurm-JOBID; jobs are recorded in the journal (orbit status)."
    ))
  var slurmWorkers: Int = 0

  // .unconditional: the value itself starts with dashes.
  @Option(
    parsing: .unconditionalSingleValue,
    help:
      "sbatch options for the worker jobs, split on spaces; repeatable (--slurm-args '--partition=cpu --time=2:00:00' --slurm-args --gres=gpu:1)."
  )
  var slurmArgs: [String] = []

  @Option(
    parsing: .unconditionalSingleValue,
    help:
      "orbit worker options for the worker jobs, split on spaces; repeatable (--slurm-worker-flags --allow-command)."
  )
  var slurmWorkerFlags: [String] = []

  @Option(
    help:
      "With --curve-key: the workers' CurveZMQ keypair (from `orbit keys`, its public key in --allow-keys), readable on the nodes."
  )
  var slurmWorkerKey: String?

  @Option(help: "Slots a worker job is expected to bring, until one has connected.")
  var slurmSlotsPerJob: Int = 1

  @Option(help: "Worker jobs submitted per round (a round every 5 s at most).")
  var slurmBatch: Int = 4

  @Option(help: "Seconds a connected worker may idle, nothing queued, before its job is cancelled.")
  var slurmIdle: Double = SlurmPoolSettings(maxJobs: 1).idleGraceSeconds

  func validate(curve: Bool) throws {
    guard slurmWorkers > 0 else {
      if slurmWorkers < 0 { throw ValidationError("--slurm-workers must be 0 or more") }
      if !slurmArgs.isEmpty || !slurmWorkerFlags.isEmpty || slurmWorkerKey != nil {
        throw ValidationError(
          "--slurm-args, --slurm-worker-flags and --slurm-worker-key need --slurm-workers MAX")
      }
      return
    }
    try OptionChecks.seconds(slurmIdle, "--slurm-idle")
    if slurmSlotsPerJob < 1 || slurmBatch < 1 || slurmIdle < 0 {
      throw ValidationError(
        "--slurm-slots-per-job and --slurm-batch must be at least 1, --slurm-idle 0 or more")
    }
    if curve && slurmWorkerKey == nil {
      throw ValidationError(
        "--slurm-workers with --curve-key needs --slurm-worker-key WORKER.key: the submitted workers must authenticate"
      )
    }
  }

  /// Refuses to start a sweep that asks for a pool where Slurm's commands are missing.
  func checkCommands() throws {
    guard slurmWorkers > 0 else { return }
    do { _ = try SlurmCommands().resolved() } catch {
      throw fail(error.message, ExitStatus.unavailable)
    }
  }

  /// The pool for this coordinator, started; nil without --slurm-workers.
  func startPool(
    session: SweepSession, endpoint: String, serverKey: String?, insecure: Bool, logger: Logger
  ) throws -> SlurmPool? {
    guard slurmWorkers > 0 else { return nil }
    var settings = SlurmPoolSettings(maxJobs: slurmWorkers)
    settings.defaultSlotsPerJob = slurmSlotsPerJob
    settings.batchSize = slurmBatch
    settings.idleGraceSeconds = slurmIdle
    func split(_ list: [String]) -> [String] {
      list.flatMap { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
    }
    var configuration = SlurmPoolConfiguration(
      settings: settings, sbatchArguments: split(slurmArgs), workerFlags: split(slurmWorkerFlags),
      endpoint: endpoint, runDirectory: absolute(session.runDirectory), sweepID: session.sweepID,
      orbitPath: Self.executablePath,
      curve: serverKey.map { ($0, absolute(slurmWorkerKey ?? "")) })
    configuration.insecure = insecure
    do {
      let pool = try SlurmPool(configuration: configuration, status: session.status, logger: logger)
      pool.start()
      return pool
    } catch {
      throw fail(error.message, ExitStatus.unavailable)
    }
  }

  /// The worker jobs run this very binary.
  static var executablePath: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
  }

  private func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}
