import ArgumentParser
import CSupport
import Foundation
import OrbitSession

#if Dashboard
  import OrbitDashboard
#endif

/// `orbit serve RUN_DIR`: the dashboard of a sweep from its journal alone — a finished sweep, or
/// one whose coordinator runs on another host sharing the run directory. Reads SQLite
/// read-only; a coordinator writing the journal is never blocked by it.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve a sweep's live dashboard and JSON API from its run directory.",
    discussion: """
      Stops on SIGINT or SIGTERM. /metrics is served only by the coordinator itself
      (orbit run, or orbit coordinator --http).
      """)

  @Argument(help: "The run directory (holds journal.sqlite).")
  var runDir: String

  @Option(help: "HOST:PORT to serve on (port 0: a free one).")
  var http: String = "127.0.0.1:0"

  @OptionGroup var tokens: DashboardTokenOptions

  @OptionGroup var log: LogOptions

  func run() throws {
    #if !Dashboard
      throw fail(LiveDashboard.notBuilt, ExitStatus.unavailable)
    #else
      var logger = log.logger("orbit.http")
      logger.logLevel = max(logger.logLevel, .warning)
      Signals.install()
      // Before any thread starts, so all inherit it: beside a coordinator, the sweep comes first.
      _ = orbit_lower_thread_priority(DashboardServer.niceness)
      let (server, url) = try DashboardLauncher.start(
        runDirectory: runDir, address: http, token: try tokens.token(), metrics: nil, logger: logger
      )
      print("orbit: dashboard \(url)")
      flushStandardOutput()
      while Signals.interrupts == 0 { usleep(100_000) }
      server.stop()
    #endif
  }
}
