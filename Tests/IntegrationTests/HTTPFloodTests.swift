import Foundation
import OrbitJournal
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// Connections to the dashboard port cannot crash the coordinator (issue 25: 1,100 idle
  /// connections at a 1,024-descriptor limit made libdispatch trap, the sweep left `running`).
  @Suite("The dashboard's port under a connection flood")
  struct HTTPFloodTests {
    static let trial = """
      import json, sys, time
      time.sleep(0.1)
      print(json.dumps({"loss": 1}))
      """
    /// The coordinator's descriptor limit in the test, and connections opened: well past it.
    static let descriptorLimit: rlim_t = 512
    static let floodConnections = 1_500

    /// The number of open descriptors of process `pid`.
    static func descriptors(_ pid: Int32) -> Int {
      (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// A non-blocking TCP connection attempt to 127.0.0.1:port, or -1.
    static func connectNonBlocking(port: UInt16) -> Int32 {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
      guard fd >= 0 else { return -1 }
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = port.bigEndian
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      return fd
    }

    @Test(.timeLimit(.minutes(2)))
    func connectionsThatAreNotZeroMQPeersAreLoggedHonestlyAndRarely() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.trial)
      try sandbox.write(
        "sweep.yaml", "method: grid\nprogram: trial.py\nparameters:\n  x: {values: [1]}\n")
      let coordinator = try OrbitProcess(
        ["coordinator", "sweep.yaml", "--bind", "tcp://127.0.0.1:0", "--run-dir", "run"],
        in: sandbox.path)
      defer {
        coordinator.signal(SIGKILL)
        _ = coordinator.wait(timeout: 5)
      }
      let endpoint = try #require(coordinator.printedEndpoint())
      let port = try #require(UInt16(endpoint.split(separator: ":").last ?? ""))
      for _ in 0..<200 {
        let fd = Self.connectNonBlocking(port: port)
        usleep(2_000)
        _ = "GET / HTTP/1.0\r\n\r\n".withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        close(fd)
      }
      sleep(2)
      coordinator.signal(SIGTERM)
      _ = coordinator.wait(timeout: 10)
      let lines = coordinator.stderr.split(separator: "\n")
      let refused = lines.filter { $0.contains("refused") && $0.contains("connection") }
      #expect(!lines.contains { $0.contains("CurveZMQ") }, "plain TCP has no CurveZMQ handshake")
      #expect(refused.count >= 1 && refused.count <= 2, "\(refused)")
      #expect(refused.first?.contains("not a ZeroMQ peer") == true, "\(refused)")
    }

    @Test(.timeLimit(.minutes(3)))
    func aFloodPastTheDescriptorLimitNeitherCrashesTheCoordinatorNorStopsTheSweep() throws {
      let sandbox = try Sandbox()
      try sandbox.write("trial.py", Self.trial)
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {min: 1, max: 60}\n"
      )
      // The coordinator starts with a small descriptor limit (children inherit it); this
      // process takes its own back up to the hard limit for the flood.
      var limits = rlimit()
      getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
      let original = limits
      limits.rlim_cur = Self.descriptorLimit
      setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
      let run: OrbitProcess
      do {
        defer {
          var restored = original
          restored.rlim_cur = original.rlim_max
          setrlimit(Int32(RLIMIT_NOFILE.rawValue), &restored)
        }
        run = try OrbitProcess(
          [
            "run", "sweep.yaml", "--workers", "1", "--slots", "2", "--run-dir", "run",
            "--no-report",
          ],
          in: sandbox.path)
      }
      defer { run.signal(SIGKILL) }
      let url = try DashboardTests.dashboardURL(of: run)
      let port = try #require(UInt16(url.split(separator: ":").last!.prefix { $0.isNumber }))
      var sockets: [Int32] = []
      var mostDescriptors = 0
      for _ in 0..<Self.floodConnections {
        let fd = Self.connectNonBlocking(port: port)
        if fd >= 0 { sockets.append(fd) }
        if sockets.count % 100 == 0 {
          mostDescriptors = max(mostDescriptors, Self.descriptors(run.pid))
        }
      }
      defer { for fd in sockets { close(fd) } }
      #expect(sockets.count > Int(Self.descriptorLimit), "the flood did not pass the limit")
      // The sweep goes on and finishes while the connections stay open.
      var rssKiB = 0
      while run.exitCodeIfEnded == nil {
        mostDescriptors = max(mostDescriptors, Self.descriptors(run.pid))
        if let status = try? String(contentsOfFile: "/proc/\(run.pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        {
          rssKiB = max(rssKiB, Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0)
        }
        usleep(200_000)
      }
      #expect(run.wait(timeout: 120) == 0, "\(run.stderr.suffix(2000))")
      #expect(mostDescriptors < Int(Self.descriptorLimit))
      let rows = try Journal(path: "\(sandbox.path)/run/journal.sqlite", readOnly: true).trials()
      #expect(rows.count == 60 && rows.allSatisfy { $0.status == .ok })
      print(
        "http flood: \(sockets.count) connections opened · coordinator at most \(mostDescriptors) descriptors (limit \(Self.descriptorLimit)) · RSS at most \(rssKiB) KiB · sweep 60/60 ok"
      )
    }
  }
}
