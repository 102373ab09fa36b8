/// ZeroMQ endpoints as the security rules see them.
public enum Endpoint {
  /// True for endpoints only this machine can reach: loopback TCP, ipc, inproc.
  public static func isLocal(_ endpoint: String) -> Bool {
    if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
    guard endpoint.hasPrefix("tcp://") else { return false }
    var host = String(endpoint.dropFirst(6))
    if host.hasPrefix("[") {
      host = String(host.dropFirst().prefix { $0 != "]" })
    } else if let colon = host.lastIndex(of: ":") {
      host = String(host[..<colon])
    }
    return host == "localhost" || host == "::1" || host.hasPrefix("127.")
  }
}
