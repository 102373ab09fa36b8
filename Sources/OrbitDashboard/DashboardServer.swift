import CSupport
import Foundation
import Hummingbird
import Logging
import OrbitSession
import Synchronization

/// The dashboard's HTTP server: Hummingbird 2 on its own threads, routing every GET to
/// `DashboardRoutes`. Started and stopped by the command that owns it; it never handles signals
/// (the command does: a stop request must reach the coordinator first).
public final class DashboardServer: Sendable {
  public let routes: DashboardRoutes
  private let host: String
  private let port: Int
  private let logger: Logger
  private let task = Mutex<Task<Void, Never>?>(nil)
  /// The nice value requests are answered at.
  public static let niceness: Int32 = 10

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
    let routes = self.routes
    let router = Router(context: BasicRequestContext.self)
    let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = {
      request, _ in
      // The event loop threads answer at a lower priority than the coordinator's (a dashboard
      // must not slow the sweep it watches); lowering is one cheap call once set.
      _ = orbit_lower_thread_priority(DashboardServer.niceness)
      var query: [String: String] = [:]
      for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
      let reply = routes.respond(
        path: request.uri.path, query: query, authorization: request.headers[.authorization])
      var headers = HTTPFields()
      headers[.contentType] = reply.contentType
      // The page polls: a cached answer would freeze it.
      headers[.cacheControl] = "no-store"
      return Response(
        status: HTTPResponse.Status(code: reply.status), headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
    }
    router.get("/", use: handler)
    router.get("**", use: handler)
    let app = Application(
      router: router,
      configuration: .init(address: .hostname(host, port: port), serverName: "orbit"),
      onServerRunning: { channel in
        bound.withLock { $0 = .success(channel.localAddress?.port ?? 0) }
        ready.signal()
      },
      logger: logger)
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
    task.withLock { $0?.cancel() }
  }
}
