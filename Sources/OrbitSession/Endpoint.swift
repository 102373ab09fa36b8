import Foundation

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

  /// The endpoint workers are told to connect to for a coordinator bound at `bound`: its port
  /// on `host` when given; else, for a wildcard bind (`0.0.0.0`, `*`, `[::]`), this machine's
  /// host name — `tcp://0.0.0.0:PORT` reaches nobody from another machine.
  public static func advertised(_ bound: String, host: String?, hostName: String? = nil)
    -> String
  {
    guard bound.hasPrefix("tcp://"), let colon = bound.lastIndex(of: ":") else { return bound }
    let boundHost = String(bound[bound.index(bound.startIndex, offsetBy: 6)..<colon])
    let port = bound[bound.index(after: colon)...]
    let wildcard = ["0.0.0.0", "*", "[::]", "::"].contains(boundHost)
    guard let chosen = host ?? (wildcard ? hostName ?? Self.hostName() : nil) else {
      return bound
    }
    let bracketed = chosen.contains(":") && !chosen.hasPrefix("[") ? "[\(chosen)]" : chosen
    return "tcp://\(bracketed):\(port)"
  }

  /// This machine's host name (gethostname), as other machines of a cluster usually know it.
  public static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
    return String(cString: buffer)
  }

  /// Writes `endpoint` (one line) to RUN_DIR/endpoint, atomically: what workers started
  /// separately (a Slurm job array, a script) read to find the coordinator.
  public static func write(_ endpoint: String, toRunDirectory directory: String) throws {
    try (endpoint + "\n").write(
      toFile: directory + "/endpoint", atomically: true, encoding: .utf8)
  }
}
