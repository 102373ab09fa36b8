import Foundation
import OrbitCompute
import OrbitProtocol
import OrbitSpec

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a trial as the spec's external command, in its own process group: the contract of
/// docs/PROGRAMS.md.
///
/// The program sees `ORBIT_TRIAL_ID`, `ORBIT_PARAMS_JSON`, `ORBIT_RESULT_PATH`,
/// `ORBIT_PROGRESS_PATH` and `ORBIT_TRIAL_DIR` (a fresh private folder per attempt). Every JSON
/// object line on stdout (or in the progress file) with a `step` or `_step` key is a learning-curve
/// point, one with `"_point": true` a data point; its final metrics are the result file, else the last JSON object line without a step
/// key, else the last point (`ProgressLines`). Exit code ≠ 0 is `failed` with the tail of stderr
/// kept; so is a run that reports no finite value of the spec's `metric.name`.
public struct CommandRunner: TrialRunner {
  let spec: Spec
  /// Folder the program runs in: the spec's own folder, so `program: train.py` beside it works.
  let directory: String?
  let scratch: String
  /// Where trial folders are kept (`orbit worker --trial-dir`): `ROOT/<trial id>/attempt-N`,
  /// with the program's artifacts and its stdout.log / stderr.log. Nil: a folder in `scratch`,
  /// removed when the trial ends.
  let trialRoot: String?
  /// Seconds between SIGTERM and SIGKILL when a trial is killed.
  let killGrace: Double
  /// Seconds between the looks at a running program's output and clocks.
  static let pollMilliseconds: Int32 = 100

  public init(
    spec: Spec, directory: String?, scratch: String, trialRoot: String? = nil,
    killGrace: Double = 2
  ) {
    self.spec = spec
    self.directory = directory
    self.scratch = scratch
    self.trialRoot = trialRoot
    self.killGrace = killGrace
  }

  public func run(_ task: TaskAssignment, context: TrialContext) -> TrialOutcome {
    let started = Date().timeIntervalSince1970
    let startClock = DispatchTime.now().uptimeNanoseconds
    var stdoutTail = ""
    func outcome(
      _ status: TrialStatus, metrics: String = "{}", stderr: String = "", exit: Int? = nil
    ) -> TrialOutcome {
      let wall = Double(DispatchTime.now().uptimeNanoseconds - startClock) / 1e9
      return TrialOutcome(
        trialID: task.trialID, index: task.index, attempt: task.attempt, status: status,
        metricsJSON: metrics,
        wallSeconds: wall, startedAt: started, stderrTail: stderr, exitCode: exit,
        stdoutTail: stdoutTail)
    }
    guard let trial = spec.trial(for: task) else {
      return outcome(.failed, stderr: Spec.disagreement(task))
    }
    let folder: String
    switch makeFolder(for: task) {
    case .success(let made): folder = made
    case .failure(let error): return outcome(.failed, stderr: error.message)
    }
    let resultPath = folder + "/result.json"
    let paramsPath = folder + "/params.json"
    let progressPath = folder + "/progress.jsonl"
    Self.writeSmallFile(paramsPath, task.paramsJSON)
    defer { if trialRoot == nil { try? FileManager.default.removeItem(atPath: folder) } }
    // The environment the user started the worker with: Orbit's own BLAS settings are for the
    // core runner, not for the user's program (docs/PROGRAMS.md).
    var environment = OpenBLASCore.userEnvironment(ProcessInfo.processInfo.environment)
    environment["ORBIT_TRIAL_ID"] = task.trialID.hex
    environment["ORBIT_TRIAL_INDEX"] = String(task.index)
    environment["ORBIT_ATTEMPT"] = String(task.attempt)
    environment["ORBIT_PARAMS_JSON"] = task.paramsJSON
    environment["ORBIT_RESULT_PATH"] = resultPath
    environment["ORBIT_PROGRESS_PATH"] = progressPath
    environment["ORBIT_TRIAL_DIR"] = folder
    if let previous = previousAttemptFolder(of: task, current: folder) {
      // The last attempt's folder on this filesystem: a retried program resumes from its
      // checkpoint there (docs/PROGRAMS.md).
      environment["ORBIT_PREVIOUS_TRIAL_DIR"] = previous
    }
    if !context.gpus.isEmpty {
      // The slot's own GPUs: frameworks see only these, numbered from 0.
      environment["CUDA_VISIBLE_DEVICES"] = context.gpus.joined(separator: ",")
      environment["ORBIT_GPU"] = context.gpus.joined(separator: ",")
    }
    let arguments = spec.commandLine(for: trial, jsonFilePath: paramsPath, environment: environment)
    guard !arguments.isEmpty else { return outcome(.failed, stderr: "the spec's command is empty") }

    let child: ChildProcess
    do {
      child = try ChildProcess.spawn(
        arguments: arguments, environment: environment, directory: directory)
    } catch {
      return outcome(.failed, stderr: "\(error)", exit: 127)
    }
    let deadline = spec.timeout.map { DispatchTime.now().uptimeNanoseconds + UInt64($0 * 1e9) }
    var capture = OutputCapture(
      stdoutFD: child.stdoutFD, stderrFD: child.stderrFD,
      stdoutLog: trialRoot == nil ? nil : folder + "/stdout.log",
      stderrLog: trialRoot == nil ? nil : folder + "/stderr.log")
    var progressFile = AppendedLines(path: progressPath)
    var progress = ProgressLines(everyPoint: spec.earlyTermination != nil)
    func readProgress() {
      for line in capture.takeLines() + progressFile.take() {
        if let point = progress.take(line[...]) {
          context.reportProgress(point.step, point.metrics)
        }
      }
      for metrics in progress.takeDataPoints() { context.reportPoint(metrics) }
    }
    defer { progressFile.close() }
    var ending: TrialStatus?
    var exit: Int32?
    // Until the program exits, whether or not its pipes are open: a program that sends its output
    // elsewhere (`exec > train.log 2>&1`) closes both, and the timeout, a cancel and the worker's
    // stop must still reach it (issue 25: `timeout: 3s` ran 25 s), and its progress file is
    // still read as it grows.
    while exit == nil {
      capture.pump(timeoutMilliseconds: Self.pollMilliseconds, wake: child.exitFD)
      readProgress()
      if exit == nil, let code = child.reap(block: false) {
        // The program ended; whatever it left running in its group must not hold the trial open.
        exit = code
        child.signalGroup(SIGKILL)
        let flushEnd = DispatchTime.now().uptimeNanoseconds + 500_000_000
        while !capture.isClosed && DispatchTime.now().uptimeNanoseconds < flushEnd {
          capture.pump(timeoutMilliseconds: 50)
        }
        break
      }
      if ending == nil, let deadline, DispatchTime.now().uptimeNanoseconds > deadline {
        ending = .timeout
        exit = kill(
          child, reason: "exceeded its timeout of \(spec.timeout!) s", capture: &capture)
      } else if ending == nil, context.isCancelled() {
        ending = .cancelled
        exit = kill(child, reason: "cancelled", capture: &capture)
      }
    }
    let exitCode = exit ?? -1
    // Nothing the program started may outlive its trial.
    child.signalGroup(SIGKILL)
    readProgress()
    capture.closeAll()
    stdoutTail = String(
      decoding: capture.stdoutTail.utf8.suffix(TrialOutcome.stderrTailLimit), as: UTF8.self)
    if let point = progress.unsentLastPoint() { context.reportProgress(point.step, point.metrics) }
    let resultFile = try? String(contentsOfFile: resultPath, encoding: .utf8)
    if let ending {
      // A trial stopped early (hyperband's CANCEL) or timed out keeps every metric it printed:
      // the analysis needs them to say what stopping removed (issue 23).
      let printed = progress.finalMetrics(resultFile: resultFile) ?? "{}"
      return outcome(ending, metrics: printed, stderr: capture.stderrTail, exit: Int(exitCode))
    }
    if exitCode != 0 {
      return outcome(.failed, stderr: capture.stderrTail, exit: Int(exitCode))
    }
    let metrics = progress.finalMetrics(resultFile: resultFile) ?? "{}"
    if spec.metricIsNonFinite(in: metrics) {
      // A NaN or infinite loss is a run that diverged, a result like any other: its metrics and
      // curve are kept (the non-finite ones stored by name).
      return outcome(.diverged, metrics: metrics, stderr: capture.stderrTail, exit: 0)
    }
    if let missing = spec.missingMetric(in: metrics, lastOutput: progress.lastLine) {
      return outcome(.failed, metrics: metrics, stderr: capture.stderrTail + missing, exit: 0)
    }
    // An ok run's stderr tail is kept too (warnings, a framework's log): `orbit logs --stderr`.
    return outcome(.ok, metrics: metrics, stderr: capture.stderrTail, exit: 0)
  }

  /// Writes a trial's small input file with one open and one write. Foundation's
  /// `String.write(toFile:)` also fsyncs and sets an extended attribute: 0.5 ms and more per
  /// trial on this disk, a third of a `/bin/true` trial's whole cost, for a file that is written
  /// again on every attempt and needs no durability.
  static func writeSmallFile(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeMutableBytes {
        write(fd, $0.baseAddress! + offset, $0.count - offset)
      }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { return }
      offset += n
    }
  }

  /// The latest other attempt folder of this trial under `trialRoot` (`attempt-N`, or
  /// `attempt-N.k` when a restarted coordinator reused a number), ordered by (N, k); nil without
  /// kept folders or an earlier attempt.
  private func previousAttemptFolder(of task: TaskAssignment, current: String) -> String? {
    guard let trialRoot else { return nil }
    let trialFolder = "\(trialRoot)/\(task.trialID.hex)"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: trialFolder) else {
      return nil
    }
    func order(_ name: String) -> (Int, Int)? {
      guard name.hasPrefix("attempt-") else { return nil }
      let parts = name.dropFirst("attempt-".count).split(separator: ".")
      guard let n = parts.first.flatMap({ Int($0) }) else { return nil }
      return (n, parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
    }
    let others = names.filter { "\(trialFolder)/\($0)" != current }
      .compactMap { name in order(name).map { (name, $0) } }
    guard let latest = others.max(by: { $0.1 < $1.1 }) else { return nil }
    return "\(trialFolder)/\(latest.0)"
  }

  /// The attempt's folder: under `trialRoot` (kept), or an unpredictable one in `scratch`
  /// (mkdtemp, removed after). Mode 0700 either way, inside folders only this user can enter:
  /// nothing another user plants can be read as the trial's result.
  private func makeFolder(for task: TaskAssignment) -> Result<String, FolderError> {
    guard let trialRoot else {
      var template = Array("\(scratch)/\(task.trialID.short)-\(task.attempt)-XXXXXX".utf8CString)
      guard let made = mkdtemp(&template) else {
        return .failure(
          FolderError(
            "orbit: cannot make the trial's scratch folder under \(scratch): \(String(cString: strerror(errno)))"
          ))
      }
      return .success(String(cString: made))
    }
    let trialFolder = "\(trialRoot)/\(task.trialID.hex)"
    if mkdir(trialRoot, 0o700) != 0 && errno != EEXIST
      || mkdir(trialFolder, 0o700) != 0
        && errno != EEXIST
    {
      return .failure(
        FolderError(
          "orbit: cannot make the trial folder \(trialFolder): \(String(cString: strerror(errno)))")
      )
    }
    // Attempt numbers restart with a restarted coordinator: a taken name gets a suffix.
    for suffix in 0..<1000 {
      let path = "\(trialFolder)/attempt-\(task.attempt)\(suffix == 0 ? "" : ".\(suffix)")"
      if mkdir(path, 0o700) == 0 { return .success(path) }
      if errno != EEXIST { break }
    }
    return .failure(
      FolderError(
        "orbit: cannot make a folder for attempt \(task.attempt) in \(trialFolder): \(String(cString: strerror(errno)))"
      ))
  }

  /// SIGTERM to the group, then, after the grace period or once the program exited, SIGKILL to
  /// the group and to every descendant found under the program — those that left its group
  /// (`setsid`) included. Returns the program's exit code (it is reaped here).
  private func kill(_ child: ChildProcess, reason: String, capture: inout OutputCapture) -> Int32 {
    // Found while the program is alive: once it dies, its descendants are re-parented and no
    // longer lead back to it.
    var descendants = ProcessTree.descendants(of: child.pid)
    child.signalGroup(SIGTERM)
    for pid in descendants { Glibc.kill(pid, SIGTERM) }
    let graceEnd = DispatchTime.now().uptimeNanoseconds + UInt64(killGrace * 1e9)
    var code: Int32?
    while code == nil && DispatchTime.now().uptimeNanoseconds < graceEnd {
      descendants.formUnion(ProcessTree.descendants(of: child.pid))
      capture.pump(timeoutMilliseconds: 50, wake: child.exitFD)
      code = child.reap(block: false)
    }
    child.signalGroup(SIGKILL)
    for pid in descendants { Glibc.kill(pid, SIGKILL) }
    capture.appendNote("orbit: trial \(reason); process group \(child.pid) killed")
    return code ?? child.reap(block: true) ?? -1
  }
}

struct FolderError: Error {
  let message: String
  init(_ message: String) { self.message = message }
}

extension Spec {
  /// Whether the spec's metric is reported, as NaN or an infinity (stored by name).
  func metricIsNonFinite(in metricsJSON: String) -> Bool {
    guard let name = metric?.name,
      case .object(let object)? = try? ParamValue.parseJSON(metricsJSON)
    else { return false }
    return object[name]?.isNonFiniteNumber == true
  }

  /// Why `metricsJSON` is not a result of this sweep, or nil: the spec names `metric.name` and
  /// the run reported no finite number under it (a crashed logger, a renamed key).
  func missingMetric(in metricsJSON: String, lastOutput: String) -> String? {
    guard let name = metric?.name else { return nil }
    if case .object(let object)? = try? ParamValue.parseJSON(metricsJSON),
      let value = object[name]?.doubleValue, value.isFinite
    {
      return nil
    }
    let last = lastOutput.isEmpty ? "nothing" : "'\(lastOutput)'"
    return
      "reported no '\(name)' (the spec's metric.name), so this run is no result; last output: \(last). Print a JSON line such as {\"\(name)\": 0.25} or write it to $ORBIT_RESULT_PATH (docs/PROGRAMS.md)."
  }
}
