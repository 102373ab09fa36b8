import Foundation
import OrbitSession

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `orbit status` from another host: a coordinator serving its dashboard writes its URL to
/// `RUN_DIR/dashboard` (mode 600: it may hold the token), and `orbit status` asks that API
/// instead of opening SQLite over a network filesystem from a second host.
enum DashboardClient {
  static let fileName = "dashboard"
  /// How long `orbit status` waits for a coordinator's API before reading the journal itself.
  static let timeoutSeconds = 3.0

  static func writeAddress(_ url: String, runDirectory: String) {
    let path = runDirectory + "/" + fileName
    guard
      FileManager.default.createFile(
        atPath: path, contents: Data((url + "\n").utf8), attributes: [.posixPermissions: 0o600])
    else { return }
  }

  /// The URL written in RUN_DIR, if any.
  static func address(runDirectory: String) -> String? {
    guard let text = try? String(contentsOfFile: runDirectory + "/" + fileName, encoding: .utf8)
    else { return nil }
    let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return url.hasPrefix("http://") || url.hasPrefix("https://") ? url : nil
  }

  /// (overview, workers) from the dashboard at `base` (a URL as printed, token and all), or
  /// nil when it does not answer as an Orbit dashboard within the timeout.
  static func fetch(_ base: String) -> (SweepOverview, [WorkerOverview])? {
    guard var components = URLComponents(string: base) else { return nil }
    let token = components.queryItems?.first { $0.name == "token" }?.value
    components.query = nil
    var root = components.string ?? base
    if !root.hasSuffix("/") { root += "/" }
    guard let sweep = get(root + "api/sweep", token: token),
      let workers = get(root + "api/workers", token: token),
      let overview = try? JSONDecoder().decode(SweepOverview.self, from: sweep),
      let list = try? JSONDecoder().decode([WorkerOverview].self, from: workers)
    else { return nil }
    return (overview, list)
  }

  private static func get(_ url: String, token: String?) -> Data? {
    guard let address = URL(string: url) else { return nil }
    var request = URLRequest(url: address)
    request.timeoutInterval = timeoutSeconds
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var body: Data?
    URLSession.shared.dataTask(with: request) { data, response, _ in
      if (response as? HTTPURLResponse)?.statusCode == 200 { body = data }
      done.signal()
    }.resume()
    guard done.wait(timeout: .now() + timeoutSeconds + 1) == .success else { return nil }
    return body
  }
}
