import Foundation
import OrbitJournal

/// One worker as `/api/workers` and `orbit status --json` show it, from the journal.
public struct WorkerOverview: Codable, Sendable, Equatable {
  public var id: String
  public var host: String
  public var pid: Int
  public var slots: Int
  public var busy: Int
  public var gpus: [String]
  public var joinedAt: Double
  public var leftAt: Double?
  public var leftReason: String?
  /// Connected now: joined, not left, and the coordinator still live.
  public var connected: Bool
  /// When the coordinator last vouched for it: its live row's time while connected, else when
  /// it left.
  public var lastHeardAt: Double?
  public var trialsDone: Int
  public var trialsFailed: Int
  /// Results the coordinator refused from it (forged, for another lease, malformed).
  public var refused: Int

  /// Every worker the journal has seen, connected ones first.
  public static func read(_ journal: Journal, overview: SweepOverview) throws(SessionError)
    -> [WorkerOverview]
  {
    do {
      return try make(journal, overview: overview, counts: journal.trialCountsByWorker())
    } catch {
      throw SessionError("\(journal.path): \(error)", exitCode: ExitStatus.ioError)
    }
  }

  /// The workers with their trial counts given (the dashboard's index keeps them).
  package static func make(
    _ journal: Journal, overview: SweepOverview, counts: [String: (done: Int, failed: Int)]
  ) throws(JournalError) -> [WorkerOverview] {
    var refused: [String: Int] = [:]
    for event in try journal.events(kind: "refused_result") {
      if let worker = event.workerID { refused[worker, default: 0] += 1 }
    }
    let live = try journal.live(sweepID: overview.id)
    return try journal.workers().map { w in
      let connected = overview.live && w.leftAt == nil
      return WorkerOverview(
        id: w.id, host: w.host, pid: w.pid, slots: w.slots, busy: connected ? w.busy : 0,
        gpus: w.gpus, joinedAt: w.joinedAt, leftAt: w.leftAt, leftReason: w.leftReason,
        connected: connected, lastHeardAt: connected ? live?.updatedAt : w.leftAt,
        trialsDone: counts[w.id]?.done ?? 0, trialsFailed: counts[w.id]?.failed ?? 0,
        refused: refused[w.id] ?? 0)
    }.sorted { ($0.connected ? 0 : 1, $0.joinedAt) < ($1.connected ? 0 : 1, $1.joinedAt) }
  }
}

/// `orbit status --json`: the `/api/sweep` object with the `/api/workers` list as `workers`.
public struct SweepStatus: Encodable, Sendable {
  public var overview: SweepOverview
  public var workers: [WorkerOverview]

  public init(overview: SweepOverview, workers: [WorkerOverview]) {
    self.overview = overview
    self.workers = workers
  }

  private enum CodingKeys: String, CodingKey { case workers }

  /// The overview's keys and `workers` in one object (JSONEncoder merges keyed containers
  /// asked for twice of one encoder).
  public func encode(to encoder: any Encoder) throws {
    try overview.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(workers, forKey: .workers)
  }
}
