import ArgumentParser
import Foundation
import OrbitJournal
import OrbitSession
import OrbitSpec

/// `orbit status RUN_DIR`: what a sweep has done, read from its journal (safe while it runs).
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show a sweep's progress from its run directory.")

  @Argument(help: "The run directory (holds journal.sqlite).")
  var runDir: String

  func run() throws {
    let journal: Journal
    do { journal = try Journal(path: runDir + "/journal.sqlite", readOnly: true) } catch {
      throw fail(error.description, ExitStatus.noInput)
    }
    do {
      guard let sweep = try journal.latestSweep() else {
        throw fail("\(runDir): the journal holds no sweep yet", ExitStatus.noInput)
      }
      let counts = try journal.statusCounts()
      let recorded = counts.values.reduce(0, +)
      print("sweep     \(sweep.name) (\(sweep.id)) · \(sweep.specPath)")
      print(
        "state     \(sweep.state)\(sweep.finishedAt == nil ? "" : " at \(Date(timeIntervalSince1970: sweep.finishedAt!))")"
      )
      print("trials    \(recorded) of \(sweep.trialCount) recorded")
      if let insecure = try journal.events(kind: "insecure").last {
        print("security  \(insecure.detail): anyone on that network could join")
      }
      for status in TrialStatus.allCases {
        if let n = counts[status.rawValue] {
          print("  \(status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(n)")
        }
      }
      if sweep.finishedAt == nil, let live = try journal.live(sweepID: sweep.id) {
        let age = Date().timeIntervalSince1970 - live.updatedAt
        let stale =
          age > 10
          ? " (coordinator silent for \(Int(age)) s: stopped or killed? run it again to resume)"
          : ""
        print(
          "live      \(live.running) running · \(live.queued) queued · \(live.workers) workers\(stale)"
        )
      }
      let workers = try journal.workers()
      print(
        "workers   \(workers.count) seen, \(workers.filter { $0.leftAt == nil }.count) connected")
      for worker in workers where worker.leftAt == nil {
        let gpus = worker.gpus.isEmpty ? "" : " · GPUs \(worker.gpus.joined(separator: " | "))"
        print("  \(worker.id) on \(worker.host) · \(worker.busy)/\(worker.slots) slots busy\(gpus)")
      }
      for line in Self.workerJobLines(try journal.workerJobs(), sweepID: sweep.id) { print(line) }
    } catch let error as JournalError {
      throw fail(error.description, ExitStatus.ioError)
    }
  }
}
