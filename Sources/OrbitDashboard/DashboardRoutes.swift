import CSupport
import Foundation
import Hummingbird
import NIOCore
import OrbitSession

/// The dashboard's HTTP surface over a run directory's `DashboardData`: a Hummingbird router
/// that `DashboardServer` serves and tests drive through HummingbirdTesting without a socket.
public struct DashboardRoutes: Sendable {
  public let data: DashboardData
  /// Required on every request when set: `Authorization: Bearer TOKEN` or `?token=TOKEN`.
  public let token: String?
  /// The Prometheus text of `/metrics`; nil for `orbit serve`, which has no coordinator.
  public let metrics: (@Sendable () -> String)?

  /// When set (a dashboard on loopback), the only `Host` names a request may carry: a page on
  /// another site whose name an attacker points at 127.0.0.1 (DNS rebinding) sends its own
  /// name, and is refused (issue 25: `/api/trials` was read so from Chromium).
  public var allowedHosts: Set<String>?

  /// The host part of a `Host` header (`name:port`, `[v6]:port`, or a bare name), lowercased.
  public static func hostName(_ header: String) -> String {
    var text = header.lowercased()
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
      return String(text[text.index(after: text.startIndex)..<close])
    }
    if let colon = text.lastIndex(of: ":") { text = String(text[..<colon]) }
    return text
  }

  public init(data: DashboardData, token: String?, metrics: (@Sendable () -> String)?) {
    self.data = data
    self.token = token
    self.metrics = metrics
  }

  /// Every path the dashboard answers, for the 404's message and docs/DASHBOARD.md.
  public static let paths = [
    "/", "/api/sweep", "/api/workers", "/api/timeline", "/api/trials", "/api/trials/ID",
    "/api/errors", "/api/figures", "/api/fits", "/api/curves", "/metrics",
  ]

  /// The dashboard's router: one route per endpoint; the Host check, the token check and the
  /// 404's message as middleware, in that order (a refused host or a missing token learns
  /// nothing, not even which paths exist).
  public func router() -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ReplyHeaders())
    if let allowedHosts { router.add(middleware: HostCheck(allowed: allowedHosts)) }
    if let token { router.add(middleware: TokenCheck(token: token)) }
    router.add(middleware: NamedNotFound())
    let data = self.data
    let page = Self.reply(.ok, contentType: "text/html; charset=utf-8", DashboardPage.html)
    router.get("/") { _, _ in page }
    router.get("/index.html") { _, _ in page }
    router.get("/api/sweep") { _, _ in Self.answer { try data.overview() } }
    router.get("/api/workers") { _, _ in Self.answer { try data.workers() } }
    router.get("/api/timeline") { _, _ in Self.answer { try data.timeline() } }
    router.get("/api/trials") { request, _ in
      Self.answer { try data.trials(Self.query(request)) }
    }
    router.get("/api/trials/:id") { _, context in
      let id = context.parameters.get("id") ?? ""
      do {
        guard let trial = try data.trial(id: id) else {
          return Self.error(
            .notFound,
            "no recorded trial has the id '\(id)' (a full id or a unique prefix of 8+ hex digits)")
        }
        return Self.json(trial)
      } catch {
        return Self.error(error)
      }
    }
    router.get("/api/errors") { _, _ in Self.answer { try data.errors() } }
    router.get("/api/figures") { _, _ in Self.json(data.figures()) }
    router.get("/api/fits") { _, _ in
      Self.reply(.ok, contentType: Self.jsonType, data.fitsJSON())
    }
    router.get("/api/curves") { request, _ in
      Self.answer { try data.curves(family: Self.query(request)["family"]) }
    }
    let metrics = self.metrics
    router.get("/metrics") { _, _ in
      guard let metrics else {
        return Self.error(
          .notFound,
          "no coordinator in this process: /metrics is served by orbit run and orbit coordinator")
      }
      return Self.reply(.ok, contentType: "text/plain; version=0.0.4; charset=utf-8", metrics())
    }
    return router
  }

  static let jsonType = "application/json; charset=utf-8"

  static func query(_ request: Request) -> [String: String] {
    var query: [String: String] = [:]
    for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
    return query
  }

  static func reply(_ status: HTTPResponse.Status, contentType: String, _ body: String) -> Response
  {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    return Response(
      status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
  }

  static func json(_ document: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    reply(status, contentType: jsonType, JSONDocument.encode(document))
  }

  static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
    json(ErrorReply(error: message), status: status)
  }

  /// A read that failed: 400 for a bad query (the message says what is accepted), else 500.
  /// `DashboardData` throws only `SessionError`; closures are inferred to throw `any Error`.
  static func error(_ error: any Error) -> Response {
    guard let error = error as? SessionError else {
      return Self.error(.internalServerError, "\(error)")
    }
    return Self.error(
      error.exitCode == ExitStatus.usage ? .badRequest : .internalServerError, error.message)
  }

  static func answer(_ read: () throws -> some Encodable) -> Response {
    do { return json(try read()) } catch { return Self.error(error) }
  }

  /// Compares without an early exit, so response times do not leak how much of a guess was right.
  static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var difference = x.count ^ y.count
    for i in 0..<max(x.count, y.count) {
      difference |= Int((i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0))
    }
    return difference == 0
  }
}

/// Every answer: computed at a lower priority than the coordinator's (a dashboard must not slow
/// the sweep it watches; lowering is one cheap call once set), and never cached (the page
/// polls: a cached answer would freeze it).
struct ReplyHeaders: RouterMiddleware {
  func handle(
    _ request: Request, context: BasicRequestContext,
    next: (Request, BasicRequestContext) async throws -> Response
  ) async throws -> Response {
    _ = orbit_lower_thread_priority(DashboardServer.niceness)
    var response = try await next(request, context)
    response.headers[.cacheControl] = "no-store"
    return response
  }
}

/// A dashboard on loopback answers only to the `Host` names it was given: a page on another
/// site whose name an attacker points at 127.0.0.1 (DNS rebinding) sends its own name, and is
/// refused (issue 25: `/api/trials` was read so from Chromium).
struct HostCheck: RouterMiddleware {
  let allowed: Set<String>

  func handle(
    _ request: Request, context: BasicRequestContext,
    next: (Request, BasicRequestContext) async throws -> Response
  ) async throws -> Response {
    guard allowed.contains(DashboardRoutes.hostName(request.head.authority ?? "")) else {
      return DashboardRoutes.error(
        HTTPResponse.Status(code: 421),
        "this dashboard answers to \(allowed.sorted().joined(separator: ", ")) only; open the URL orbit printed"
      )
    }
    return try await next(request, context)
  }
}

/// Every request carries the token: `Authorization: Bearer TOKEN` or `?token=TOKEN`.
struct TokenCheck: RouterMiddleware {
  let token: String

  func handle(
    _ request: Request, context: BasicRequestContext,
    next: (Request, BasicRequestContext) async throws -> Response
  ) async throws -> Response {
    let offered =
      request.headers[.authorization].flatMap {
        $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil
      } ?? request.uri.queryParameters["token"].map(String.init)
    guard let offered, DashboardRoutes.constantTimeEqual(offered, token) else {
      return DashboardRoutes.error(
        .unauthorized,
        "this dashboard needs its token: open the URL orbit printed (?token=…) or send Authorization: Bearer TOKEN"
      )
    }
    return try await next(request, context)
  }
}

/// A path no route has is answered with the paths that exist, as JSON like every other error.
struct NamedNotFound: RouterMiddleware {
  func handle(
    _ request: Request, context: BasicRequestContext,
    next: (Request, BasicRequestContext) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as HTTPError where error.status == .notFound {
      return DashboardRoutes.error(
        .notFound,
        "no such page: \(request.uri.path) (the dashboard serves \(DashboardRoutes.paths.joined(separator: ", ")))"
      )
    }
  }
}
