import ArgumentParser
import Foundation
import OrbitJournal
import OrbitSession

/// `orbit export RUN_DIR --csv FILE [--curves FILE]`: the journal's trials, and their learning
/// curves, as pandas-ready CSV.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Write a sweep's trials as CSV (one row per trial), and with --curves its learning curves (one row per trial, step and metric)."
  )

  @Argument(help: "The run directory (holds journal.sqlite).")
  var runDir: String

  @Option(help: "Output CSV path ('-' for stdout).")
  var csv: String = "-"

  @Option(
    help:
      "Also write the learning curves, long form (trial_id, parameters…, step, metric, value), to this CSV path ('-' for stdout)."
  )
  var curves: String?

  func run() throws {
    do {
      let journal = try Journal(path: runDir + "/journal.sqlite", readOnly: true)
      let trials = try journal.trials()
      var outputs = [
        (csv, TrialsCSV.render(trials, points: try TrialsCSV.DataPoints(journal: journal)))
      ]
      if let curves {
        let text = TrialsCSV.renderCurves(try journal.progressPoints(), trials: trials)
        // `--curves -` without --csv: the curves alone on stdout, not both tables mixed.
        outputs = curves == "-" && csv == "-" ? [(curves, text)] : outputs + [(curves, text)]
      }
      for (path, text) in outputs {
        if path == "-" {
          FileHandle.standardOutput.write(Data(text.utf8))
        } else {
          try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
      }
    } catch let error as JournalError {
      throw fail(error.description, ExitStatus.noInput)
    } catch {
      throw fail("cannot write \(csv): \(error.localizedDescription)", ExitStatus.ioError)
    }
  }
}
