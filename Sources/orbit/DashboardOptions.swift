import ArgumentParser
import Foundation
import Logging
import OrbitCoordinator
import OrbitSession
import OrbitSpec

#if Dashboard
  import OrbitDashboard
#endif

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

  /// A bad `--http` (or one a build without the dashboard cannot serve) is refused before the
  /// sweep is opened, so the journal is never left marked running by a refused start.
  func validate() throws {
    guard let http, !noHttp else { return }
    #if Dashboard
      do { _ = try DashboardLauncher.parse(http) } catch { throw ValidationError(error.message) }
    #else
      throw fail(LiveDashboard.notBuilt, ExitStatus.unavailable)
    #endif
  }

  /// `orbit run`'s address when `--http` is not given.
  static let runDefault = "127.0.0.1:0"

  /// Starts the dashboard when asked (or by default) and prints its URL as a line of its own.
  /// - Parameter recorded: the journal's counts by status, for /metrics' counters.
  /// - Returns: the running dashboard, nil when none was asked for (or, in a build without the
  ///   `Dashboard` trait, when none was asked for explicitly).
  func start(
    runDirectory: String, defaultAddress: String?, recorded: [TrialStatus: Int], logger: Logger
  ) throws(SessionError) -> LiveDashboard? {
    guard !noHttp, let address = http ?? defaultAddress else { return nil }
    #if Dashboard
      var quiet = logger
      // Hummingbird says "server started" at info: the printed URL says it better.
      quiet.logLevel = max(logger.logLevel, .warning)
      let token = try tokens.token()
      let export = PrometheusExport(recorded: recorded)
      let (server, url) = try DashboardLauncher.start(
        runDirectory: runDirectory, address: address, token: token, metrics: export,
        logger: quiet)
      print("orbit: dashboard \(url)")
      flushStandardOutput()
      DashboardClient.writeAddress(url, runDirectory: runDirectory)
      return LiveDashboard(metrics: export.metrics, stop: { server.stop() })
    #else
      guard http == nil else {
        throw SessionError(LiveDashboard.notBuilt, exitCode: ExitStatus.unavailable)
      }
      print("orbit: no live dashboard in this build (report.html comes at the end)")
      flushStandardOutput()
      return nil
    #endif
  }
}

/// A dashboard serving while a sweep runs: the metrics it exports and how to stop it.
struct LiveDashboard {
  /// The coordinator's metrics, exported on the dashboard's /metrics.
  let metrics: CoordinatorMetrics
  let stop: () -> Void

  /// What a build without the `Dashboard` trait says when asked to serve (`scripts/quickstart`
  /// builds one first: its HTTP stack is over half of a release build's compile time).
  static let notBuilt =
    "this orbit was built without the live dashboard (scripts/quickstart builds that first, then the full one); build the full one with: swift build -c release --product orbit --static-swift-stdlib"
}
