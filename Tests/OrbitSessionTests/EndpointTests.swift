import Testing

@testable import OrbitSession

@Suite("Endpoints as the security rules see them")
struct EndpointTests {
  @Test func loopbackIPCAndInprocAreLocal() {
    for endpoint in [
      "tcp://127.0.0.1:5555", "tcp://127.1.2.3:0", "tcp://localhost:5555", "tcp://[::1]:5555",
      "tcp://[0:0:0:0:0:0:0:1]:5555", "tcp://127.0.0.1", "ipc:///tmp/orbit.sock", "inproc://x",
    ] {
      #expect(Endpoint.isLocal(endpoint), "\(endpoint)")
    }
  }

  @Test func anythingElseIsNot() {
    for endpoint in [
      "tcp://0.0.0.0:5555", "tcp://192.0.2.1:5555", "tcp://[::]:5555", "tcp://login:5555",
      "tcp://localhost.example.com:5555", "udp://127.0.0.1:5555", "127.0.0.1:5555",
      // Names and pairs that only start like a loopback address.
      "tcp://127.example.com:5555", "tcp://127.0.0.1.nip.io:5555",
      "tcp://127.0.0.1:5555;192.0.2.1:5555", "tcp://[::2]:5555",
    ] {
      #expect(!Endpoint.isLocal(endpoint), "\(endpoint)")
    }
  }

  /// The one predicate behind both security decisions (plain TCP, the dashboard's Host check).
  @Test func loopbackHostsAreExactlyTheLoopbackAddresses() {
    for host in [
      "127.0.0.1", "127.1", "127.255.255.254", "::1", "[::1]", "::ffff:127.0.0.1",
      "[::ffff:127.0.0.1]", "localhost", "LOCALHOST", "0:0:0:0:0:0:0:1",
    ] {
      #expect(Endpoint.isLoopback(host: host), "\(host)")
    }
    for host in [
      "127.example.com", "127.0.0.1.nip.io", "0.0.0.0", "::", "[::]", "192.0.2.1",
      "::ffff:192.0.2.1", "128.0.0.1", "localhost.example.com", "", "[", "127.0.0.1 ",
      "127.0.0.1 evil", "::2",
    ] {
      #expect(!Endpoint.isLoopback(host: host), "\(host)")
    }
  }
}
