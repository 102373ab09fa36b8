import OrbitCoordinator
import OrbitProtocol
import OrbitWorker
import Synchronization
import ZeroMQ

/// A network in memory for the real I/O loops: a `CoordinatorServer` and `WorkerServer`s in one
/// process, exchanging their real encoded frames through queues instead of sockets — the
/// in-memory side of the transport seam. Tests break it on purpose: `sever` breaks a worker's
/// connection and loses what it carried (a TCP reset; the worker's socket reconnects, as a
/// DEALER does), `kill` cuts a worker off for good (its process died). Either is announced to
/// the coordinator as a closed connection, as libzmq's socket monitor does.
public final class MemoryNetwork: Sendable {
  private struct State {
    var coordinatorInbox: [CoordinatorTransportEvent] = []
    var coordinatorOpen = false
    /// Each worker end's queued messages, by its name.
    var workerInbox: [String: [[UInt8]]] = [:]
    /// The live connection of each worker end (its routing id), by name.
    var connection: [String: PeerID] = [:]
    var nameOfPeer: [PeerID: String] = [:]
    var killed: Set<String> = []
    /// Messages carried, both ways.
    var delivered = 0
  }

  private let state = Mutex(State())
  fileprivate let coordinatorWake = WakeSignal()
  private let workerWakes = Mutex<[String: WakeSignal]>([:])

  public init() {}

  /// The coordinator's end: pass it to `CoordinatorServer(transport:…)`.
  public func coordinatorTransport() -> any CoordinatorTransport { CoordinatorEnd(network: self) }

  /// A worker's end, named for the test's faults: pass it to `WorkerServer(transport:…)`.
  public func workerTransport(name: String) -> any WorkerTransport {
    workerWakes.withLock { $0[name] = WakeSignal() }
    return WorkerEnd(network: self, name: name)
  }

  /// Breaks worker `name`'s connection: what it carried either way is lost, the coordinator is
  /// told the connection closed, and the next message from the worker opens a new one.
  public func sever(_ name: String) {
    let peer = state.withLock { s -> PeerID? in
      guard let peer = s.connection[name] else { return nil }
      s.workerInbox[name] = []
      s.coordinatorInbox.removeAll {
        if case .message(let from, _, _) = $0 { return from == peer }
        return false
      }
      s.coordinatorInbox.append(.disconnected(peer))
      return peer
    }
    if peer != nil { coordinatorWake.signal() }
  }

  /// Cuts worker `name` off for good, as if its process died: the coordinator is told its
  /// connection closed, and nothing reaches or leaves it from now on.
  public func kill(_ name: String) {
    let told = state.withLock { s -> Bool in
      s.killed.insert(name)
      s.workerInbox[name] = []
      guard let peer = s.connection.removeValue(forKey: name) else { return false }
      s.nameOfPeer[peer] = nil
      s.coordinatorInbox.append(.disconnected(peer))
      return true
    }
    if told { coordinatorWake.signal() }
  }

  /// Whether `kill` cut worker `name` off.
  public func isKilled(_ name: String) -> Bool { state.withLock { $0.killed.contains(name) } }

  /// Messages carried so far, both ways.
  public var delivered: Int { state.withLock { $0.delivered } }

  // MARK: Ends

  fileprivate func startCoordinator() {
    state.withLock { $0.coordinatorOpen = true }
  }

  fileprivate func closeCoordinator() {
    state.withLock { $0.coordinatorOpen = false }
  }

  fileprivate func nextForCoordinator() -> CoordinatorTransportEvent? {
    state.withLock { s in s.coordinatorInbox.isEmpty ? nil : s.coordinatorInbox.removeFirst() }
  }

  fileprivate func sendToWorker(_ message: [UInt8], peer: PeerID) -> Bool {
    let name = state.withLock { s -> String? in
      guard let name = s.nameOfPeer[peer], s.connection[name] == peer else { return nil }
      s.workerInbox[name, default: []].append(message)
      s.delivered += 1
      return name
    }
    guard let name else { return false }
    workerWakes.withLock { $0[name] }?.signal()
    return true
  }

  fileprivate func connect(_ name: String, as peer: PeerID) {
    let closed = state.withLock { s -> Bool in
      guard !s.killed.contains(name) else { return false }
      let old = s.connection[name]
      if let old { s.nameOfPeer[old] = nil }
      s.connection[name] = peer
      s.nameOfPeer[peer] = name
      s.workerInbox[name] = []
      // The old socket's connection closes with it.
      if let old, old != peer { s.coordinatorInbox.append(.disconnected(old)) }
      return old != nil
    }
    if closed { coordinatorWake.signal() }
  }

  fileprivate func sendToCoordinator(_ message: [UInt8], from name: String) {
    let sent = state.withLock { s -> Bool in
      guard s.coordinatorOpen, !s.killed.contains(name), let peer = s.connection[name] else {
        return false
      }
      s.coordinatorInbox.append(.message(peer, frames: [message], authenticatedAs: nil))
      s.delivered += 1
      return true
    }
    if sent { coordinatorWake.signal() }
  }

  fileprivate func nextForWorker(_ name: String) -> [UInt8]? {
    state.withLock { s in
      guard var inbox = s.workerInbox[name], !inbox.isEmpty else { return nil }
      let first = inbox.removeFirst()
      s.workerInbox[name] = inbox
      return first
    }
  }

  fileprivate func wake(of name: String) -> WakeSignal? { workerWakes.withLock { $0[name] } }

  private final class CoordinatorEnd: CoordinatorTransport {
    let network: MemoryNetwork
    init(network: MemoryNetwork) { self.network = network }

    func start() throws(CoordinatorError) -> String {
      network.startCoordinator()
      return "memory://coordinator"
    }
    func wait(timeoutMilliseconds: Int, orReadable fileDescriptors: [Int32]) throws {
      network.coordinatorWake.wait(timeoutMilliseconds: timeoutMilliseconds, or: fileDescriptors)
    }
    func next() throws -> CoordinatorTransportEvent? { network.nextForCoordinator() }
    func send(_ message: [UInt8], to peer: PeerID) throws -> Bool {
      network.sendToWorker(message, peer: peer)
    }
    func replaceAllowList(_ keys: [String: String]) -> [PeerID: String] { [:] }
    func close() { network.closeCoordinator() }
  }

  private final class WorkerEnd: WorkerTransport {
    let network: MemoryNetwork
    let name: String
    init(network: MemoryNetwork, name: String) {
      self.network = network
      self.name = name
    }

    func connect(routingID: [UInt8]) throws(WorkerError) {
      network.connect(name, as: PeerID(routingID))
    }
    func wait(timeoutMilliseconds: Int, orReadable fileDescriptors: [Int32]) throws {
      network.wake(of: name)?.wait(timeoutMilliseconds: timeoutMilliseconds, or: fileDescriptors)
    }
    func receive() throws -> [[UInt8]]? { network.nextForWorker(name).map { [$0] } }
    func send(_ message: [UInt8]) throws { network.sendToCoordinator(message, from: name) }
    var refusedHandshakes: Int? { nil }
    func close() {}
  }
}
