import ArgumentParser
import Foundation
import OrbitCompute
import OrbitSpec
import OrbitWorker

/// Loads a spec for a command, turning every problem into a message and an exit code.
enum SpecLoading {
  static func load(_ path: String) throws(ExitCode) -> Spec {
    let spec: Spec
    do {
      spec = try Spec.load(path: path)
    } catch {
      throw fail(error.description, error.code == .unreadable ? Exit.noInput : Exit.badData)
    }
    if spec.runner == .core { try validateCore(spec) }
    return spec
  }

  /// Checks the core settings of a sample of trials (spread over the grid) before anything runs,
  /// so a typo fails in a second with the spec's file:line, not on a worker an hour later.
  static func validateCore(_ spec: Spec) throws(ExitCode) {
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
        throw fail("\(place)\(error.message)", Exit.badData)
      }
    }
  }
}
