import Foundation
import OrbitProtocol
import OrbitSpec

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a trial as the spec's external command, in its own process group.
///
/// The program sees `ORBIT_TRIAL_ID`, `ORBIT_PARAMS_JSON` and `ORBIT_RESULT_PATH`; its metrics are
/// the JSON object it writes to `ORBIT_RESULT_PATH`, or else the last stdout line that parses as
/// a JSON object. Exit code ≠ 0 is `failed` with the tail of stderr kept.
public struct CommandRunner: TrialRunner {
  let spec: Spec
  /// Folder the program runs in: the spec's own folder, so `program: train.py` beside it works.
  let directory: String?
  let scratch: String
  /// Seconds between SIGTERM and SIGKILL when a trial is killed.
  let killGrace: Double

  public init(spec: Spec, directory: String?, scratch: String, killGrace: Double = 2) {
    self.spec = spec
    self.directory = directory
    self.scratch = scratch
    self.killGrace = killGrace
  }

  public func run(_ task: TaskAssignment, context: TrialContext) -> TrialOutcome {
    let started = Date().timeIntervalSince1970
    let startClock = DispatchTime.now().uptimeNanoseconds
    func outcome(
      _ status: TrialStatus, metrics: String = "{}", stderr: String = "", exit: Int? = nil
    ) -> TrialOutcome {
      let wall = Double(DispatchTime.now().uptimeNanoseconds - startClock) / 1e9
      return TrialOutcome(
        trialID: task.trialID, index: task.index, attempt: task.attempt, status: status,
        metricsJSON: metrics,
        wallSeconds: wall, startedAt: started, stderrTail: stderr, exitCode: exit)
    }
    guard let trial = spec.trial(for: task) else {
      return outcome(.failed, stderr: Spec.disagreement(task))
    }
    // A folder of its own per attempt, with an unpredictable name and mode 0700 (mkdtemp), inside
    // the worker's private folder: nothing another user plants can be read as its result.
    var template = Array("\(scratch)/\(task.trialID.short)-\(task.attempt)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
      return outcome(
        .failed,
        stderr:
          "orbit: cannot make the trial's scratch folder under \(scratch): \(String(cString: strerror(errno)))"
      )
    }
    let folder = String(cString: made)
    let resultPath = folder + "/result.json"
    let paramsPath = folder + "/params.json"
    try? task.paramsJSON.write(toFile: paramsPath, atomically: false, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var environment = ProcessInfo.processInfo.environment
    environment["ORBIT_TRIAL_ID"] = task.trialID.hex
    environment["ORBIT_TRIAL_INDEX"] = String(task.index)
    environment["ORBIT_ATTEMPT"] = String(task.attempt)
    environment["ORBIT_PARAMS_JSON"] = task.paramsJSON
    environment["ORBIT_RESULT_PATH"] = resultPath
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
    var capture = OutputCapture(stdoutFD: child.stdoutFD, stderrFD: child.stderrFD)
    var ending: TrialStatus?
    var exit: Int32?
    while !capture.isClosed {
      capture.pump(timeoutMilliseconds: 100)
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
        kill(child, reason: "exceeded its timeout of \(spec.timeout!) s", capture: &capture)
      } else if ending == nil, context.isCancelled() {
        ending = .cancelled
        kill(child, reason: "cancelled", capture: &capture)
      }
    }
    let exitCode = exit ?? child.reap(block: true) ?? -1
    // Nothing the program started may outlive its trial.
    child.signalGroup(SIGKILL)
    capture.closeAll()
    if let ending {
      return outcome(ending, stderr: capture.stderrTail, exit: Int(exitCode))
    }
    if exitCode != 0 {
      return outcome(.failed, stderr: capture.stderrTail, exit: Int(exitCode))
    }
    let metrics = Self.metrics(resultPath: resultPath, stdout: capture.stdoutTail)
    return outcome(.ok, metrics: metrics, stderr: "", exit: 0)
  }

  /// SIGTERM to the group, then SIGKILL after the grace period if anything still holds the pipes.
  private func kill(_ child: ChildProcess, reason: String, capture: inout OutputCapture) {
    child.signalGroup(SIGTERM)
    let graceEnd = DispatchTime.now().uptimeNanoseconds + UInt64(killGrace * 1e9)
    while !capture.isClosed && DispatchTime.now().uptimeNanoseconds < graceEnd {
      capture.pump(timeoutMilliseconds: 50)
      if child.reap(block: false) != nil { break }
    }
    child.signalGroup(SIGKILL)
    capture.appendNote("orbit: trial \(reason); process group \(child.pid) killed")
  }

  /// The metrics JSON object: the result file if the program wrote one, else the last stdout
  /// line that parses as an object, else `{}`.
  static func metrics(resultPath: String, stdout: String) -> String {
    if let text = try? String(contentsOfFile: resultPath, encoding: .utf8),
      case .object = try? ParamValue.parseJSON(text)
    {
      return (try? ParamValue.parseJSON(text))?.canonicalJSON ?? "{}"
    }
    for line in stdout.split(separator: "\n").reversed() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard trimmed.hasPrefix("{") else { continue }
      if let value = try? ParamValue.parseJSON(trimmed), case .object = value {
        return value.canonicalJSON
      }
    }
    return "{}"
  }
}
