import Foundation
import OrbitJournal

extension StatusCommand {
  /// The Slurm worker jobs `--slurm-workers` submitted for `sweepID`: a count by state, then
  /// one line per job (id, state, worker, times, why). Nothing for a sweep without a pool.
  static func workerJobLines(_ jobs: [WorkerJobRecord], sweepID: String) -> [String] {
    let mine = jobs.filter { $0.sweepID == sweepID }
    guard !mine.isEmpty else { return [] }
    var byState: [String: Int] = [:]
    for job in mine { byState[job.state, default: 0] += 1 }
    let order = ["pending", "running", "connected", "cancelling", "ended"]
    let counts = order.compactMap { state in byState[state].map { "\($0) \(state)" } }
    var lines = ["slurm     \(mine.count) worker jobs submitted: \(counts.joined(separator: ", "))"]
    let start = mine.map(\.submittedAt).min() ?? 0
    func at(_ t: Double?) -> String { t.map { "+\(Int(($0 - start).rounded())) s" } ?? "-" }
    for job in mine {
      var line =
        "  job \(job.jobID) \(job.state.padding(toLength: 10, withPad: " ", startingAt: 0)) submitted \(at(job.submittedAt)) · started \(at(job.startedAt)) · connected \(at(job.connectedAt)) · ended \(at(job.endedAt))"
      if let worker = job.workerID { line += " · \(worker)" }
      if !job.reason.isEmpty { line += " · \(job.reason)" }
      lines.append(line)
    }
    return lines
  }
}
