import Foundation
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
      throw SessionError(error)
    }
    if spec.runner == .core { try validateCore(spec) }
    try validateAnalysis(spec, text: try? String(contentsOfFile: path, encoding: .utf8))
    if toRun, let problem = spec.runProblem {
      throw SessionError(problem, exitCode: ExitStatus.badData)
    }
    return spec
  }

  /// Refuses a key under `analysis:` that Orbit does not read (a typo would otherwise be
  /// silently ignored), with its file:line:column and the keys there are.
  static func validateAnalysis(_ spec: Spec, text: String?) throws(SessionError) {
    guard case .object(let config) = spec.analysis else { return }
    let known = Reporting.analysisKeys
    guard let unknown = config.keys.sorted().first(where: { !known.contains($0) }) else { return }
    let place = text.flatMap { analysisKeyLocation(unknown, in: $0) }
    let prefix = place.map { "\(spec.fileName):\($0.line):\($0.column): " } ?? "\(spec.fileName): "
    let suggestion = known.sorted().min { editDistance($0, unknown) < editDistance($1, unknown) }
    let hint =
      suggestion.map { editDistance($0, unknown) <= 2 ? " (did you mean '\($0)'?)" : "" } ?? ""
    throw SessionError(
      "\(prefix)unknown key 'analysis.\(unknown)'\(hint); analysis keys are "
        + known.sorted().joined(separator: ", "),
      exitCode: ExitStatus.badData)
  }

  /// Line and column (1-based) of `key` under the top-level `analysis:` mapping of spec text,
  /// block or flow style; the `analysis:` line itself when the key cannot be found.
  static func analysisKeyLocation(_ key: String, in text: String) -> (line: Int, column: Int)? {
    let lines = text.components(separatedBy: "\n")
    guard let start = lines.firstIndex(where: { $0.hasPrefix("analysis:") }) else { return nil }
    if let range = lines[start].range(of: "\(key):") ?? lines[start].range(of: "\(key) :") {
      return (
        start + 1, lines[start].distance(from: lines[start].startIndex, to: range.lowerBound) + 1
      )
    }
    for index in (start + 1)..<lines.count {
      let line = lines[index]
      let trimmed = line.drop { $0 == " " }
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      if trimmed.count == line.count { break }  // back at the top level
      if trimmed.hasPrefix("\(key):") || trimmed.hasPrefix("\(key) :") {
        return (index + 1, line.count - trimmed.count + 1)
      }
    }
    return (start + 1, 1)
  }

  /// Levenshtein distance, for "did you mean".
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var previous = row[0]
      row[0] = i
      for j in stride(from: 1, through: b.count, by: 1) {
        let current = row[j]
        row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
        previous = current
      }
    }
    return row[b.count]
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
