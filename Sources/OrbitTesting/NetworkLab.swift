import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Test hosts as Linux network namespaces: each host has one veth into a bridge that lives in a
/// namespace of its own, and an address on a /24 used only inside these namespaces. Made by the
/// test, torn down by it (`destroy`), so no traffic ever leaves the machine.
public final class NetworkLab: @unchecked Sendable {
  // @unchecked: one test drives a lab from one task.
  public struct Host: Sendable {
    public let namespace: String
    /// The host's address on the lab's network.
    public let address: String
    let bridgePort: String
  }

  public static let ip = "/usr/sbin/ip"
  public let hosts: [String: Host]
  private let bridge: String

  /// Whether this machine can make namespaces (root and iproute2): the multi-host tests need it.
  public static var available: Bool {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: ip) else { return false }
    let probe = "orbprobe\(getpid())"
    guard (try? run(["netns", "add", probe])) != nil else { return false }
    _ = try? run(["netns", "del", probe])
    return true
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// Makes `names` hosts on one bridged network.
  public init(_ names: [String]) throws {
    // A tag per lab, so concurrent test processes never share a namespace or a subnet.
    let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
    let subnet = Int.random(in: 2...250)
    bridge = "orb\(tag)br"
    var made: [String: Host] = [:]
    try Self.run(["netns", "add", bridge])
    try Self.run(["netns", "exec", bridge, Self.ip, "link", "add", "br0", "type", "bridge"])
    try Self.run(["netns", "exec", bridge, Self.ip, "link", "set", "br0", "up"])
    for (i, name) in names.enumerated() {
      let ns = "orb\(tag)\(name)"
      let inside = "o\(tag)h\(i)"
      let port = "o\(tag)b\(i)"
      let address = "10.231.\(subnet).\(i + 1)"
      try Self.run(["netns", "add", ns])
      try Self.run(["link", "add", inside, "type", "veth", "peer", "name", port])
      try Self.run(["link", "set", inside, "netns", ns])
      try Self.run(["link", "set", port, "netns", bridge])
      try Self.run(["netns", "exec", bridge, Self.ip, "link", "set", port, "master", "br0"])
      try Self.run(["netns", "exec", bridge, Self.ip, "link", "set", port, "up"])
      try Self.run(["netns", "exec", ns, Self.ip, "addr", "add", "\(address)/24", "dev", inside])
      try Self.run(["netns", "exec", ns, Self.ip, "link", "set", inside, "up"])
      try Self.run(["netns", "exec", ns, Self.ip, "link", "set", "lo", "up"])
      made[name] = Host(namespace: ns, address: address, bridgePort: port)
    }
    hosts = made
  }

  public subscript(_ name: String) -> Host { hosts[name]! }

  /// Cuts `host` off the network (its bridge port down: packets vanish, no connection is reset).
  public func partition(_ host: Host) throws {
    try Self.run(["netns", "exec", bridge, Self.ip, "link", "set", host.bridgePort, "down"])
  }

  public func heal(_ host: Host) throws {
    try Self.run(["netns", "exec", bridge, Self.ip, "link", "set", host.bridgePort, "up"])
  }

  /// Deletes every namespace of the lab (their veths go with them).
  public func destroy() {
    for host in hosts.values { _ = try? Self.run(["netns", "del", host.namespace]) }
    _ = try? Self.run(["netns", "del", bridge])
  }

  @discardableResult
  static func run(_ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: ip)
    p.arguments = arguments
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard p.terminationStatus == 0 else {
      throw Failure(description: "ip \(arguments.joined(separator: " ")): \(message)")
    }
    return message
  }
}
