import Foundation
import OrbitSession

#if Dashboard
  import NIOCore
  import NIOHTTP1
  import NIOPosix
#endif

/// `orbit status` from another host: a coordinator serving its dashboard writes its URL to
/// `RUN_DIR/dashboard` (mode 600: it may hold the token), and `orbit status` asks that API
/// instead of opening SQLite over a network filesystem from a second host.
///
/// The request goes over SwiftNIO, which the dashboard's server already links, not over
/// Foundation's `URLSession`: that lives in FoundationNetworking, which links libcurl, a library
/// a fresh machine does not have (issue 22: the README's first command failed to link).
enum DashboardClient {
  static let fileName = "dashboard"
  /// How long `orbit status` waits for a coordinator's API before reading the journal itself.
  static let timeoutSeconds: Int64 = 3

  static func writeAddress(_ url: String, runDirectory: String) {
    let path = runDirectory + "/" + fileName
    guard
      FileManager.default.createFile(
        atPath: path, contents: Data((url + "\n").utf8), attributes: [.posixPermissions: 0o600])
    else { return }
  }

  /// The URL written in RUN_DIR, if any. Only `http://`: the dashboard serves no TLS.
  static func address(runDirectory: String) -> String? {
    guard let text = try? String(contentsOfFile: runDirectory + "/" + fileName, encoding: .utf8)
    else { return nil }
    let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return url.hasPrefix("http://") ? url : nil
  }

  #if !Dashboard
    /// A build without the `Dashboard` trait has no HTTP client: `orbit status` reads the journal.
    static func fetch(_ base: String) -> (SweepOverview, [WorkerOverview])? { nil }
  #else
    /// (overview, workers) from the dashboard at `base` (a URL as printed, token and all), or
    /// nil when it does not answer as an Orbit dashboard within the timeout.
    static func fetch(_ base: String) -> (SweepOverview, [WorkerOverview])? {
      guard let components = URLComponents(string: base), components.scheme == "http",
        let host = components.host, !host.isEmpty
      else { return nil }
      let token = components.queryItems?.first { $0.name == "token" }?.value
      let port = components.port ?? 80
      var root = components.path
      if !root.hasSuffix("/") { root += "/" }
      guard let sweep = get(host: host, port: port, path: root + "api/sweep", token: token),
        let workers = get(host: host, port: port, path: root + "api/workers", token: token),
        let overview = try? JSONDecoder().decode(SweepOverview.self, from: Data(sweep)),
        let list = try? JSONDecoder().decode([WorkerOverview].self, from: Data(workers))
      else { return nil }
      return (overview, list)
    }

    /// The body of a 200 answer to `GET path`, or nil (refused, timed out, another status, or a
    /// body over `HTTPGet.maxBodyBytes`).
    private static func get(host: String, port: Int, path: String, token: String?) -> [UInt8]? {
      var headers = HTTPHeaders()
      headers.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
      headers.add(name: "Accept", value: "application/json")
      headers.add(name: "Connection", value: "close")
      if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
      let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
      let timeout = TimeAmount.seconds(timeoutSeconds)
      let group = MultiThreadedEventLoopGroup.singleton
      let promise = group.next().makePromise(of: HTTPGet.Response.self)
      let connected = ClientBootstrap(group: group)
        .connectTimeout(timeout)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(
              HTTPGet(request: head, promise: promise, timeout: timeout))
          }
        }
        .connect(host: host, port: port)
      connected.whenFailure { promise.fail($0) }
      guard let response = try? promise.futureResult.wait(), response.status == 200 else {
        return nil
      }
      return response.body
    }
  #endif
}

#if Dashboard
  /// One GET on a fresh connection: writes the request when the connection is up, collects the
  /// answer, and completes its promise exactly once (answer, error, close or timeout).
  private final class HTTPGet: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Response: Sendable {
      var status: Int
      var body: [UInt8]
    }
    struct Failed: Error { var reason: String }

    /// The API's answers are small (an overview, a worker list): a bigger body is not a dashboard.
    static let maxBodyBytes = 16 << 20

    let request: HTTPRequestHead
    let promise: EventLoopPromise<Response>
    let timeout: TimeAmount
    var status = 0
    var body: [UInt8] = []
    var done = false

    init(request: HTTPRequestHead, promise: EventLoopPromise<Response>, timeout: TimeAmount) {
      self.request = request
      self.promise = promise
      self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
      let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
      let channel = context.channel
      context.eventLoop.scheduleTask(in: timeout) {
        loopBound.value.finish(.failure(Failed(reason: "timed out")), channel: channel)
      }
      context.write(wrapOutboundOut(.head(request)), promise: nil)
      context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      switch unwrapInboundIn(data) {
      case .head(let head):
        status = Int(head.status.code)
      case .body(var chunk):
        guard body.count + chunk.readableBytes <= Self.maxBodyBytes else {
          finish(.failure(Failed(reason: "body too large")), channel: context.channel)
          return
        }
        body += chunk.readBytes(length: chunk.readableBytes) ?? []
      case .end:
        finish(.success(Response(status: status, body: body)), channel: context.channel)
      }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
      finish(.failure(error), channel: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
      finish(.failure(Failed(reason: "closed before the answer ended")), channel: context.channel)
    }

    private func finish(_ result: Result<Response, Error>, channel: Channel) {
      guard !done else { return }
      done = true
      promise.completeWith(result)
      channel.close(promise: nil)
    }
  }
#endif
