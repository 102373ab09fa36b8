import Foundation
import OrbitJournal
import OrbitProtocol
import OrbitSpec
import OrbitTesting
import Testing
import ZeroMQ

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// A live hostile peer beside a real worker: it overflows credits, forges results for every
  /// real trial and for ids not in the plan, floods PROGRESS and oversized frames, and says HELLO
  /// again and again. The sweep must end with every trial recorded once, with the real worker's
  /// exact result, and the coordinator's memory bounded.
  @Suite("A hostile peer on the coordinator's port", .serialized)
  struct HostilePeerTests {
    /// The coordinator's peak resident memory allowed through the attack: 4× its quiet footprint
    /// (~30 MiB for this sweep), far below the 704 MiB the issue measured before limits.
    static let peakRSSBoundMiB = 128

    @Test(.timeLimit(.minutes(3)))
    func forgeriesFloodsAndOverflowsChangeNothingInTheRecord() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "trial.py",
        """
        import json, sys, time
        args = dict(a[2:].split("=", 1) for a in sys.argv[1:])
        time.sleep(0.05)
        print(json.dumps({"loss": int(args["x"]) * 2 + 1}))
        """)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: trial.py\nparameters:\n  x: {min: 1, max: 120}\n")
      let plan = try OrbitProcess.run(["plan", "sweep.yaml", "--json"], in: sandbox.path)
      let ids: [TrialID] = plan.stdout.split(separator: "\n").compactMap { line in
        ((try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"]
          as? String).flatMap(TrialID.init(hex:))
      }
      #expect(ids.count == 120)
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path, name: "coordinator")
      let found = coordinator.printedEndpoint()
      #expect(found != nil)
      let endpoint = try #require(found)

      // The attack, from a thread of its own, while the real worker works.
      let attacker = Thread {
        guard let context = try? ZMQContext(), let dealer = try? ZMQSocket(context, type: .dealer)
        else { return }
        defer { dealer.close() }
        try? dealer.set(.routingID(Array("mallory".utf8)))
        try? dealer.connect(endpoint)
        func send(_ m: Message) { _ = try? dealer.send([MessageCodec.encode(m)], dontWait: true) }
        func sendRaw(_ bytes: [UInt8]) { _ = try? dealer.send([bytes], dontWait: true) }
        let hello = Hello(
          workerID: "mallory", host: "evil", pid: 666, slots: 1, runners: [.core, .command],
          orbitVersion: "x")
        for round in 0..<4 {
          send(.hello(hello))
          usleep(50_000)
          // Forged results for every real trial, and for ids not in the plan.
          let forged = ids.enumerated().map { i, id in
            ResultReport(
              outcome: TrialOutcome(
                trialID: id, index: i, attempt: 1, status: .ok, metricsJSON: #"{"loss":-1e9}"#),
              leaseToken: LeaseToken(Array(repeating: UInt8(round), count: LeaseToken.byteCount)))
          }
          send(.result(sweepID: "", results: forged, credits: Int.max))
          let fake = (0..<250).map { k in
            ResultReport(
              outcome: TrialOutcome(
                trialID: TrialID(canonicalJSON: "fake \(round) \(k)"), index: k, attempt: 1,
                status: .ok,
                metricsJSON: #"{"loss":-1e9}"#),
              leaseToken: LeaseToken())
          }
          send(.result(sweepID: "", results: fake, credits: 0))
          // Credits that would overflow, or take all the work.
          send(.ready(credits: Int.max))
          send(.ready(credits: Int.max))
          send(.ready(credits: 1000))
          // PROGRESS floods for trials it does not hold, 1 MiB each.
          let big = "{\"x\":\"" + String(repeating: "p", count: 1 << 20) + "\"}"
          for id in ids.prefix(15) {
            send(
              .progress(TrialProgress(trialID: id, index: 0, attempt: 1, step: 1, metricsJSON: big))
            )
          }
          // Frames over every limit: 12 MiB of metrics in one result, and 15 MiB of garbage.
          let huge = ResultReport(
            outcome: TrialOutcome(
              trialID: ids[0], index: 0, attempt: 1, status: .ok,
              metricsJSON: "{\"x\":\"" + String(repeating: "h", count: 12 << 20) + "\"}"),
            leaseToken: LeaseToken())
          send(.result(sweepID: "", results: [huge], credits: 0))
          sendRaw([UInt8](repeating: 0x4F, count: 15 << 20))
        }
      }
      attacker.start()
      let worker = try OrbitProcess(
        [
          "worker", "--connect", endpoint, "--slots", "4", "--allow-command", "--worker-id",
          "alice",
        ],
        in: sandbox.path, name: "alice")
      // Sample the coordinator's peak RSS (VmHWM) while it runs.
      var peakKiB = 0
      while coordinator.exitCodeIfEnded == nil {
        if let status = try? String(
          contentsOfFile: "/proc/\(coordinator.pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        {
          peakKiB = max(peakKiB, kib)
        }
        usleep(50_000)
      }
      #expect(coordinator.wait(timeout: 120) == 0, "\(coordinator.stderr.suffix(1500))")
      #expect(worker.wait(timeout: 20) == 0)
      let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
      #expect(rows.count == 120)
      #expect(Set(rows.map(\.id)) == Set(ids))
      for row in rows {
        #expect(row.worker == "alice")
        let x =
          (try JSONSerialization.jsonObject(with: Data(row.paramsJSON.utf8)) as? [String: Any])?[
            "x"]
          as? Int
        let loss =
          (try JSONSerialization.jsonObject(with: Data(row.metricsJSON.utf8)) as? [String: Any])?[
            "loss"] as? Double
        #expect(loss == x.map { Double($0 * 2 + 1) })
      }
      let journal = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true)
      #expect(try journal.events(kind: "refused_result").count > 0)
      #expect(peakKiB > 0 && peakKiB < Self.peakRSSBoundMiB * 1024, "peak RSS \(peakKiB) KiB")
      print("hostile peer: coordinator peak RSS \(peakKiB / 1024) MiB")
      #expect(sandbox.livingProcesses().isEmpty)
    }
  }
}
