import Foundation
import OrbitSession
import OrbitSpec

/// A reply the HTTP layer sends as is.
public struct DashboardReply: Sendable, Equatable {
  public var status: Int
  public var contentType: String
  public var body: String

  static func json(_ document: some Encodable, status: Int = 200) -> DashboardReply {
    json(text: JSONDocument.encode(document), status: status)
  }

  /// fits.json, which the analysis writes as text.
  static func json(text: String, status: Int = 200) -> DashboardReply {
    DashboardReply(status: status, contentType: "application/json; charset=utf-8", body: text)
  }

  static func error(_ status: Int, _ message: String) -> DashboardReply {
    json(ErrorReply(error: message), status: status)
  }
}

/// The dashboard's routes, independent of any server: a path, its query and the token the
/// request carried go in, a reply comes out. The Hummingbird server is a thin adapter over this,
/// and tests call it directly.
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

  public func respond(
    path: String, query: [String: String], authorization: String?, host: String? = nil
  )
    -> DashboardReply
  {
    if let allowedHosts, !allowedHosts.contains(Self.hostName(host ?? "")) {
      return .error(
        421,
        "this dashboard answers to \(allowedHosts.sorted().joined(separator: ", ")) only; open the URL orbit printed"
      )
    }
    if let token {
      let offered =
        authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        ?? query["token"]
      guard let offered, Self.constantTimeEqual(offered, token) else {
        return .error(
          401,
          "this dashboard needs its token: open the URL orbit printed (?token=…) or send Authorization: Bearer TOKEN"
        )
      }
    }
    do {
      switch path {
      case "/", "/index.html":
        return DashboardReply(
          status: 200, contentType: "text/html; charset=utf-8", body: DashboardPage.html)
      case "/api/sweep": return .json(try data.overview())
      case "/api/workers": return .json(try data.workers())
      case "/api/timeline": return .json(try data.timeline())
      case "/api/trials": return .json(try data.trials(query))
      case "/api/errors": return .json(try data.errors())
      case "/api/figures": return .json(data.figures())
      case "/api/fits": return .json(text: data.fitsJSON())
      case "/api/curves": return .json(try data.curves(family: query["family"]))
      case "/metrics":
        guard let metrics else {
          return .error(
            404,
            "no coordinator in this process: /metrics is served by orbit run and orbit coordinator")
        }
        return DashboardReply(
          status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics())
      case let p where p.hasPrefix("/api/trials/"):
        let id = String(p.dropFirst("/api/trials/".count))
        guard let trial = try data.trial(id: id) else {
          return .error(
            404,
            "no recorded trial has the id '\(id)' (a full id or a unique prefix of 8+ hex digits)")
        }
        return .json(trial)
      default:
        return .error(
          404, "no such page: \(path) (the dashboard serves \(Self.paths.joined(separator: ", ")))")
      }
    } catch {
      return .error(error.exitCode == 64 ? 400 : 500, error.message)
    }
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
