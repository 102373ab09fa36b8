#if Dashboard
  import Foundation
  import Logging
  import OrbitDashboard
  import OrbitSession

  /// Starting the dashboard for `orbit run`, `orbit coordinator` and `orbit serve`: the address
  /// parsed, a token required off loopback, the URL printed.
  enum DashboardLauncher {
    /// `HOST:PORT` (or `:PORT`, or `[v6]:PORT`) as given to `--http`.
    static func parse(_ address: String) throws(SessionError) -> (host: String, port: Int) {
      var host = "127.0.0.1"
      var portText = address
      if let colon = address.lastIndex(of: ":") {
        host = String(address[..<colon])
        portText = String(address[address.index(after: colon)...])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
      }
      guard let port = Int(portText), (0...65535).contains(port) else {
        throw SessionError(
          "--http \(address): expected HOST:PORT (e.g. 127.0.0.1:8080, or :0 for a free port)",
          exitCode: ExitStatus.usage)
      }
      return (host, port)
    }

    /// A token of 128 random bits, hex.
    static func generateToken() -> String {
      var generator = SystemRandomNumberGenerator()
      return (0..<16).map { _ in
        String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
      }
      .joined()
    }

    /// Serves RUN_DIR's dashboard on `address`; returns the server and the URL to print.
    /// - Throws: `SessionError` 64 for a bad address, 66 without a journal, 69 when it cannot
    ///   bind.
    static func start(
      runDirectory: String, address: String, token: String?, metrics: PrometheusExport?,
      logger: Logger
    ) throws(SessionError) -> (server: DashboardServer, url: String) {
      let (host, port) = try parse(address)
      if let token, token.count < 8 {
        throw SessionError(
          "the dashboard token must be at least 8 characters (got \(token.count))",
          exitCode: ExitStatus.usage)
      }
      var token = token
      if token == nil {
        // Anyone who can reach the port would see the spec, parameters and outputs — on loopback
        // too: every user of a shared login node reaches 127.0.0.1 (issue 25). The printed URL
        // carries it, and RUN_DIR/dashboard (mode 600) keeps it for `orbit status`.
        token = generateToken()
      }
      let data = try DashboardData(runDirectory: runDirectory)
      data.warmUp()
      var render: (@Sendable () -> String)?
      if let metrics { render = { metrics.render() } }
      var routes = DashboardRoutes(data: data, token: token, metrics: render)
      if Endpoint.isLoopback(host: host) {
        routes.allowedHosts = ["localhost", "127.0.0.1", "::1", host.lowercased()]
      }
      let server = DashboardServer(routes: routes, host: host, port: port, logger: logger)
      let bound = try server.start()
      let shownHost =
        host == "0.0.0.0" || host == "::"
        ? Endpoint.hostName() : host.contains(":") ? "[\(host)]" : host
      let url = "http://\(shownHost):\(bound)/" + (token.map { "?token=\($0)" } ?? "")
      return (server, url)
    }
  }
#endif
