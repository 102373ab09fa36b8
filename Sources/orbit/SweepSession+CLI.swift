import ArgumentParser
import Foundation
import OrbitSession

extension SweepSession {
  /// Says where `--new-sweep` moved the journal of the sweep recorded before, if it did.
  func reportKeptJournal() {
    guard let kept = keptJournal else { return }
    FileHandle.standardError.write(
      Data("orbit: new sweep in \(runDirectory); the previous one is kept in \(kept)\n".utf8))
  }

  /// Prints the summary table, then ends the command with its exit code: 130 when interrupted,
  /// 1 when a trial failed, 0 otherwise (returns).
  /// - Parameters:
  ///   - report: the analysis written at the end (`orbit run`): its roles, verdict and warnings
  ///     lead, after the best trial; nil prints the counts alone.
  ///   - verbose: also print the full fit table (else it is in report.html and fits.json).
  func printSummary(interrupted: Bool, report: ReportOutput? = nil, verbose: Bool = false) throws {
    let summary = try summary()
    print(summary.render(runDirectory: runDirectory, report: report, verbose: verbose))
    if interrupted { throw ExitCode(ExitStatus.interrupted) }
    if summary.failures > 0 { throw ExitCode(ExitStatus.trialsFailed) }
  }
}
