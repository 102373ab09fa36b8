import ArgumentParser
import Foundation
import OrbitJournal
import OrbitSession
import OrbitSpec

/// `orbit status RUN_DIR`: what a sweep has done, read from its journal (safe while it runs).
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show a sweep's progress from its run directory.")

  @Argument(
    help:
      "The run directory (holds journal.sqlite), or a dashboard's URL (http://HOST:PORT/?token=…)."
  )
  var runDir: String

  @Flag(
    name: .customLong("journal"),
    help: "Read the journal even when the coordinator's dashboard (RUN_DIR/dashboard) answers.")
  var readJournal = false

  @Flag(
    help:
      "Print one JSON object: the dashboard's /api/sweep fields plus \"workers\" (docs/DASHBOARD.md)."
  )
  var json = false

  func run() throws {
    // From another host the journal may be on NFS: a live coordinator's dashboard answers
    // the same facts without a second host opening its SQLite file.
    let remote = runDir.hasPrefix("http://") || runDir.hasPrefix("https://")
    let address =
      remote ? runDir : readJournal ? nil : DashboardClient.address(runDirectory: runDir)
    if let address {
      if let (overview, workers) = DashboardClient.fetch(address) {
        if !json {
          print("(from the coordinator's dashboard at \(address.split(separator: "?")[0]))")
        }
        try show(overview, workers, journal: nil)
        return
      }
      if remote {
        #if Dashboard
          throw fail("\(runDir) does not answer as an Orbit dashboard", ExitStatus.unavailable)
        #else
          throw fail(LiveDashboard.notBuilt, ExitStatus.unavailable)
        #endif
      }
    }
    let journal: Journal
    do { journal = try Journal(path: runDir + "/journal.sqlite", readOnly: true) } catch {
      throw fail(error.description, ExitStatus.noInput)
    }
    let overview = try SweepOverview.read(journal)
    let workers = try WorkerOverview.read(journal, overview: overview)
    try show(overview, workers, journal: journal)
  }

  private func show(_ overview: SweepOverview, _ workers: [WorkerOverview], journal: Journal?)
    throws
  {
    if json {
      print(JSONDocument.encode(SweepStatus(overview: overview, workers: workers)))
      return
    }
    do {
      try printText(overview, workers, journal: journal)
    } catch {
      throw fail(error.description, ExitStatus.ioError)
    }
  }

  private func printText(_ overview: SweepOverview, _ workers: [WorkerOverview], journal: Journal?)
    throws(JournalError)
  {
    do {
      print("sweep     \(overview.name) (\(overview.id)) · \(overview.spec)")
      let end = overview.finishedAt.map { " at \(Date(timeIntervalSince1970: $0))" } ?? ""
      print("state     \(overview.state)\(end) · wall \(Summary.duration(overview.wallSeconds))")
      print("trials    \(overview.recorded) of \(overview.total) recorded")
      if let insecure = try journal?.events(kind: "insecure").last {
        print("security  \(insecure.detail): anyone on that network could join")
      }
      for status in TrialStatus.allCases {
        if let n = overview.counts[status] {
          print("  \(status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(n)")
        }
      }
      if overview.finishedAt == nil {
        if overview.live {
          let eta =
            overview.etaSeconds.map { Summary.duration($0) }
            ?? "– (no trial finished yet, or no worker)"
          print(
            "live      \(overview.running) running · \(overview.queued) queued · \(String(format: "%.2f", overview.trialsPerSecond)) trials/s · ETA \(eta)"
          )
        } else if let live = try journal?.live(sweepID: overview.id) {
          let age = Date().timeIntervalSince1970 - live.updatedAt
          print(
            "live      coordinator silent for \(Int(age)) s: stopped or killed? run it again to resume"
          )
        }
      }
      if let best = overview.best {
        print(
          "best      \(best.metric) \(best.value) · trial \(best.trial.prefix(12)) · \(best.params)"
        )
      }
      print("workers   \(overview.workersConnected) connected now · \(overview.workersSeen) seen")
      for worker in workers where worker.connected {
        let gpus = worker.gpus.isEmpty ? "" : " · GPUs \(worker.gpus.joined(separator: " | "))"
        print("  \(worker.id) on \(worker.host) · \(worker.busy)/\(worker.slots) slots busy\(gpus)")
      }
      if let journal {
        for line in Self.workerJobLines(try journal.workerJobs(), sweepID: overview.id) {
          print(line)
        }
      }
    }
  }
}
