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

  func run() throws {
    guard FileManager.default.fileExists(atPath: runDir + "/journal.sqlite") else {
      throw fail(
        "\(runDir)/journal.sqlite: no journal here; pass the run directory of a sweep",
        ExitStatus.noInput
      )
    }
    do {
      print(try Reporting.writeReport(runDirectory: runDir, writeCSV: true))
    } catch {
      warn(error.message)
      throw ExitCode(error.exitCode)
    }
    print("wrote \(runDir)/report.html, fits.json, trials.csv")
  }
}
