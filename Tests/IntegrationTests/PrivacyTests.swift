import Foundation
import OrbitTesting
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension RealProcesses {
  /// A sweep on a shared login node: its files are its user's, and its loopback dashboard
  /// answers no other site's page (issue 25).
  @Suite("Private by default on shared hosts")
  struct PrivacyTests {
    /// The status code of `GET path` on 127.0.0.1:port sent with `host` as its Host header.
    static func status(port: UInt16, path: String, host: String, token: String? = nil) -> Int? {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      guard fd >= 0 else { return nil }
      defer { close(fd) }
      var timeout = timeval(tv_sec: 5, tv_usec: 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = port.bigEndian
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      guard connected == 0 else { return nil }
      var request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
      if let token { request += "Authorization: Bearer \(token)\r\n" }
      request += "\r\n"
      _ = request.withCString { send(fd, $0, strlen($0), 0) }
      var buffer = [UInt8](repeating: 0, count: 64)
      let count = recv(fd, &buffer, buffer.count, 0)
      guard count > 12 else { return nil }
      let line = String(decoding: buffer[0..<count], as: UTF8.self)
      return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    @Test(.timeLimit(.minutes(2)))
    func filesAreTheUsersAndTheLoopbackDashboardAnswersOnlyItsOwnName() throws {
      let sandbox = try Sandbox()
      try sandbox.write(
        "trial.py", "import json, time\ntime.sleep(0.5)\nprint(json.dumps({'loss': 1}))\n")
      try sandbox.write(
        "sweep.yaml",
        "method: grid\nprogram: trial.py\nmetric: {name: loss, goal: minimize}\nparameters:\n  x: {min: 1, max: 20}\n"
      )
      let token = "a-token-from-the-environment"
      let run = try OrbitProcess(
        ["run", "sweep.yaml", "--workers", "1", "--run-dir", "run", "--no-report"],
        in: sandbox.path, environment: ["ORBIT_HTTP_TOKEN": token])
      defer { run.signal(SIGKILL) }
      let url = try DashboardTests.dashboardURL(of: run)
      let port = try #require(UInt16(url.split(separator: ":").last!.prefix { $0.isNumber }))
      // The token came from the environment: it is not in the process list.
      let cmdline =
        (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(run.pid)/cmdline")))
        .map { String(decoding: $0, as: UTF8.self) } ?? ""
      #expect(!cmdline.contains(token))
      #expect(Self.status(port: port, path: "/api/sweep", host: "127.0.0.1:\(port)") == 401)
      #expect(
        Self.status(port: port, path: "/api/sweep", host: "127.0.0.1:\(port)", token: token)
          == 200)
      #expect(
        Self.status(port: port, path: "/api/sweep", host: "localhost:\(port)", token: token)
          == 200)
      // DNS rebinding: another site's name resolved to 127.0.0.1, the token somehow known.
      #expect(
        Self.status(port: port, path: "/api/trials", host: "evil.example:\(port)", token: token)
          == 421)
      #expect(run.wait(timeout: 60) == 0, "\(run.stderr.suffix(1000))")
      var info = stat()
      stat(sandbox.path + "/run", &info)
      #expect(info.st_mode & 0o777 == 0o700)
      stat(sandbox.path + "/run/journal.sqlite", &info)
      #expect(info.st_mode & 0o777 == 0o600)
    }
  }
}
