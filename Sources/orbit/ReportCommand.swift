import ArgumentParser
import Foundation
import OrbitSession

/// `orbit report RUN_DIR`: scaling-law fits and the HTML report from a sweep's journal.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Fit scaling laws and write report.html, fits.json and trials.csv.")

  @Argument(help: "The run directory (holds journal.sqlite).")
  var runDir: String

  @Option(
    help:
      "A spec whose analysis: (and metric:) replace the sweep's: re-fit with an edited block without re-running (the journal keeps the spec the sweep ran with)."
  )
  var spec: String?

  @Flag(help: "Print every fit (else they are in report.html and fits.json).")
  var verbose = false

  func run() throws {
    guard FileManager.default.fileExists(atPath: runDir + "/journal.sqlite") else {
      throw fail(
        "\(runDir)/journal.sqlite: no journal here; pass the run directory of a sweep",
        ExitStatus.noInput
      )
    }
    do {
      let report = try Reporting.report(runDirectory: runDir, writeCSV: true, specPath: spec)
      print(verbose ? report.table : report.compact)
    } catch {
      warn(error.message)
      throw ExitCode(error.exitCode)
    }
    print("wrote \(runDir)/report.html, fits.json, trials.csv")
  }
}
