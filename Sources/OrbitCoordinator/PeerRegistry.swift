import OrbitProtocol
import OrbitSpec

/// The coordinator's peers and what it holds against them: admission, credits, the slow-start
/// allowance, strikes, the flood window and the bans. Which trials a peer holds is the lease
/// book's (`LeaseBook`); a peer here is a connection that introduced itself.
struct PeerRegistry {
  struct Peer {
    var hello: Hello
    var credits: Int = 0
    var lastHeard: Double
    var lastSent: Double
    /// Protocol violations so far; at `PeerPolicy.strikesBeforeDrop` the peer is dropped.
    var strikes = 0
    /// Whether a refused result from this peer was already logged (once per peer).
    var loggedRefusal = false
    /// The lease signer's state for this worker id.
    var key: LeaseSigner.PeerKey
    /// Nothing but HELLO heard on this connection since it was welcomed: a HELLO again is the
    /// same introduction repeated (an older worker answers each UNKNOWN_PEER a restarted
    /// coordinator sent it with a HELLO), not a violation.
    var onlyHelloSinceWelcome = true
    /// HELLOs repeated on this connection while `onlyHelloSinceWelcome`.
    var repeatedHellos = 0
    /// Trials it may hold at once: `PeerPolicy.initialAllowance`, one more per result, never
    /// more than its slots.
    var allowance = PeerPolicy.initialAllowance
    /// Messages in the current one-second window, and when it began (the flood limit).
    var windowStart = 0.0
    var windowMessages = 0
    /// Held runs it was told to cancel (not re-adopted): never re-adopted from this process,
    /// whose `cancelled` result is on its way, until a HELLO no longer lists them.
    var cancelling: Set<TrialID> = []
  }

  private(set) var peers: [PeerID: Peer] = [:]
  /// The peers in a fixed order (by connection id), so decisions do not depend on hashing; kept
  /// sorted as peers come and go, so no event sorts the fleet (at 1,000 workers a sort per
  /// event was a tenth of the coordinator's CPU: bench/RESULTS.md, "A fleet of 1,000 workers").
  private(set) var sortedIDs: [PeerID] = []
  /// The peers with credits, in the same order: the only ones a dispatch pass can serve, so a
  /// pass costs the few peers a READY or RESULT just freed, not the whole fleet.
  private(set) var creditedIDs: [PeerID] = []
  /// Each admitted worker id's connections: one, as worker ids are unique among peers (an
  /// invariant), but kept as a list so a broken invariant is still seen and reported.
  private var byWorkerID: [String: [PeerID]] = [:]
  /// Worker ids dropped for misbehaving, and how often; at `PeerPolicy.dropsBeforeBan` the id
  /// is refused for the rest of the sweep. Bounded: see `PeerPolicy.maxTrackedOffenders`.
  private var offenders: [String: Int] = [:]
  private var malformedPeers: Set<PeerID> = []

  subscript(id: PeerID) -> Peer? {
    get { peers[id] }
    set { store(newValue, as: id) }
  }

  var count: Int { peers.count }

  func id(ofWorker workerID: String) -> PeerID? { byWorkerID[workerID]?.first }

  /// Another connection admitted under `workerID`.
  func other(withWorkerID workerID: String, than id: PeerID) -> (PeerID, Peer)? {
    guard let other = byWorkerID[workerID]?.first(where: { $0 != id }), let peer = peers[other]
    else { return nil }
    return (other, peer)
  }

  @discardableResult
  mutating func remove(_ id: PeerID) -> Peer? {
    let peer = peers[id]
    store(nil, as: id)
    return peer
  }

  /// Every write of a whole peer: keeps the orders and the worker-id index in step.
  private mutating func store(_ peer: Peer?, as id: PeerID) {
    let old = peer.map { peers.updateValue($0, forKey: id) } ?? peers.removeValue(forKey: id)
    if (old == nil) != (peer == nil) {
      Self.update(&sortedIDs, id, present: peer != nil)
    }
    if old?.hello.workerID != peer?.hello.workerID {
      if let old {
        byWorkerID[old.hello.workerID]?.removeAll { $0 == id }
        if byWorkerID[old.hello.workerID]?.isEmpty == true { byWorkerID[old.hello.workerID] = nil }
      }
      if let peer { byWorkerID[peer.hello.workerID, default: []].append(id) }
    }
    let (had, has) = ((old?.credits ?? 0) > 0, (peer?.credits ?? 0) > 0)
    if had != has { Self.update(&creditedIDs, id, present: has) }
  }

  /// Inserts `id` into (or removes it from) a list sorted by connection id.
  private static func update(_ list: inout [PeerID], _ id: PeerID, present: Bool) {
    var (low, high) = (0, list.count)
    while low < high {
      let middle = (low + high) / 2
      if list[middle].bytes.lexicographicallyPrecedes(id.bytes) {
        low = middle + 1
      } else {
        high = middle
      }
    }
    let found = low < list.count && list[low] == id
    if present, !found { list.insert(id, at: low) }
    if !present, found { list.remove(at: low) }
  }

  // MARK: Admission

  /// Why a HELLO is refused before anything else is looked at (its fields, a ban, the runner
  /// the sweep needs), as the REJECT says it; nil when it may be admitted.
  func admissionRefusal(of hello: Hello, requiredRunner: RunnerKind) -> String? {
    if let problem = PeerPolicy.problem(with: hello) { return problem }
    if (offenders[hello.workerID] ?? 0) >= PeerPolicy.dropsBeforeBan {
      return
        "worker \(hello.workerID) was dropped \(PeerPolicy.dropsBeforeBan) times for protocol violations and is refused for the rest of this sweep"
    }
    guard hello.runners.contains(requiredRunner) else {
      let hint = requiredRunner == .command ? " (start it with --allow-command)" : ""
      return
        "this sweep needs the '\(requiredRunner.rawValue)' runner, which worker \(hello.workerID) does not offer\(hint)"
    }
    return nil
  }

  // MARK: Flood control, strikes, bans

  /// Notes a message heard from an admitted peer; false when it is one too many for this
  /// second (the peer floods and is to be dropped).
  mutating func heard(from id: PeerID, now: Double) -> Bool {
    guard var peer = peers[id] else { return true }
    peer.lastHeard = now
    peer.onlyHelloSinceWelcome = false
    if now - peer.windowStart >= 1 {
      peer.windowStart = now
      peer.windowMessages = 0
    }
    peer.windowMessages += 1
    store(peer, as: id)
    return peer.windowMessages <= PeerPolicy.maxMessagesPerSecond
  }

  /// Counts a protocol violation; true when it is the one that drops the peer.
  mutating func strike(_ id: PeerID) -> Bool {
    guard peers[id] != nil else { return false }
    peers[id]!.strikes += 1
    return peers[id]!.strikes >= PeerPolicy.strikesBeforeDrop
  }

  /// Counts a drop for misbehaving against the worker id (toward its ban).
  mutating func recordOffence(by workerID: String) {
    if offenders.count < PeerPolicy.maxTrackedOffenders || offenders[workerID] != nil {
      offenders[workerID, default: 0] += 1
    }
  }

  /// Notes a malformed message from `id`; true for the first from that peer (logged once).
  mutating func noteMalformed(from id: PeerID) -> Bool {
    malformedPeers.count < PeerPolicy.maxTrackedOffenders && malformedPeers.insert(id).inserted
  }

  // MARK: Credits

  /// Adds credits a peer granted, never past the slots it announced (nor its allowance) minus
  /// the `holding` trials it has. Returns the violation when the grant was out of range (the
  /// credits are clamped either way).
  mutating func grant(_ credits: Int, to id: PeerID, holding: Int) -> String? {
    guard let peer = peers[id] else { return nil }
    let room = max(0, min(peer.hello.slots, peer.allowance) - holding)
    // Both operands are within 0...slots (≤ PeerPolicy.maxSlots): the sum cannot overflow.
    let clamped = min(max(0, credits), peer.hello.slots)
    var granted = peer
    granted.credits = min(room, peer.credits + clamped)
    store(granted, as: id)
    guard credits < 0 || credits > peer.hello.slots else { return nil }
    return "granted \(credits) credits with \(peer.hello.slots) slots"
  }

  /// One more trial the peer may hold, up to its slots (a result came back: slow start).
  mutating func widenAllowance(of id: PeerID) {
    guard let peer = peers[id] else { return }
    peers[id]!.allowance = min(peer.hello.slots, peer.allowance + 1)
  }

  /// Notes that something was sent to `id` (heartbeats go only to peers not sent to lately).
  mutating func sent(to id: PeerID, now: Double) { peers[id]?.lastSent = now }

  // MARK: Invariants

  /// The registry's own rules; `holding` tells how many trials each peer holds.
  func invariantViolations(holding: (PeerID) -> Int) -> [String] {
    var problems: [String] = []
    for (id, peer) in peers {
      if peer.credits < 0 { problems.append("peer \(id) has \(peer.credits) credits") }
      let held = holding(id)
      if peer.credits + held > peer.hello.slots {
        problems.append(
          "peer \(id): \(peer.credits) credits + \(held) leases > \(peer.hello.slots) slots")
      }
    }
    let workerIDs = peers.values.map(\.hello.workerID)
    if Set(workerIDs).count != workerIDs.count { problems.append("two peers share a worker id") }
    let inOrder = peers.keys.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) })
    if sortedIDs != inOrder { problems.append("the kept peer order is not the peers' order") }
    if creditedIDs != inOrder.filter({ peers[$0]!.credits > 0 }) {
      problems.append("the kept list of credited peers is not the peers with credits")
    }
    if byWorkerID.values.map(\.count).reduce(0, +) != peers.count
      || byWorkerID.contains(where: { entry in
        entry.value.contains { peers[$0]?.hello.workerID != entry.key }
      })
    {
      problems.append("the worker-id index is not the peers' worker ids")
    }
    return problems
  }
}
