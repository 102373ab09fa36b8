import OrbitProtocol
import OrbitSpec

/// A record of a trial held by one peer: a lease, or a result awaited from it.
protocol PeerHeld {
  var trialID: TrialID { get }
  var peer: PeerID { get set }
}

/// Records by trial, with each peer's trials beside them, the two sides kept in step: what a
/// peer holds is found without a scan, and a peer's leaving or reconnecting moves or ends its
/// records together.
struct PeerHeldTable<Record: PeerHeld> {
  private(set) var records: [TrialID: Record] = [:]
  private var byPeer: [PeerID: Set<TrialID>] = [:]

  subscript(trialID: TrialID) -> Record? { records[trialID] }
  var count: Int { records.count }
  var isEmpty: Bool { records.isEmpty }
  /// Peers that hold at least one record.
  var peers: some Collection<PeerID> { byPeer.keys }

  func of(_ peer: PeerID) -> Set<TrialID> { byPeer[peer] ?? [] }

  /// Adds (or replaces) the record of its trial.
  mutating func insert(_ record: Record) {
    if let old = records[record.trialID] { unlist(record.trialID, from: old.peer) }
    records[record.trialID] = record
    byPeer[record.peer, default: []].insert(record.trialID)
  }

  @discardableResult
  mutating func remove(_ trialID: TrialID) -> Record? {
    guard let record = records.removeValue(forKey: trialID) else { return nil }
    unlist(trialID, from: record.peer)
    return record
  }

  /// Changes a record in place; its trial and peer stay (`move` changes peers).
  mutating func update(_ trialID: TrialID, _ change: (inout Record) -> Void) {
    guard var record = records[trialID] else { return }
    let peer = record.peer
    change(&record)
    record.peer = peer
    records[trialID] = record
  }

  /// Gives every record of `old` to `new`.
  mutating func move(from old: PeerID, to new: PeerID) {
    for trialID in byPeer.removeValue(forKey: old) ?? [] {
      records[trialID]?.peer = new
      byPeer[new, default: []].insert(trialID)
    }
  }

  private mutating func unlist(_ trialID: TrialID, from peer: PeerID) {
    byPeer[peer]?.remove(trialID)
    if byPeer[peer]?.isEmpty == true { byPeer[peer] = nil }
  }

  /// Where the two sides disagree; `noun` names a record in the messages.
  func invariantViolations(_ noun: String) -> [String] {
    var problems: [String] = []
    for (trialID, record) in records {
      if byPeer[record.peer]?.contains(trialID) != true {
        problems.append("\(noun) \(trialID) missing from its peer's set")
      }
      if record.trialID != trialID { problems.append("\(noun) \(trialID) for \(record.trialID)") }
    }
    for (peer, trialIDs) in byPeer {
      for trialID in trialIDs where records[trialID]?.peer != peer {
        problems.append("peer \(peer) lists \(noun) \(trialID) it does not hold")
      }
    }
    return problems
  }
}
