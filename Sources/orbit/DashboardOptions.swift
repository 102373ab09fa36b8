import ArgumentParser
import Foundation
import Logging
import OrbitDashboard
import OrbitSession

/// `--http`, `--no-http` and `--http-token`, shared by the commands that serve the dashboard.
struct DashboardOptions: ParsableArguments {
  @Option(
    help:
      "Serve the live dashboard, its JSON API and /metrics on HOST:PORT (port 0: a free one). Default for orbit run: 127.0.0.1:0; the URL is printed first."
  )
  var http: String?

  @Flag(help: "Do not serve the dashboard (orbit run serves it by default).")
  var noHttp = false

  @OptionGroup var tokens: DashboardTokenOptions

  /// `orbit run`'s address when `--http` is not given.
  static let runDefault = "127.0.0.1:0"

  /// Starts the dashboard when asked (or by default) and prints its URL as a line of its own.
  /// - Returns: the server, nil when none was asked for.
  func start(
    runDirectory: String, defaultAddress: String?, metrics: PrometheusExport?, logger: Logger
  ) throws(SessionError) -> DashboardServer? {
    guard !noHttp, let address = http ?? defaultAddress else { return nil }
    var quiet = logger
    // Hummingbird says "server started" at info: the printed URL says it better.
    quiet.logLevel = max(logger.logLevel, .warning)
    let token = try tokens.token()
    let (server, url) = try DashboardLauncher.start(
      runDirectory: runDirectory, address: address, token: token, metrics: metrics,
      logger: quiet)
    print("orbit: dashboard \(url)")
    flushStandardOutput()
    DashboardClient.writeAddress(url, runDirectory: runDirectory)
    return server
  }
}
