import ArgumentParser
import Foundation
import OrbitJournal
import OrbitSession

/// `orbit export RUN_DIR --csv FILE`: the journal's trials as a pandas-ready CSV.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Write a sweep's trials as CSV (one row per trial).")

  @Argument(help: "The run directory (holds journal.sqlite).")
  var runDir: String

  @Option(help: "Output CSV path ('-' for stdout).")
  var csv: String = "-"

  func run() throws {
    do {
      let journal = try Journal(path: runDir + "/journal.sqlite", readOnly: true)
      let text = TrialsCSV.render(try journal.trials())
      if csv == "-" {
        FileHandle.standardOutput.write(Data(text.utf8))
      } else {
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
      }
    } catch let error as JournalError {
      throw fail(error.description, ExitStatus.noInput)
    } catch {
      throw fail("cannot write \(csv): \(error.localizedDescription)", ExitStatus.ioError)
    }
  }
}
