import ArgumentParser
import CSupport
import Foundation
import OrbitCoordinator
import OrbitSession
import OrbitSpec
import OrbitWorker
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#endif

/// `orbit worker --connect tcp://HOST:PORT`: runs trials for a coordinator until the sweep ends.
struct WorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker",
    abstract: "Join a sweep: connect to a coordinator and run trials on this machine.")

  @Option(help: "The coordinator's endpoint, tcp://HOST:PORT.")
  var connect: String

  @Option(
    help: "Trials to run at once (default: the number of cores, or of GPU slots with --gpus).")
  var slots: Int?

  @Option(
    help:
      "GPUs to give trials, one slot per --gpus-per-trial of them: device ids (0,1,2,3) or 'all' (CUDA_VISIBLE_DEVICES when set, else nvidia-smi -L). Each trial runs with CUDA_VISIBLE_DEVICES and ORBIT_GPU set to its slot's devices."
  )
  var gpus: String?

  @Option(help: "GPUs per trial with --gpus.")
  var gpusPerTrial: Int = 1

  @Option(help: "A name for this worker, unique in the sweep (default: host-pid).")
  var workerID: String?

  @Flag(help: "Allow the sweep's external command to run here (needed for runner: command).")
  var allowCommand = false

  @Option(help: "Seconds without any word from the coordinator before giving up.")
  var giveUp: Double = WorkerStateMachine.defaultGiveUpSeconds

  @Option(
    help: ArgumentHelp(
      "How long this worker may run (seconds, or with s/m/h/d: 90m, 1h30m): it takes no trial that would not finish in time, and leaves cleanly before the end.",
      discussion: "Under Slurm the default is the job's end (SLURM_JOB_END_TIME)."),
    transform: { text throws -> Double in
      guard let seconds = DurationText.seconds(parsing: text), seconds > 0 else {
        throw ValidationError(
          "--lifetime takes a duration such as 3600, 90m or 1h30m, got '\(text)'")
      }
      return seconds
    })
  var lifetime: Double?

  @Option(
    help:
      "Keep each trial's folder here (ORBIT_TRIAL_DIR: its checkpoints, artifacts, stdout.log, stderr.log), as TRIAL-DIR/<trial id>/attempt-N; a shared filesystem on clusters. Default: ./orbit-trials in the worker's working directory."
  )
  var trialDir: String?

  @Flag(
    help:
      "Remove each trial's folder when it ends (a private temporary folder instead of --trial-dir): for trials whose files nobody needs."
  )
  var discardTrialDirs = false

  /// Where trial folders are kept by default: a user's checkpoints from a multi-machine sweep
  /// must survive the trial (issue 22), so keeping is the default and removal the option.
  static let defaultTrialDirectory = "orbit-trials"

  @Flag(help: .hidden)
  var exitWithParent = false

  @Option(
    help:
      "This worker's CurveZMQ keypair (from `orbit keys`), for a coordinator started with --curve-key."
  )
  var curveKey: String?

  @Option(
    help: "With --curve-key: the coordinator's public key (its .pub file, or the key itself).")
  var serverKey: String?

  @Flag(
    help:
      "Run commands for a coordinator off this machine without CurveZMQ (--server-key): only on a network where nobody else can pose as the coordinator."
  )
  var insecure = false

  @OptionGroup var log: LogOptions

  func validate() throws {
    if allowCommand && serverKey == nil && !insecure && !Endpoint.isLocal(connect) {
      throw ValidationError(
        "refusing to run commands for \(connect) over plain TCP: whoever answers there could run any program on this machine. Give the coordinator's key (--curve-key WORKER.key --server-key COORDINATOR.pub), or pass --insecure on a network you trust."
      )
    }
    if let slots { try OptionChecks.count(slots, "--slots", min: 1, max: PeerPolicy.maxSlots) }
    try OptionChecks.seconds(giveUp, "--give-up", allowZero: false)
    if let lifetime { try OptionChecks.seconds(lifetime, "--lifetime", allowZero: false) }
    try OptionChecks.endpoint(connect, "--connect", allowsAnyPort: false)
    if gpusPerTrial < 1 {
      throw ValidationError("--gpus-per-trial must be at least 1, got \(gpusPerTrial)")
    }
    if discardTrialDirs && trialDir != nil {
      throw ValidationError("--discard-trial-dirs and --trial-dir do not go together")
    }
    if (curveKey == nil) != (serverKey == nil) {
      throw ValidationError("--curve-key and --server-key go together")
    }
    if !(connect.hasPrefix("tcp://") || connect.hasPrefix("ipc://")) {
      throw ValidationError("--connect takes tcp://HOST:PORT, got '\(connect)'")
    }
  }

  func run() throws {
    var curve: (keypair: ZMQCurveKeypair, serverKey: String)?
    if let curveKey, let serverKey {
      curve = (try CurveKeyFiles.keypair(curveKey), try CurveKeyFiles.publicKey(serverKey))
    }
    Signals.install()
    let parent = getppid()
    if exitWithParent {
      // Started by `orbit run`: never outlive it, even if it is killed with SIGKILL.
      orbit_set_parent_death_signal(SIGTERM)
      if getppid() != parent || parent == 1 { throw ExitCode(0) }
    }
    var gpuSlots: GPUSlots?
    if let gpus {
      let found = GPUSlots.devices(
        gpus, environment: ProcessInfo.processInfo.environment,
        nvidiaSMIList: { Self.output(of: ["nvidia-smi", "-L"]) })
      switch found {
      case .failure(let error): throw ValidationError(error.description)
      case .success(let devices):
        let split = GPUSlots(gpus: devices, perTrial: gpusPerTrial)
        guard split.slots > 0 else {
          throw ValidationError(
            "--gpus-per-trial \(gpusPerTrial) is more than the \(devices.count) GPUs of --gpus")
        }
        if let slots, slots > split.slots {
          throw ValidationError(
            "--slots \(slots) is more than the \(split.slots) GPU slots (\(devices.count) GPUs, \(gpusPerTrial) a trial): leave --slots out, or lower it"
          )
        }
        gpuSlots = split
      }
    }
    let slots = self.slots ?? gpuSlots?.slots ?? ProcessInfo.processInfo.activeProcessorCount
    let host = ProcessInfo.processInfo.hostName
    let pid = Int(getpid())
    let identity = WorkerIdentity(
      workerID: workerID ?? "\(host)-\(pid)", host: host, pid: pid, slots: slots,
      runners: allowCommand ? [.core, .command] : [.core], orbitVersion: OrbitVersion.current,
      gpus: gpuSlots?.devices.map { $0.joined(separator: ",") } ?? [])
    let logger = log.logger("orbit.worker")
    let context: ZMQContext
    do { context = try ZMQContext() } catch {
      throw fail("cannot start ZeroMQ: \(error)", ExitStatus.unavailable)
    }
    let control = WorkerControl()
    let watchParent = exitWithParent
    let watcher = Thread {
      // The parent check backs up the parent-death signal, which a blocked mask could defeat.
      while Signals.interrupts == 0 && !(watchParent && getppid() != parent) { usleep(50_000) }
      control.requestStop(reason: Signals.interrupts > 0 ? "signal" : "parent process gone")
    }
    watcher.start()
    var lifetime = self.lifetime
    if lifetime == nil,
      let end = ProcessInfo.processInfo.environment["SLURM_JOB_END_TIME"]
        .flatMap(Double.init), end > 0
    {
      // A Slurm job's end, as a Unix time: what is left of it now.
      lifetime = max(1, end - Date().timeIntervalSince1970)
    }
    if let lifetime {
      logger.info("lifetime \(Int(lifetime)) s: no trial is started that would not finish by then")
    }
    let server = WorkerServer(
      context: context, connect: connect, identity: identity, giveUpAfter: giveUp,
      lifetime: lifetime,
      trialDirectory: discardTrialDirs
        ? nil : URL(fileURLWithPath: trialDir ?? Self.defaultTrialDirectory).path,
      gpus: gpuSlots,
      allowCommand: allowCommand,
      control: control, logger: logger, curve: curve)
    let code = try server.run()
    if code != 0 { throw ExitCode(code) }
  }

  /// What a command prints on stdout, or nil when it cannot be run or fails.
  static func output(of arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
  }
}
