import OrbitCompute
import OrbitSpec
import OrbitWorker

/// Loads a spec for a command, turning every problem into a message and an exit code.
public enum SpecLoading {
  /// The spec at `path`, its core settings checked when it has `runner: core`.
  /// - Parameter toRun: refuse a spec that can be planned but not run (nothing to execute).
  /// - Throws: 66 when the file cannot be read, 65 when the spec is invalid (file:line:column).
  public static func load(_ path: String, toRun: Bool = true) throws(SessionError) -> Spec {
    let spec: Spec
    do {
      spec = try Spec.load(path: path)
    } catch {
      throw SessionError(
        error.description,
        exitCode: error.code == .unreadable ? ExitStatus.noInput : ExitStatus.badData)
    }
    if spec.runner == .core { try validateCore(spec) }
    if toRun, let problem = spec.runProblem {
      throw SessionError(problem, exitCode: ExitStatus.badData)
    }
    return spec
  }

  /// Checks the core settings of a sample of trials (spread over the grid) before anything runs,
  /// so a typo fails in a second with the spec's file:line, not on a worker an hour later.
  static func validateCore(_ spec: Spec) throws(SessionError) {
    let count = spec.trialCount
    let samples = min(count, 2000)
    for s in 0..<samples {
      let index = samples == count ? s : s * (count / samples)
      let trial = spec.trial(at: index)
      do {
        _ = try CoreTrialConfig(parameters: CoreRunner.coreParameters(trial.params))
      } catch {
        let place =
          spec.location(of: error.key).map { "\($0.file):\($0.line):\($0.column): " }
          ?? "\(spec.fileName): "
        throw SessionError("\(place)\(error.message)", exitCode: ExitStatus.badData)
      }
    }
  }
}
