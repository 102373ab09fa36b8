import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing

@testable import OrbitCoordinator

@Suite("Peer registry: admission, credits, strikes, flood window, bans")
struct PeerRegistryTests {
  static func hello(_ name: String, slots: Int = 4, runners: [RunnerKind] = [.core]) -> Hello {
    Hello(workerID: name, host: "h", pid: 1, slots: slots, runners: runners, orbitVersion: "t")
  }

  static func admitted(_ name: String, slots: Int = 4, now: Double = 0) -> PeerRegistry {
    var registry = PeerRegistry()
    let signer = LeaseSigner(secret: Array("secret".utf8), sweepID: "s")
    registry[PeerID(Array(name.utf8))] = PeerRegistry.Peer(
      hello: hello(name, slots: slots), lastHeard: now, lastSent: now,
      key: signer.key(forWorker: name))
    return registry
  }

  @Test func aHelloIsRefusedForItsFieldsItsRunnerOrABan() {
    var registry = PeerRegistry()
    #expect(registry.admissionRefusal(of: Self.hello("w", slots: 0), requiredRunner: .core) != nil)
    let noCommand = registry.admissionRefusal(of: Self.hello("w"), requiredRunner: .command)
    #expect(noCommand?.contains("--allow-command") == true)
    #expect(registry.admissionRefusal(of: Self.hello("w"), requiredRunner: .core) == nil)
    for _ in 0..<PeerPolicy.dropsBeforeBan { registry.recordOffence(by: "w") }
    let banned = registry.admissionRefusal(of: Self.hello("w"), requiredRunner: .core)
    #expect(banned?.contains("refused for the rest of this sweep") == true)
    // Another id is not touched by w's ban.
    #expect(registry.admissionRefusal(of: Self.hello("v"), requiredRunner: .core) == nil)
  }

  @Test func creditsNeverExceedSlotsNorAllowanceMinusWhatIsHeld() {
    var registry = Self.admitted("w", slots: 4)
    let id = PeerID(Array("w".utf8))
    #expect(registry.grant(3, to: id, holding: 2) == nil)
    #expect(registry[id]?.credits == 2)  // 4 slots − 2 held
    // Out of range: a violation, clamped all the same.
    #expect(registry.grant(-5, to: id, holding: 0) != nil)
    #expect(registry.grant(99, to: id, holding: 0) != nil)
    #expect(registry[id]?.credits == 4)
    #expect(registry.invariantViolations(holding: { _ in 0 }) == [])
    #expect(registry.invariantViolations(holding: { _ in 1 }).count == 1)
  }

  @Test func theAllowanceWidensByOnePerResultUpToTheSlots() {
    var registry = Self.admitted("w", slots: PeerPolicy.initialAllowance + 1)
    let id = PeerID(Array("w".utf8))
    registry.widenAllowance(of: id)
    registry.widenAllowance(of: id)
    #expect(registry[id]?.allowance == PeerPolicy.initialAllowance + 1)
  }

  @Test func theDropComesAtTheStrikeLimit() {
    var registry = Self.admitted("w")
    let id = PeerID(Array("w".utf8))
    let strikes = (1...PeerPolicy.strikesBeforeDrop).map { _ in registry.strike(id) }
    // Only the last one drops.
    #expect(strikes == Array(repeating: false, count: PeerPolicy.strikesBeforeDrop - 1) + [true])
    let strangerStruck = registry.strike(PeerID(Array("nobody".utf8)))
    #expect(!strangerStruck)
  }

  @Test func aFloodIsOverTheLimitWithinOneSecondAndAWindowStartsAfresh() {
    var registry = Self.admitted("w")
    let id = PeerID(Array("w".utf8))
    let withinLimit = (0..<PeerPolicy.maxMessagesPerSecond).allSatisfy { _ in
      registry.heard(from: id, now: 0.5)
    }
    #expect(withinLimit)
    let oneTooMany = registry.heard(from: id, now: 0.9)
    #expect(!oneTooMany)
    let nextSecond = registry.heard(from: id, now: 2)
    #expect(nextSecond)
    #expect(registry[id]?.lastHeard == 2)
    #expect(registry[id]?.onlyHelloSinceWelcome == false)
  }

  @Test func aMalformedPeerIsLoggedOnce() {
    var registry = PeerRegistry()
    let logged = [PeerID([1]), PeerID([1]), PeerID([2])].map { registry.noteMalformed(from: $0) }
    #expect(logged == [true, false, true])
  }

  @Test func theKeptOrdersFollowPeersAndCreditsAsTheyComeAndGo() {
    var registry = PeerRegistry()
    let signer = LeaseSigner(secret: Array("secret".utf8), sweepID: "s")
    let (z, a, m) = (PeerID(Array("z".utf8)), PeerID(Array("a".utf8)), PeerID(Array("m".utf8)))
    for (id, name) in [(z, "z"), (a, "a"), (m, "m")] {
      registry[id] = PeerRegistry.Peer(
        hello: Self.hello(name), lastHeard: 0, lastSent: 0, key: signer.key(forWorker: name))
    }
    #expect(registry.sortedIDs == [a, m, z])
    #expect(registry.creditedIDs.isEmpty)
    _ = registry.grant(2, to: z, holding: 0)
    _ = registry.grant(1, to: a, holding: 0)
    #expect(registry.creditedIDs == [a, z], "only peers with credits, in connection order")
    registry[a]!.credits = 0
    #expect(registry.creditedIDs == [z])
    #expect(registry.id(ofWorker: "m") == m)
    registry.remove(z)
    #expect(registry.sortedIDs == [a, m] && registry.creditedIDs.isEmpty)
    #expect(registry.id(ofWorker: "z") == nil)
    #expect(registry.invariantViolations(holding: { _ in 0 }).isEmpty)
  }

  @Test func twoConnectionsUnderOneWorkerIDBreakAnInvariant() {
    var registry = Self.admitted("w")
    #expect(registry.other(withWorkerID: "w", than: PeerID(Array("w".utf8))) == nil)
    let signer = LeaseSigner(secret: Array("secret".utf8), sweepID: "s")
    registry[PeerID([9])] = PeerRegistry.Peer(
      hello: Self.hello("w"), lastHeard: 0, lastSent: 0, key: signer.key(forWorker: "w"))
    #expect(registry.other(withWorkerID: "w", than: PeerID([9]))?.0 == PeerID(Array("w".utf8)))
    #expect(registry.invariantViolations(holding: { _ in 0 }) == ["two peers share a worker id"])
  }
}
