#if canImport(Glibc)
  import Glibc
#endif

/// ZeroMQ endpoints as the security rules see them.
public enum Endpoint {
  /// True for endpoints only this machine can reach: loopback TCP (`localhost`, an IPv4 address
  /// in 127.0.0.0/8, `[::1]`), ipc, inproc. The host must be exactly that: a name that merely
  /// starts with "127." (`127.example.com`) or a `source;destination` pair is not local.
  public static func isLocal(_ endpoint: String) -> Bool {
    if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
    guard endpoint.hasPrefix("tcp://") else { return false }
    var host = String(endpoint.dropFirst(6))
    if host.hasPrefix("[") {
      host = String(host.dropFirst().prefix { $0 != "]" })
    } else if let colon = host.lastIndex(of: ":") {
      host = String(host[..<colon])
    }
    if host == "localhost" { return true }
    var v4 = in_addr()
    if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, host, &v6) == 1 {
      return withUnsafeBytes(of: &v6) { Array($0) } == Array(repeating: 0, count: 15) + [1]
    }
    return false
  }
}
