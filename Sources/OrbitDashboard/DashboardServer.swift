import CSupport
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import OrbitSession
import Synchronization

/// The dashboard's HTTP server: Hummingbird 2 on its own threads, serving `DashboardRoutes`'
/// router. Started and stopped by the command that owns it; it never handles signals
/// (the command does: a stop request must reach the coordinator first).
public final class DashboardServer: Sendable {
  public let routes: DashboardRoutes
  private let host: String
  private let port: Int
  private let logger: Logger
  private let task = Mutex<Task<Void, Never>?>(nil)
  /// Set by `stop()`: from then on the server's own log lines are debug lines. Cancelling
  /// Hummingbird makes it log `error` lines ("Server shutdown error: Already closed", "Waiting on
  /// child channel: CancellationError()") on every clean stop (issue 22).
  private let stopping = StopFlag()
  /// The nice value requests are answered at.
  public static let niceness: Int32 = 10
  /// Connections served at once. A page holds a few; past the cap the server stops accepting
  /// (the kernel's backlog queues, then refuses), so no number of connections can take the
  /// file descriptors that ZeroMQ and the journal need: 1,100 connections at a 1,024 limit
  /// crashed the coordinator before (issue 25).
  public static let maxConnections = 64
  /// A connection that sends nothing for this long is closed: idle keep-alives and half-sent
  /// requests do not hold a slot of `maxConnections` for ever.
  public static let idleTimeout = TimeAmount.seconds(15)

  public init(routes: DashboardRoutes, host: String, port: Int, logger: Logger) {
    self.routes = routes
    self.host = host
    self.port = port
    self.logger = logger
  }

  /// Starts serving and returns the port bound (the one asked for, or a free one for 0).
  /// - Throws: `SessionError` 69 when the address cannot be bound, with the reason.
  public func start() throws(SessionError) -> Int {
    let bound = Mutex<Result<Int, SessionError>?>(nil)
    let ready = DispatchSemaphore(value: 0)
    let router = routes.router()
    let app = Application(
      router: router,
      server: .http1(configuration: .init(idleTimeout: Self.idleTimeout)),
      configuration: .init(
        address: .hostname(host, port: port), serverName: "orbit",
        availableConnectionsDelegate: ConnectionCap(limit: Self.maxConnections)),
      onServerRunning: { channel in
        bound.withLock { $0 = .success(channel.localAddress?.port ?? 0) }
        ready.signal()
      },
      logger: Logger(label: logger.label) { [logger, stopping] _ in
        QuietAfterStop(wrapped: logger.handler, stopping: stopping)
      })
    let host = self.host
    let port = self.port
    let started = Task {
      do {
        try await app.runService(gracefulShutdownSignals: [])
      } catch {
        let failed = bound.withLock { state -> Bool in
          guard state == nil else { return false }
          state = .failure(
            SessionError(
              "cannot serve the dashboard on \(host):\(port): \(error). Pick another --http address, or --no-http.",
              exitCode: ExitStatus.unavailable))
          return true
        }
        if failed { ready.signal() }
      }
    }
    task.withLock { $0 = started }
    ready.wait()
    switch bound.withLock({ $0! }) {
    case .success(let port): return port
    case .failure(let error): throw error
    }
  }

  /// Stops accepting connections; returns at once (in-flight replies finish on their own).
  public func stop() {
    stopping.set()
    task.withLock { $0?.cancel() }
  }
}

/// Stops accepting while `limit` connections are open (Hummingbird stops reading the listening
/// socket; it keeps one copy of this value on the listening channel's loop).
struct ConnectionCap: AvailableConnectionsDelegate {
  let limit: Int
  private var open = 0

  init(limit: Int) { self.limit = limit }

  mutating func connectionOpened() { open += 1 }
  mutating func connectionClosed() { open -= 1 }
  func isAcceptingNewConnections() -> Bool { open < limit }
}

/// A flag set once, read from any thread.
final class StopFlag: Sendable {
  private let value = Mutex(false)
  func set() { value.withLock { $0 = true } }
  var isSet: Bool { value.withLock { $0 } }
}

/// Forwards log records to `wrapped`, lowered to `debug` once `stopping` is set: what a server
/// says while it is being stopped on request is not an error of the sweep's.
struct QuietAfterStop: LogHandler {
  var wrapped: any LogHandler
  let stopping: StopFlag

  var logLevel: Logger.Level {
    get { wrapped.logLevel }
    set { wrapped.logLevel = newValue }
  }
  var metadata: Logger.Metadata {
    get { wrapped.metadata }
    set { wrapped.metadata = newValue }
  }
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { wrapped[metadataKey: key] }
    set { wrapped[metadataKey: key] = newValue }
  }

  func log(
    level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
    file: String, function: String, line: UInt
  ) {
    let effective = stopping.isSet ? min(level, .debug) : level
    guard effective >= wrapped.logLevel else { return }
    wrapped.log(
      level: effective, message: message, metadata: metadata, source: source, file: file,
      function: function, line: line)
  }
}
