import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// ZeroMQ endpoints as the security rules see them.
public enum Endpoint {
  /// True for endpoints only this machine can reach: loopback TCP (a host `isLoopback` accepts),
  /// ipc, inproc. A `source;destination` pair is not local.
  public static func isLocal(_ endpoint: String) -> Bool {
    if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
    guard endpoint.hasPrefix("tcp://") else { return false }
    var host = String(endpoint.dropFirst(6))
    if host.hasPrefix("[") {
      host = String(host.dropFirst().prefix { $0 != "]" })
    } else if let colon = host.lastIndex(of: ":") {
      host = String(host[..<colon])
    }
    return isLoopback(host: host)
  }

  /// The one loopback rule of every security decision (plain TCP without `--insecure`, a
  /// dashboard's Host check): true when `host` reaches this machine's loopback interface only —
  /// `localhost`, an IPv4 address in 127.0.0.0/8 in any form the resolver reads as a number
  /// (`127.0.0.1`, `127.1`), `::1`, or `::ffff:127.x.y.z`; an IPv6 address may be bracketed.
  /// The host must be exactly that: a name that merely starts with "127." (`127.example.com`)
  /// resolves wherever its owner likes, and `0.0.0.0` is every interface.
  ///
  /// Numbers are read by `getaddrinfo` with `AI_NUMERICHOST` — what ZeroMQ and SwiftNIO bind
  /// with — so this agrees with the address actually bound, and no name is ever looked up.
  public static func isLoopback(host: String) -> Bool {
    var host = host.lowercased()
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    if host == "localhost" { return true }
    var hints = addrinfo()
    hints.ai_flags = AI_NUMERICHOST
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    guard !host.isEmpty, getaddrinfo(host, nil, &hints, &list) == 0, let list else {
      return false
    }
    defer { freeaddrinfo(list) }
    var entry: UnsafeMutablePointer<addrinfo>? = list
    while let current = entry {
      guard let address = current.pointee.ai_addr, isLoopback(address) else { return false }
      entry = current.pointee.ai_next
    }
    return true
  }

  private static func isLoopback(_ address: UnsafeMutablePointer<sockaddr>) -> Bool {
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
      let v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
      return UInt32(bigEndian: v4.s_addr) >> 24 == 127
    case AF_INET6:
      var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
        $0.pointee.sin6_addr
      }
      let bytes = withUnsafeBytes(of: &v6) { Array($0) }
      let mappedV4 = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
      return bytes == Array(repeating: 0, count: 15) + [1] || (mappedV4 && bytes[12] == 127)
    default:
      return false
    }
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
