import Foundation

/// Finds a trial's kept folder (`orbit worker --trial-dir`: `ROOT/<trial id>/attempt-N`) by a
/// prefix of its id, for `orbit logs`.
public enum TrialLogs {
  /// The newest attempt folder of the one trial whose id starts with `prefix` under `root`.
  public static func latestAttempt(root: String, prefix: String) throws(SessionError) -> String {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    let lowered = prefix.lowercased()
    let matches = names.filter { $0.hasPrefix(lowered) }.sorted()
    guard !lowered.isEmpty, let trial = matches.first else {
      throw SessionError(
        "no kept trial folder under \(root) starts with '\(prefix)': trials keep their folders when workers run with --trial-dir (orbit run does, in RUN_DIR/trials)",
        exitCode: ExitStatus.noInput)
    }
    guard matches.count == 1 else {
      throw SessionError(
        "'\(prefix)' names \(matches.count) trials (\(matches.prefix(3).map { String($0.prefix(12)) }.joined(separator: ", "))…): give more of the id",
        exitCode: ExitStatus.usage)
    }
    let folder = "\(root)/\(trial)"
    let attempts = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
      .filter { $0.hasPrefix("attempt-") }
    func modified(_ name: String) -> Date {
      ((try? FileManager.default.attributesOfItem(atPath: "\(folder)/\(name)"))?[.modificationDate]
        as? Date) ?? .distantPast
    }
    guard let newest = attempts.max(by: { modified($0) < modified($1) }) else {
      throw SessionError("\(folder) holds no attempt folder", exitCode: ExitStatus.noInput)
    }
    return "\(folder)/\(newest)"
  }

  /// A log of an attempt folder (`stdout` or `stderr`), the rotated part first.
  public static func read(_ stream: String, in attempt: String) -> String {
    let base = "\(attempt)/\(stream).log"
    return [base + ".1", base].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
      .joined()
  }
}
