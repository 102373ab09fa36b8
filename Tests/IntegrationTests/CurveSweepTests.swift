import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  @Suite("A sweep secured with CurveZMQ", .serialized)
  struct CurveSweepTests {
    @Test(.timeLimit(.minutes(2)))
    func onlyWorkersInTheAllowListJoin() throws {
      let sandbox = try Sandbox()
      for name in ["coordinator", "friend", "stranger"] {
        #expect(try OrbitProcess.run(["keys", name], in: sandbox.path).code == 0)
      }
      let secret = try #require(sandbox.read("coordinator.key"))
      #expect(secret.contains("secret: "))
      let mode =
        try FileManager.default.attributesOfItem(atPath: "\(sandbox.path)/coordinator.key")[
          .posixPermissions] as? Int
      #expect(mode == 0o600)
      // A key is never overwritten.
      #expect(try OrbitProcess.run(["keys", "friend"], in: sandbox.path).code == 64)

      try sandbox.write("ok.py", "import json\nprint(json.dumps({'loss': 1}))\n")
      try sandbox.write(
        "s.yaml", "method: grid\nprogram: ok.py\nparameters:\n  x: {min: 1, max: 6}\n")
      let coordinator = try OrbitProcess(
        [
          "coordinator", "s.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run", "--curve-key",
          "coordinator.key", "--allow-keys", "friend.pub",
        ],
        in: sandbox.path, name: "coordinator")
      let endpoint = coordinator.printedEndpoint()
      #expect(endpoint != nil)
      let address = try #require(endpoint)
      // The secret key is never printed.
      #expect(!coordinator.stdout.contains(secret.split(separator: "\n")[1].dropFirst(8)))
      // Three workers the coordinator cannot admit, each with --give-up far away: they must leave
      // on their own, promptly, saying why (exit 77), not hang reconnecting.
      let started = Date()
      let stranger = try OrbitProcess(
        [
          "worker", "--connect", address, "--allow-command", "--worker-id", "stranger",
          "--curve-key",
          "stranger.key", "--server-key", "coordinator.pub", "--give-up", "300",
        ],
        in: sandbox.path, name: "stranger")
      let plain = try OrbitProcess(
        [
          "worker", "--connect", address, "--allow-command", "--worker-id", "plain", "--give-up",
          "300",
        ], in: sandbox.path, name: "plain")
      let deceived = try OrbitProcess(
        [
          "worker", "--connect", address, "--allow-command", "--worker-id", "deceived",
          "--curve-key",
          "friend.key", "--server-key", "stranger.pub", "--give-up", "300",
        ], in: sandbox.path, name: "deceived")
      for refused in [stranger, plain, deceived] {
        #expect(refused.wait(timeout: 30) == 77, "\(refused.stderr.suffix(600))")
        #expect(refused.stderr.contains("did not accept this worker's key"))
      }
      #expect(Date().timeIntervalSince(started) < 20)
      // The coordinator names the refused key by fingerprint, never by its secret.
      let strangerPublic = try #require(sandbox.read("stranger.pub"))
        .split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      #expect(coordinator.stderr.contains("SHA256:"))
      #expect(!coordinator.stderr.contains(try #require(strangerPublic)))
      let friend = try OrbitProcess(
        [
          "worker", "--connect", address, "--allow-command", "--worker-id", "friend", "--curve-key",
          "friend.key", "--server-key", "coordinator.pub",
        ],
        in: sandbox.path, name: "friend")
      #expect(coordinator.wait(timeout: 60) == 0, "coordinator: \(coordinator.stderr)")
      #expect(friend.wait(timeout: 20) == 0)
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.workers().map(\.id) == ["friend"])
      #expect(try journal.trials().count == 6)
      #expect(sandbox.livingProcesses().isEmpty)
    }

    @Test(.timeLimit(.minutes(2)))
    func sighupRevokesAKeyAndDropsItsWorkerAtOnce() throws {
      let sandbox = try Sandbox()
      try FileManager.default.createDirectory(
        atPath: sandbox.path + "/allowed", withIntermediateDirectories: true)
      for name in ["coordinator", "friend", "other"] {
        #expect(try OrbitProcess.run(["keys", name], in: sandbox.path).code == 0)
      }
      for name in ["friend", "other"] {
        try FileManager.default.copyItem(
          atPath: "\(sandbox.path)/\(name).pub", toPath: "\(sandbox.path)/allowed/\(name).pub")
      }
      try sandbox.write(
        "slow.py", "import json, time\ntime.sleep(0.3)\nprint(json.dumps({'loss': 1}))\n")
      try sandbox.write(
        "s.yaml", "method: grid\nprogram: slow.py\nparameters:\n  x: {min: 1, max: 20}\n")
      let coordinator = try OrbitProcess(
        [
          "coordinator", "s.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run", "--curve-key",
          "coordinator.key", "--allow-keys", "allowed",
        ], in: sandbox.path, name: "coordinator")
      let endpoint = coordinator.printedEndpoint()
      #expect(endpoint != nil)
      let address = try #require(endpoint)
      func worker(_ key: String, id: String) throws -> OrbitProcess {
        try OrbitProcess(
          [
            "worker", "--connect", address, "--allow-command", "--worker-id", id, "--curve-key",
            "\(key).key", "--server-key", "coordinator.pub",
          ], in: sandbox.path, name: id)
      }
      let friend = try worker("friend", id: "node1")
      let journalPath = "\(sandbox.path)/run/journal.sqlite"
      func rows() -> [TrialRecord] {
        (try? Journal(path: journalPath, readOnly: true).trials()) ?? []
      }
      // Known by its key's name: friend/node1.
      #expect(
        OrbitProcess.eventually(timeout: 30) { rows().contains { $0.worker == "friend/node1" } })
      try FileManager.default.removeItem(atPath: "\(sandbox.path)/allowed/friend.pub")
      let revokedAt = Date()
      coordinator.signal(SIGHUP)
      #expect(friend.wait(timeout: 10) == 69, "\(friend.stderr.suffix(500))")
      #expect(Date().timeIntervalSince(revokedAt) < 5)
      #expect(friend.stderr.contains("revoked"))
      // The revoked key cannot come back; another key finishes the sweep.
      let again = try worker("friend", id: "node1-again")
      #expect(again.wait(timeout: 20) == 77)
      let other = try worker("other", id: "node2")
      #expect(coordinator.wait(timeout: 60) == 0, "\(coordinator.stderr.suffix(1000))")
      #expect(other.wait(timeout: 20) == 0)
      let recorded = rows()
      #expect(recorded.count == 20)
      #expect(recorded.allSatisfy { $0.status == .ok })
      #expect(recorded.contains { $0.worker == "other/node2" })
      #expect(coordinator.stderr.contains("reloaded the allow-list"))
      #expect(sandbox.livingProcesses().isEmpty)
    }
  }
}
